package targeting

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/secmgmt/secmgmt/identity"
)

func TestCanonicalString(t *testing.T) {
	cases := []struct{ in, want string }{
		{`(device.deviceOSType -eq "Windows") -and (device.managementType -eq "MicrosoftSense")`,
			`device.deviceOSType -eq "Windows" -and device.managementType -eq "MicrosoftSense"`},
		{`device.deviceostype eq 'Windows' or device.ISROOTED -EQ $null`,
			`device.deviceOSType -eq "Windows" -or device.isRooted -eq null`},
		{`(a)`, ``}, // invalid, skipped below
		{`device.deviceCategory -eq "a" -and (device.deviceModel -eq "b" -or device.deviceModel -eq "c")`,
			`device.deviceCategory -eq "a" -and (device.deviceModel -eq "b" -or device.deviceModel -eq "c")`},
		{`device.deviceCategory -eq "a" -or device.deviceModel -eq "b" -and device.deviceModel -eq "c"`,
			`device.deviceCategory -eq "a" -or (device.deviceModel -eq "b" -and device.deviceModel -eq "c")`},
		{`(device.deviceCategory -eq "a" -and device.deviceModel -eq "b") -and device.displayName -eq "c"`,
			`device.deviceCategory -eq "a" -and device.deviceModel -eq "b" -and device.displayName -eq "c"`},
		{`not device.deviceCategory -eq "a"`, `-not (device.deviceCategory -eq "a")`},
		{`device.devicePhysicalIDs -any _ -startsWith "[ZTDId]"`, `device.devicePhysicalIds -any (_ -startsWith "[ZTDId]")`},
		{"device.displayName -eq \"say `“hi`” `\"now`\"\"", "device.displayName -eq \"say `“hi`” `\"now`\"\""},
		{"device.displayName -eq 'a`b''c'", "device.displayName -eq 'a`b''c'"},
		{`device.deviceCategory -in ['a','b']`, `device.deviceCategory -in ["a", "b"]`},
		{`device.memberof -any (group.objectid -in ['g'])`, `device.memberOf -any (group.objectId -in ["g"])`},
		{"device.displayName –eq “x”", `device.displayName -eq "x"`},
	}
	for _, c := range cases {
		r, err := Parse(c.in)
		if c.want == "" {
			if err == nil {
				t.Errorf("Parse(%q) accepted", c.in)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		if r.String() != c.want {
			t.Errorf("Parse(%q).String() = %q, want %q", c.in, r.String(), c.want)
		}
		if r.Text() != c.in {
			t.Errorf("Text() = %q", r.Text())
		}
		again := MustParse(r.String())
		if !again.Equal(r) || again.String() != r.String() {
			t.Errorf("%q does not round-trip", c.in)
		}
	}
	a, b := MustParse(`device.deviceModel -eq "x"`), MustParse(`device.deviceModel -eq "y"`)
	if a.Equal(b) || !a.Equal(a) || a.Equal(nil) {
		t.Error("Equal")
	}
}

func TestRuleErrorPosition(t *testing.T) {
	text := "device.deviceOSType -eq \"Windows\"\n  -and device.accountEnabled -contains true"
	_, err := Parse(text)
	var re *RuleError
	if !errors.As(err, &re) {
		t.Fatalf("error %T %v", err, err)
	}
	if re.Kind != KindOperator || re.Line != 2 || re.Column != 30 || re.Offset != strings.Index(text, "-contains") {
		t.Errorf("got %+v", re)
	}
	wantSnippet := "  -and device.accountEnabled -contains true\n                             ^"
	if re.Snippet != wantSnippet {
		t.Errorf("snippet:\n%s\nwant:\n%s", re.Snippet, wantSnippet)
	}
	if !strings.HasPrefix(re.Error(), "rule: line 2, column 30: Operator isn't supported on attribute") {
		t.Errorf("Error() = %q", re.Error())
	}
	// Columns count characters, not bytes.
	_, err = Parse(`device.displayName -eq "é" -and device.nope -eq "x"`)
	if !errors.As(err, &re) || re.Column != 33 || re.Offset != 33 {
		t.Errorf("column after a two-byte character: %+v", re)
	}
	// A long line is cut around the column.
	long := `device.displayName -eq "` + strings.Repeat("x", 200) + `" -and device.nope -eq "x"`
	_, err = Parse(long)
	if !errors.As(err, &re) || !strings.HasPrefix(re.Snippet, "…") || !strings.HasSuffix(re.Snippet, "^") {
		t.Errorf("long snippet: %q", re.Snippet)
	}
	lines := strings.Split(re.Snippet, "\n")
	if i := strings.Index(lines[1], "^"); !strings.HasPrefix(string([]rune(lines[0])[i:]), "device.no") {
		t.Errorf("caret misplaced:\n%s", re.Snippet)
	}
	// Invalid UTF-8 is a syntax error.
	if _, err := Parse("device.displayName -eq \"\xff\""); !errors.As(err, &re) || re.Kind != KindSyntax {
		t.Errorf("invalid UTF-8: %v", err)
	}
	for _, k := range []Kind{KindSyntax, KindUnknownProperty, KindOperator, KindValue, KindLimit} {
		if !k.Valid() || k.String() == "" {
			t.Errorf("kind %q", k)
		}
	}
	if Kind("nope").Valid() {
		t.Error("unknown kind is valid")
	}
}

func TestNodeBudgetOption(t *testing.T) {
	rule := `device.deviceModel -eq "a" -or device.deviceModel -eq "b" -or device.deviceModel -eq "c"`
	if _, err := Parse(rule, NodeBudget(3)); err == nil {
		t.Error("a 4-node rule passed a budget of 3")
	}
	if _, err := Parse(rule, NodeBudget(4)); err != nil {
		t.Error(err)
	}
	if _, err := Parse(rule, NodeBudget(0)); err != nil {
		t.Error("NodeBudget(0) keeps the default:", err)
	}
}

func TestPropertiesAndRequirements(t *testing.T) {
	r := MustParse(`device.deviceType -eq "WindowsServer" -and device.tags -any (_ -eq "x") -and device.isRooted -ne true`)
	if got, want := r.Properties(), []string{"deviceOSType", "deviceType", "isRooted", "tags"}; !slices.Equal(got, want) {
		t.Errorf("Properties = %v, want %v", got, want)
	}
	if !r.Reads("DEVICEOSTYPE") || r.Reads("deviceModel") || r.Reads("nope") {
		t.Error("Reads")
	}
	cases := []struct {
		rule      string
		os, mgmt  []string
		admits    *identity.Device
		notAdmits *identity.Device
	}{
		{`device.deviceOSType -eq "Windows" -and device.managementType -eq "MicrosoftSense"`, []string{"windows"}, []string{"microsoftsense"},
			win(), &identity.Device{DeviceOSType: "Windows", ManagementType: "MDM"}},
		{`device.deviceOSType -in ["Linux", "macOS", "linux"]`, []string{"linux", "macos"}, nil,
			&identity.Device{DeviceOSType: "MACOS"}, &identity.Device{}},
		{`device.deviceOSType -eq "Windows" -or device.deviceOSType -eq "Linux"`, []string{"linux", "windows"}, nil,
			&identity.Device{DeviceOSType: "Linux"}, &identity.Device{DeviceOSType: "iPad"}},
		{`device.deviceOSType -eq "Windows" -or device.tags -contains "x"`, nil, nil, &identity.Device{}, nil},
		{`-not (device.deviceOSType -eq "Windows")`, nil, nil, win(), nil},
		{`device.deviceOSType -eq "Windows" -and device.deviceOSType -eq "Linux"`, []string{}, nil, nil, win()},
		{`device.deviceOSType -in ["Windows", "Linux"] -and device.deviceType -eq "WindowsServer"`, []string{}, nil, nil, win()},
		{`device.deviceOSType -in ["Windows", "Windows Server"] -and device.deviceType -eq "WindowsServer"`, []string{"windows server"}, nil,
			&identity.Device{DeviceOSType: "Windows Server"}, win()},
		{`device.deviceOSType -eq null`, []string{""}, nil, &identity.Device{}, win()},
	}
	for _, c := range cases {
		q := MustParse(c.rule).Requirements()
		if !slices.Equal(q.OSTypes, c.os) || (q.OSTypes == nil) != (c.os == nil) || !slices.Equal(q.ManagementTypes, c.mgmt) || (q.ManagementTypes == nil) != (c.mgmt == nil) {
			t.Errorf("%s: requirements %#v", c.rule, q)
		}
		if c.admits != nil && !q.Admits(c.admits) {
			t.Errorf("%s: rejects %+v", c.rule, c.admits)
		}
		if c.notAdmits != nil && q.Admits(c.notAdmits) {
			t.Errorf("%s: admits %+v", c.rule, c.notAdmits)
		}
	}
}

func TestExplain(t *testing.T) {
	r := MustParse(`(device.deviceOSType -eq "Windows") -and -not (device.isRooted -eq true) -and device.tags -any (_ -eq "MDE-Management")`)
	dev := &identity.Device{DeviceOSType: "Windows", IsRooted: identity.Bool(false), Tags: []string{"Corp"}}
	e := r.Explain(dev)
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"expression":"device.deviceOSType -eq \"Windows\" -and -not (device.isRooted -eq true) -and device.tags -any (_ -eq \"MDE-Management\")","expressionResult":false,"expressionEvaluationDetails":[` +
		`{"expression":"device.deviceOSType -eq \"Windows\"","expressionResult":true,"propertyToEvaluate":{"propertyName":"deviceOSType","propertyValue":"Windows"}},` +
		`{"expression":"-not (device.isRooted -eq true)","expressionResult":true,"expressionEvaluationDetails":[{"expression":"device.isRooted -eq true","expressionResult":false,"propertyToEvaluate":{"propertyName":"isRooted","propertyValue":"false"}}]},` +
		`{"expression":"device.tags -any (_ -eq \"MDE-Management\")","expressionResult":false,"propertyToEvaluate":{"propertyName":"tags","propertyValue":"[\"Corp\"]"}}]}`
	if string(b) != want {
		t.Errorf("Explain JSON:\n%s\nwant\n%s", b, want)
	}
	if e.Result != r.Match(dev) {
		t.Error("Explain and Match disagree")
	}
	// Or keeps evaluating after a true operand, so every operand has a result.
	e = MustParse(`device.deviceModel -eq "a" -or device.accountEnabled -eq null -or device.systemLabels -eq null`).Explain(nil)
	if !e.Result || len(e.Details) != 3 || !e.Details[1].Result || e.Details[1].PropertyToEvaluate.PropertyValue != "" || e.Details[2].PropertyToEvaluate.PropertyValue != "[]" {
		t.Errorf("Explain(nil): %+v", e)
	}
	e = MustParse(`device.deviceType -eq "Windows"`).Explain(win())
	if e.PropertyToEvaluate.PropertyName != "deviceType" || e.PropertyToEvaluate.PropertyValue != "Windows" {
		t.Errorf("alias: %+v", e)
	}
}

func TestMatchNilDeviceAndEnv(t *testing.T) {
	r := MustParse(`device.deviceOSType -eq null -and device.tags -all (_ -eq "x")`)
	rx := MustParse(r.String(), WithEngine(EngineExpr))
	if !r.Match(nil) || !rx.Match(nil) || !r.MatchEnv(NewEnv(nil)) || !rx.MatchEnv(NewEnv(nil)) {
		t.Error("a nil device has every property null")
	}
	if NewEnv(nil).Device() == nil {
		t.Error("Env of nil has no device")
	}
	if r.Engine() != EngineDirect || rx.Engine() != EngineExpr {
		t.Error("Engine")
	}
	if MustParse("device.deviceModel -eq 'x'", WithEngine("bogus")).Engine() != EngineDirect {
		t.Error("an invalid engine must leave the default")
	}
	if !EngineExpr.Valid() || Engine("x").Valid() || EngineDirect.String() != "direct" {
		t.Error("Engine enum")
	}
}

// TestConcurrentMatch runs one rule and one Env from many goroutines; run
// with -race.
func TestConcurrentMatch(t *testing.T) {
	rules := []*Rule{
		MustParse(`device.displayName -match "^PC-[0-9]+$" -and device.tags -any (_ -eq "a")`),
		MustParse(`device.displayName -match "^PC-[0-9]+$" -and device.tags -any (_ -eq "a")`, WithEngine(EngineExpr)),
	}
	env := NewEnv(&identity.Device{DisplayName: "PC-12", Tags: []string{"A"}})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ev := NewEvaluator()
			for range 200 {
				for _, r := range rules {
					if !r.MatchEnv(env) || !ev.Match(r, env) || !r.Match(env.Device()) {
						t.Error("no match")
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

func TestPropertyNames(t *testing.T) {
	names := PropertyNames()
	if len(names) != 36 || names[0] != "accountEnabled" || names[len(names)-1] != "tags" {
		t.Errorf("PropertyNames = %v", names)
	}
	// Every property parses, and every string property reads its field.
	for _, n := range names {
		var rule string
		switch properties[propertyByName[strings.ToLower(n)]].kind {
		case kindBool:
			rule = "device." + n + " -eq true"
		case kindGroups:
			rule = "device." + n + " -any (group.objectId -in ['g'])"
		case kindCollection:
			rule = "device." + n + ` -any (_ -eq "v")`
		default:
			rule = "device." + n + ` -eq "v-` + n + `"`
		}
		r, err := Parse(rule)
		if err != nil {
			t.Errorf("%s: %v", n, err)
			continue
		}
		if !r.Reads(n) {
			t.Errorf("%s: Reads", n)
		}
	}
	var d identity.Device
	b, _ := json.Marshal(map[string]string{"deviceCategory": "v-deviceCategory", "deviceId": "v-deviceId",
		"deviceManagementAppId": "v-deviceManagementAppId", "deviceManufacturer": "v-deviceManufacturer",
		"deviceModel": "v-deviceModel", "displayName": "v-displayName", "deviceOSType": "v-deviceOSType",
		"deviceOSVersion": "v-deviceOSVersion", "deviceOwnership": "v-deviceOwnership", "deviceTrustType": "v-deviceTrustType",
		"enrollmentProfileName": "v-enrollmentProfileName", "managementType": "v-managementType", "objectId": "v-objectId",
		"profileType": "v-profileType", "extensionAttribute7": "v-extensionAttribute7"})
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		id := propertyByName[strings.ToLower(n)]
		if properties[id].kind != kindString || id == propDeviceType || strings.HasPrefix(n, "extensionAttribute") && n != "extensionAttribute7" {
			continue
		}
		if !MustParse("device." + n + ` -eq "v-` + n + `"`).Match(&d) {
			t.Errorf("device.%s does not read its field", n)
		}
	}
}

func TestChangedProperties(t *testing.T) {
	a := &identity.Device{DeviceOSType: "Windows", Tags: []string{"x"}, AccountEnabled: identity.Bool(true)}
	b := a.Clone()
	if changedProperties(a, b) != 0 {
		t.Error("a clone differs")
	}
	b.DeviceOSType = "windows"
	b.AccountEnabled = identity.Bool(false)
	b.Tags = append(b.Tags, "y")
	b.ExtensionAttributes[14] = "z"
	m := changedProperties(a, b)
	for _, id := range []propID{propDeviceOSType, propDeviceType, propAccountEnabled, propTags, propExtensionAttribute1 + 14} {
		if !m.has(id) {
			t.Errorf("%s not marked changed", properties[id].name)
		}
	}
	if m.has(propIsRooted) || m.has(propDeviceModel) {
		t.Error("unchanged properties marked")
	}
}

func TestFoldHelpers(t *testing.T) {
	cases := []string{"", "a", "ABC", "Straße", "İstanbul", "ǅ", "\u212a", "Ω", "ΣΊΣΥΦΟΣ", "x\u0130y", "MDE-Management"}
	for _, s := range cases {
		for _, u := range cases {
			tl := strings.ToLower(u)
			ls := strings.ToLower(s)
			if equalLower(s, tl) != (ls == tl) || hasPrefixLower(s, tl) != strings.HasPrefix(ls, tl) ||
				hasSuffixLower(s, tl) != strings.HasSuffix(ls, tl) || containsLower(s, tl) != strings.Contains(ls, tl) {
				t.Errorf("fold helpers disagree with strings.ToLower on %q, %q", s, u)
			}
		}
	}
}

func TestExprTranslation(t *testing.T) {
	cases := []struct{ rule, want string }{
		{BenchmarkRule, `(deviceOSType == "windows") && (managementType == "microsoftsense") && ("mde-management" in tags)`},
		{`device.deviceType -ne "WindowsServer"`, `!(deviceOSType == "windows server")`},
		{`device.isRooted -eq null -or device.accountEnabled -ne false`, `(isRooted == "") || (!(accountEnabled == "false"))`},
		{`device.systemLabels -eq null`, `len(systemLabels) == 0`},
		{`device.systemLabels -notStartsWith "M"`, `!(any(systemLabels, (# != "" && # startsWith "m")))`},
		{`device.tags -all (_ -in ["A", "b"])`, `all(tags, # in ["a", "b"])`},
		{`device.displayName -match "^X\d"`, `(displayName != "" && displayName matches "(?i)^X\\d")`},
		{`device.memberOf -any (group.objectId -in ['G1'])`, `any(memberOf, # in ["g1"])`},
		{"device.displayName -eq \"tab\there\"", `displayName == "tab\there"`},
	}
	for _, c := range cases {
		if got := exprSource(MustParse(c.rule).root); got != c.want {
			t.Errorf("%s\n got %s\nwant %s", c.rule, got, c.want)
		}
	}
}
