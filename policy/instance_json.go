package policy

import "bytes"

// MarshalJSON writes the setting instance as Graph setting-instance JSON
// (a deviceManagementConfigurationSettingInstance with its @odata.type),
// the way the policy codec writes it inside a policy: an instance decoded
// from JSON gives back its input (equal as JSON, ignoring key order and
// whitespace), unknown members and annotations included; an instance built
// in code gives the clean shape. Errors are *EncodeError, with paths
// relative to the instance.
//
// This is what lets a list of setting instances, such as an effective
// configuration sent to a device, travel as JSON.
func (s *SettingInstance) MarshalJSON() ([]byte, error) {
	var e encoder
	out := e.instance(s)
	if e.err != nil {
		return nil, e.err
	}
	return out, nil
}

// UnmarshalJSON decodes one Graph setting-instance object, as the policy
// codec decodes the settingInstance of a policy setting: every @odata.type
// variant, template references, children, secret value states, and every
// member the model does not hold is kept for the way back. Errors are
// *DecodeError, with paths relative to the instance
// ("choiceSettingValue.children[0].@odata.type"); on error s is unchanged.
// Following the encoding/json convention, JSON null leaves s unchanged.
func (s *SettingInstance) UnmarshalJSON(data []byte) error {
	if string(bytes.TrimSpace(data)) == "null" {
		return nil
	}
	body, _, err := prepare(data)
	if err != nil {
		return err
	}
	var d decoder
	in := d.instance(body)
	if d.err != nil {
		return d.err
	}
	*s = *in
	return nil
}
