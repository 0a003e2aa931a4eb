package identity

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
)

func TestDeviceJSONRoundTrip(t *testing.T) {
	in := `{"accountEnabled":true,"deviceOSType":"Windows","devicePhysicalIds":["[ZTDId]:abc"],` +
		`"extensionAttribute15":"x","isRooted":false,"managementType":"MicrosoftSense","tags":["MDE-Management"],"registration":"synthetic"}`
	d, err := DeviceFromRuleProperties([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if d.AccountEnabled == nil || !*d.AccountEnabled || d.IsRooted == nil || *d.IsRooted {
		t.Fatalf("booleans: %+v", d)
	}
	if d.ExtensionAttribute(15) != "x" || d.ExtensionAttribute(16) != "" || d.ExtensionAttribute(0) != "" {
		t.Fatalf("extension attributes: %q", d.ExtensionAttributes)
	}
	if d.Registration != RegistrationSynthetic || !d.HasTag("mde-management") {
		t.Fatalf("registration or tags: %+v", d)
	}
	out, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var a, b map[string]any
	_ = json.Unmarshal([]byte(in), &a)
	_ = json.Unmarshal(out, &b)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("round trip:\n in %s\nout %s", in, out)
	}
}

func TestDeviceJSONNullsAndCase(t *testing.T) {
	d, err := DeviceFromRuleProperties([]byte(`{"DEVICEOSTYPE":"Linux","accountEnabled":null,"tags":null,"deviceModel":null}`))
	if err != nil {
		t.Fatal(err)
	}
	if d.DeviceOSType != "Linux" || d.AccountEnabled != nil || d.Tags != nil || d.DeviceModel != "" {
		t.Fatalf("%+v", d)
	}
}

func TestDeviceJSONErrors(t *testing.T) {
	for _, in := range []string{
		`{"deviceOSTyp":"Windows"}`,
		`{"accountEnabled":"true"}`,
		`{"tags":"MDE-Management"}`,
		`{"deviceModel":3}`,
		`{"registration":"half"}`,
		`{"deviceId":"a","DEVICEID":"b"}`,
		`[]`,
	} {
		_, err := DeviceFromRuleProperties([]byte(in))
		if err == nil {
			t.Errorf("%s: no error", in)
			continue
		}
		var pe *PropertyError
		if in != `[]` && !errors.As(err, &pe) {
			t.Errorf("%s: %v is not a *PropertyError", in, err)
		}
	}
}

func TestDeviceClone(t *testing.T) {
	d := &Device{AccountEnabled: Bool(true), Tags: []string{"a"}}
	c := d.Clone()
	*c.AccountEnabled = false
	c.Tags[0] = "b"
	if !*d.AccountEnabled || d.Tags[0] != "a" {
		t.Fatal("clone shares memory with the original")
	}
	if (*Device)(nil).Clone() != nil {
		t.Fatal("nil clone")
	}
}

func ExampleDeviceFromRuleProperties() {
	d, err := DeviceFromRuleProperties([]byte(`{"deviceOSType":"Windows Server","tags":["MDE-Management"]}`))
	if err != nil {
		panic(err)
	}
	fmt.Println(d.DeviceOSType, d.HasTag("MDE-Management"))
	// Output: Windows Server true
}
