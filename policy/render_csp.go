package policy

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// CSPFormat is the format of a CSP node's value, as OMA-DM names it.
type CSPFormat string

// CSP value formats.
const (
	// CSPInt: a decimal integer.
	CSPInt CSPFormat = "int"
	// CSPChr: a string.
	CSPChr CSPFormat = "chr"
	// CSPBool: "true" or "false".
	CSPBool CSPFormat = "bool"
)

// Valid reports whether f is a declared format.
func (f CSPFormat) Valid() bool { return f == CSPInt || f == CSPChr || f == CSPBool }

// String returns the format's name.
func (f CSPFormat) String() string { return string(f) }

// CSPOperation is one value a Windows device writes to a configuration
// service provider node.
type CSPOperation struct {
	// URI is the node's OMA-URI, e.g.
	// "./Device/Vendor/MSFT/Policy/Config/Defender/AllowRealtimeMonitoring".
	URI string `json:"uri"`
	// Format is the value's format.
	Format CSPFormat `json:"format"`
	// Value is the value as text.
	Value string `json:"value"`
	// DefinitionID is the setting the value comes from (for a value built
	// from a group's children, such as the attack surface reduction rules,
	// the group).
	DefinitionID string `json:"definitionId"`
}

// RenderWindows renders settings (an effective configuration's top-level
// setting instances) as the CSP operations a Windows device performs, in
// the order of the settings, each parent before its children:
//
//   - a choice writes its option's value at the definition's CSP URI
//     (an integer as int, a boolean as bool, text as chr); a choice without
//     a URI (the EDR package type) writes only the settings under its option;
//   - an integer writes int, a string or secret chr;
//   - a string or integer collection writes one chr, its items joined with
//     "|" (Defender, like the exclusion lists), "," (Firewall CSP nodes) or
//     U+F000 (the Policy CSP's multi-string separator, NetworkListManager);
//   - a choice collection of integers writes their bitwise OR as int (the
//     Firewall CSP's flag sets: profiles, packet queueing, IPsec
//     exemptions), one of texts writes chr joined as above;
//   - a group whose children carry a Location.Key writes ONE chr at the
//     group's URI, "key=value|key=value" sorted by key: the attack surface
//     reduction rules as "GUID=state|..." and the threat severity default
//     actions as "severity=action|...". Lists under such a child (the
//     per-rule exclusions of an attack surface reduction rule) write one chr
//     at their own URI (ASROnlyPerRuleExclusions), "key=item>item|..." sorted
//     by key;
//   - a group collection whose URI ends in a {placeholder} segment (the
//     firewall rules) writes each item's children under a node named after
//     the item (see the package documentation), other groups write their
//     children at their own URIs.
//
// A nil catalog means Builtin. Errors are *RenderError listing every
// setting that cannot be rendered (unknown, not for Windows, without a URI,
// a value that does not fit its definition, two values for one URI or
// one key, text holding the separator it is joined with); no operations are
// returned then.
func RenderWindows(c *Catalog, settings []*SettingInstance) ([]CSPOperation, error) {
	w := &cspRenderer{renderer: newRenderer(c, targetWindows, PlatformWindows10), seen: map[string]bool{}}
	w.topLevel(settings, func(s *SettingInstance, def *Definition) { w.setting(s, def, nodeName{}) })
	if err := w.err(); err != nil {
		return nil, err
	}
	return w.ops, nil
}

type cspRenderer struct {
	*renderer
	ops  []CSPOperation
	seen map[string]bool
}

// nodeName replaces a placeholder segment of child URIs with an item's
// node name.
type nodeName struct{ placeholder, name string }

func (n nodeName) uri(csp string) string {
	if n.placeholder == "" {
		return csp
	}
	return strings.ReplaceAll(csp, n.placeholder, n.name)
}

func (w *cspRenderer) emit(defID, uri string, f CSPFormat, v string) {
	if w.seen[uri] {
		w.problem(defID, RenderDuplicate, "another setting already writes %s", uri)
		return
	}
	w.seen[uri] = true
	w.ops = append(w.ops, CSPOperation{URI: uri, Format: f, Value: v, DefinitionID: defID})
}

// listSeparator is how a CSP node joins the items of a list.
func listSeparator(uri string) string {
	switch {
	case strings.HasPrefix(uri, "./Vendor/MSFT/Firewall/"), strings.HasPrefix(uri, "./Device/Vendor/MSFT/Firewall/"):
		return ","
	case strings.Contains(uri, "/Policy/Config/NetworkListManager/"):
		return "\uF000"
	}
	return "|"
}

