package policy

import (
	"errors"
	"strings"
	"testing"
)

func TestNewPolicy(t *testing.T) {
	c := Builtin()
	p, err := NewPolicy(c, avTemplate, "built",
		Choice(def+"allowrealtimemonitoring", def+"allowrealtimemonitoring_1"),
		Integer(def+"avgcpuloadfactor", 30),
		Strings(def+"excludedpaths", `C:\data`),
		GroupCollection(def+"threatseveritydefaultaction", Item(
			Choice(def+"threatseveritydefaultaction_severethreats", def+"threatseveritydefaultaction_severethreats_remove"))),
	)
	if err != nil {
		t.Fatal(err)
	}
	if p.Platforms != PlatformWindows10 || p.Technologies != TechnologyMDM|TechnologyMicrosoftSense ||
		p.TemplateReference.TemplateID != avTemplate || p.TemplateReference.TemplateFamily != "endpointSecurityAntivirus" ||
		len(p.RoleScopeTagIDs) != 1 || p.RoleScopeTagIDs[0] != "0" {
		t.Errorf("policy fields: %+v", p)
	}
	for i, s := range p.Settings {
		if s.ID != string(rune('0'+i)) {
			t.Errorf("setting %d has id %q", i, s.ID)
		}
		ts, _ := c.Template(avTemplate)
		want, _ := ts.Setting(s.Instance.DefinitionID)
		if s.Instance.TemplateReference == nil || s.Instance.TemplateReference.InstanceTemplateID != want.InstanceTemplateID {
			t.Errorf("setting %d: instance template reference %+v", i, s.Instance.TemplateReference)
		}
	}
	if r := p.Settings[0].Instance.Choice.TemplateReference; r == nil || r.ValueTemplateID != "0492c452-1069-4b91-9363-93b8e006ab12" {
		t.Errorf("choice value template reference: %+v", r)
	}
	if r := p.Settings[1].Instance.Simple.TemplateReference; r == nil || r.ValueTemplateID != "37195fb1-3743-4c8e-a0ce-b6fae6fa3acd" {
		t.Errorf("integer value template reference: %+v", r)
	}
	if p.Settings[3].Instance.Groups[0].TemplateReference != nil || p.Settings[3].Instance.Groups[0].Children[0].TemplateReference != nil {
		t.Error("group items, and children the template gives no ids, carry no template references")
	}
	// It round-trips through the codec and still validates.
	out, err := EncodeGraph(p)
	if err != nil {
		t.Fatal(err)
	}
	q, err := DecodeGraph(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(q); err != nil {
		t.Fatal(err)
	}
}

// The real template gives some children ids of their own (the high and
// moderate severity actions under Threat Severity Default Action); a built
// policy echoes them there and nowhere else, the way Graph exports do.
func TestNewPolicyChildTemplateIDs(t *testing.T) {
	const tsda = def + "threatseveritydefaultaction"
	p, err := NewPolicy(Builtin(), avTemplate, "severity",
		GroupCollection(tsda, Item(
			Choice(tsda+"_highseveritythreats", tsda+"_highseveritythreats_quarantine"),
			Choice(tsda+"_severethreats", tsda+"_severethreats_quarantine"),
			Choice(tsda+"_moderateseveritythreats", tsda+"_moderateseveritythreats_quarantine"))))
	if err != nil {
		t.Fatal(err)
	}
	children := p.Settings[0].Instance.Groups[0].Children
	want := []struct{ instance, value string }{
		{"f55b8c9c-d831-460e-a041-e47e29f2aa17", "764256b4-e4d7-46d9-bbc8-003bf23591a1"},
		{"", ""},
		{"ce46a55d-b894-4aff-b930-4ff87e9d7018", "9fb02979-d804-4cb7-bc2d-e0c39450bac5"},
	}
	for i, w := range want {
		c := children[i]
		var gotInstance, gotValue string
		if c.TemplateReference != nil {
			gotInstance = c.TemplateReference.InstanceTemplateID
		}
		if c.Choice.TemplateReference != nil {
			gotValue = c.Choice.TemplateReference.ValueTemplateID
		}
		if gotInstance != w.instance || gotValue != w.value {
			t.Errorf("%s: template ids %q %q, want %q %q", c.DefinitionID, gotInstance, gotValue, w.instance, w.value)
		}
	}
	if r := p.Settings[0].Instance.TemplateReference; r == nil || r.InstanceTemplateID != "f6394bc5-6486-4728-b510-555f5c161f2b" {
		t.Errorf("parent instance template reference: %+v", r)
	}
}

func TestNewPolicyErrors(t *testing.T) {
	c := Builtin()
	if _, err := NewPolicy(c, "nope_1", "x"); err == nil || !strings.Contains(err.Error(), "no template") {
		t.Errorf("unknown template: %v", err)
	}
	_, err := NewPolicy(c, avTemplate, "bad", Integer(def+"avgcpuloadfactor", 500), Choice("unknown", "unknown_1"))
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 2 {
		t.Fatalf("err = %v", err)
	}
}
