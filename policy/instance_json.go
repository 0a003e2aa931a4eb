package policy

import (
	"bytes"
	"slices"
)

// MarshalJSON writes the setting instance as Graph setting-instance JSON
// (a deviceManagementConfigurationSettingInstance with its @odata.type),
// the way the policy codec writes it inside a policy: an instance decoded
// from JSON gives back its input (equal as JSON, ignoring key order and
// whitespace), unknown members and annotations included; an instance built
// in code gives the clean shape. Errors are *EncodeError, with paths
// relative to the instance.
//
// This is what lets a list of setting instances, such as an effective
// configuration sent to a device, travel as JSON. To write many instances
// into one buffer, see AppendJSON and AppendInstances.
func (s *SettingInstance) MarshalJSON() ([]byte, error) {
	return s.AppendJSON(nil)
}

// AppendJSON appends what MarshalJSON writes to dst and returns the
// extended buffer. On error it returns dst unchanged and an *EncodeError.
func (s *SettingInstance) AppendJSON(dst []byte) ([]byte, error) {
	if s == nil {
		return dst, &EncodeError{Reason: "nil setting instance"}
	}
	return encode(slices.Grow(dst, sizeHint(s.raw, 1)), func(e *encoder) { e.instance(s) })
}

// AppendInstances appends a JSON array of the instances' Graph JSON to dst,
// in one pass into one buffer: what json.Marshal writes for the slice,
// without its HTML escaping of <, > and &. A nil slice is written as null,
// a nil instance as null. On error it returns dst unchanged and an
// *EncodeError whose path starts with the instance's index ("[3]...").
func AppendInstances(dst []byte, insts []*SettingInstance) ([]byte, error) {
	if insts == nil {
		return append(dst, "null"...), nil
	}
	size := 2
	for _, s := range insts {
		if s != nil {
			size += sizeHint(s.raw, 1) + 1
		}
	}
	return encode(slices.Grow(dst, size), func(e *encoder) {
		e.buf = append(e.buf, '[')
		for i, s := range insts {
			e.sep()
			if s == nil {
				e.buf = append(e.buf, "null"...)
				continue
			}
			e.index(i)
			e.instance(s)
			e.pop()
		}
		e.closeList()
	})
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
	d, _, err := startDecoding(data)
	if err != nil {
		return err
	}
	in := d.instance(0)
	if d.err != nil {
		return d.err
	}
	*s = *in
	return nil
}

// DecodeInstances decodes a JSON array of Graph setting instances, as
// AppendInstances writes it, in one pass: the input is parsed once for the
// whole list. JSON null decodes to a nil slice, a null element to a nil
// instance. Errors are *DecodeError, with paths starting with the index of
// the instance ("[3].choiceSettingValue.value").
func DecodeInstances(data []byte) ([]*SettingInstance, error) {
	d, _, err := startDecoding(data)
	if err != nil {
		return nil, err
	}
	switch d.doc.nodes[0].kind {
	case kindNull:
		return nil, nil
	case kindArray:
	default:
		return nil, &DecodeError{Reason: "want a JSON array"}
	}
	insts := decodeEach(&d, 0, func(n int) *SettingInstance {
		if d.doc.isNull(n) {
			return nil
		}
		return d.instance(n)
	})
	if d.err != nil {
		return nil, d.err
	}
	return insts, nil
}