// cspValue is an option value as a CSP operation writes it.
func cspValue(v any) (CSPFormat, string) {
	switch v.(type) {
	case int64:
		return CSPInt, optionText(v)
	case bool:
		return CSPBool, optionText(v)
	}
	return CSPChr, optionText(v)
}

// needURI reports a problem when the definition has no CSP URI.
func (w *cspRenderer) needURI(def *Definition) bool {
	if def.Location.CSP == "" {
		w.problem(def.ID, RenderNoLocation, "the setting has no CSP URI")
		return false
	}
	return true
}

// listText checks an item joined with sep: valid UTF-8, without sep.
func (w *cspRenderer) listText(defID, item, sep string) bool {
	if !w.validText(defID, item) {
		return false
	}
	if strings.Contains(item, sep) {
		w.problem(defID, RenderInvalidText, "%q holds the list separator %q", item, sep)
		return false
	}
	return true
}

func (w *cspRenderer) setting(s *SettingInstance, def *Definition, node nodeName) {
	uri := node.uri(def.Location.CSP)
	switch def.Kind {
	case KindChoice:
		w.key("choiceSettingValue")
		defer w.pop()
		opt, ok := w.chosen(def, s.Choice)
		if !ok {
			return
		}
		switch {
		case opt.Value != nil && uri != "":
			f, v := cspValue(opt.Value)
			if w.validText(def.ID, v) {
				w.emit(def.ID, uri, f, v)
			}
		case opt.Value != nil && len(s.Choice.Children) == 0:
			w.problem(def.ID, RenderNoLocation, "the setting has no CSP URI")
		}
		w.choiceChildren(opt, s.Choice, func(c *SettingInstance, cd *Definition) { w.setting(c, cd, node) })

	case KindChoiceCollection:
		if !w.needURI(def) {
			return
		}
		var ints []int64
		var texts []string
		w.key("choiceSettingCollectionValue")
		for i, v := range s.Choices {
			w.idx(i)
			if opt, ok := w.chosen(def, v); ok && opt.Value != nil {
				if n, isInt := opt.Value.(int64); isInt {
					ints = append(ints, n)
				} else if t := optionText(opt.Value); w.listText(def.ID, t, listSeparator(uri)) {
					texts = append(texts, t)
				}
			}
			w.pop()
		}
		w.pop()
		switch {
		case len(ints) > 0 && len(texts) > 0:
			w.problem(def.ID, RenderWrongKind, "the options mix integer and text values")
		case len(ints) > 0:
			var mask int64
			for _, n := range ints {
				mask |= n
			}
			w.emit(def.ID, uri, CSPInt, strconv.FormatInt(mask, 10))
		default:
			w.emit(def.ID, uri, CSPChr, strings.Join(texts, listSeparator(uri)))
		}

	case KindInteger, KindString, KindSecret:
		w.key("simpleSettingValue")
		defer w.pop()
		if !w.simpleFits(def, s.Simple) || !w.needURI(def) {
			return
		}
		if s.Simple.Type == ValueInteger {
			w.emit(def.ID, uri, CSPInt, strconv.FormatInt(s.Simple.Integer, 10))
		} else if w.validText(def.ID, s.Simple.Text) {
			w.emit(def.ID, uri, CSPChr, s.Simple.Text)
		}

	case KindIntegerCollection, KindStringCollection:
		vs, ok := w.simpleValues(def, s)
		if !ok || !w.needURI(def) {
			return
		}
		sep := listSeparator(uri)
		items := make([]string, 0, len(vs))
		w.key("simpleSettingCollectionValue")
		for i, v := range vs {
			w.idx(i)
			t := v.Text
			if v.Type == ValueInteger {
				t = strconv.FormatInt(v.Integer, 10)
			}
			if w.listText(def.ID, t, sep) {
				items = append(items, t)
			}
			w.pop()
		}
		w.pop()
		w.emit(def.ID, uri, CSPChr, strings.Join(items, sep))

	case KindGroup, KindGroupCollection:
		switch {
		case keyedGroup(def):
			w.keyed(s, def, node)
		case placeholderOf(def.Location.CSP) != "":
			w.items(s, def)
		default:
			w.groupItems(def, s, func(_ int, v *GroupValue) {
				w.groupChildren(def, v, func(c *SettingInstance, cd *Definition) { w.setting(c, cd, node) })
			})
		}
	}
}

// keyedGroup reports whether a group's children are keys of one composite
// value (attack surface reduction rules, threat severity default actions).
func keyedGroup(def *Definition) bool {
	for _, c := range def.Children {
		if c.Location.Key != "" {
			return true
		}
	}
	return false
}

// placeholderOf returns the last segment of a URI when it is a
// {placeholder}, e.g. "{FirewallRuleName}".
func placeholderOf(uri string) string {
	seg := uri[strings.LastIndexByte(uri, '/')+1:]
	if len(seg) > 2 && seg[0] == '{' && seg[len(seg)-1] == '}' {
		return seg
	}
	return ""
}

type keyValue struct{ key, value string }

// keyed writes a group whose children are keys of one "key=value|..."
// string, and the per-key lists under them.
func (w *cspRenderer) keyed(s *SettingInstance, def *Definition, node nodeName) {
	uri := node.uri(def.Location.CSP)
	var pairs []keyValue
	keys := map[string]bool{}
	lists := map[string][]keyValue{} // URI → key=items
	listDefs := map[string]string{}  // URI → the first list's definition
	w.groupItems(def, s, func(_ int, v *GroupValue) {
		w.groupChildren(def, v, func(c *SettingInstance, cd *Definition) {
			key := cd.Location.Key
			if key == "" || cd.Kind != KindChoice {
				w.setting(c, cd, node)
				return
			}
			w.key("choiceSettingValue")
			defer w.pop()
			opt, ok := w.chosen(cd, c.Choice)
			if !ok {
				return
			}
			if keys[key] {
				w.problem(cd.ID, RenderDuplicate, "the key %s is set twice", key)
				return
			}
			keys[key] = true
			if opt.Value != nil {
				if t := optionText(opt.Value); w.listText(cd.ID, t, "|") {
					pairs = append(pairs, keyValue{key, t})
				}
			}
			w.choiceChildren(opt, c.Choice, func(gc *SettingInstance, gd *Definition) {
				if gd.Kind != KindStringCollection || gd.Location.CSP == "" {
					w.setting(gc, gd, node)
					return
				}
				items, ok := w.simpleValues(gd, gc)
				if !ok {
					return
				}
				w.key("simpleSettingCollectionValue")
				texts := make([]string, 0, len(items))
				for i, it := range items {
					w.idx(i)
					if w.listText(gd.ID, it.Text, "|") && w.listText(gd.ID, it.Text, ">") {
						texts = append(texts, it.Text)
					}
					w.pop()
				}
				w.pop()
				lu := node.uri(gd.Location.CSP)
				if _, ok := listDefs[lu]; !ok {
					listDefs[lu] = gd.ID
				}
				lists[lu] = append(lists[lu], keyValue{key, strings.Join(texts, ">")})
			})
		})
	})
	if uri == "" {
		w.problem(def.ID, RenderNoLocation, "the setting has no CSP URI")
		return
	}
	w.emit(def.ID, uri, CSPChr, joinPairs(pairs))
	listURIs := make([]string, 0, len(lists))
	for lu := range lists {
		listURIs = append(listURIs, lu)
	}
	slices.Sort(listURIs)
	for _, lu := range listURIs {
		w.emit(listDefs[lu], lu, CSPChr, joinPairs(lists[lu]))
	}
}

func joinPairs(pairs []keyValue) string {
	slices.SortFunc(pairs, func(a, b keyValue) int { return cmp.Compare(a.key, b.key) })
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('|')
		}
		b.WriteString(p.key)
		b.WriteByte('=')
		b.WriteString(p.value)
	}
	return b.String()
}

// items writes a group collection of independent items (firewall rules):
// each item's children land under a node named after the item.
func (w *cspRenderer) items(s *SettingInstance, def *Definition) {
	ph := placeholderOf(def.Location.CSP)
	used := map[string]bool{}
	w.groupItems(def, s, func(i int, v *GroupValue) {
		name := uniqueNodeName(itemName(def, v), used)
		node := nodeName{placeholder: ph, name: name}
		w.groupChildren(def, v, func(c *SettingInstance, cd *Definition) { w.setting(c, cd, node) })
	})
}

// itemName returns the text of the item's Name child (the child whose URI
// is the item's URI followed by "/Name"), or "".
func itemName(def *Definition, v *GroupValue) string {
	want := def.Location.CSP + "/Name"
	for _, c := range v.Children {
		if c == nil {
			continue
		}
		if cd, ok := def.Child(c.DefinitionID); ok && cd.Location.CSP == want {
			if t, ok := c.StringValue(); ok {
				return t
			}
		}
	}
	return ""
}

// uniqueNodeName turns a rule name into a CSP node name: its ASCII letters
// and digits ("FirewallRule" when none are left), with a number appended
// when an earlier item of the same collection took the name.
func uniqueNodeName(name string, used map[string]bool) string {
	var b strings.Builder
	for _, c := range name {
		if c < 0x80 && (c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			b.WriteRune(c)
		}
	}
	base := b.String()
	if base == "" {
		base = "FirewallRule"
	}
	n := base
	for i := 2; used[n]; i++ {
		n = base + strconv.Itoa(i)
	}
	used[n] = true
	return n
}
