package codec

import (
	"encoding/json"

	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/identity"
	"github.com/secmgmt/secmgmt/store"
)

// deviceDoc is the stored document of a device: its directory object in
// the identity package's rule-property form, its facts in the enrollment
// package's form, and its timestamps.
type deviceDoc struct {
	Object   json.RawMessage `json:"object,omitempty"`
	Facts    json.RawMessage `json:"facts,omitempty"`
	Created  string          `json:"created"`
	Modified string          `json:"modified"`
}

// EncodeDevice checks a device and returns its document.
func EncodeDevice(d *store.Device) ([]byte, error) {
	const rec = "device"
	if d == nil {
		return nil, &store.InvalidError{Record: rec, Reason: "nil"}
	}
	if err := CheckKey(rec, "ID", d.ID); err != nil {
		return nil, err
	}
	if err := CheckVersion(rec, d.ID, d.Version); err != nil {
		return nil, err
	}
	var doc deviceDoc
	var err error
	if d.Object != nil {
		if d.Object.DeviceID != "" && d.Object.DeviceID != d.ID {
			return nil, &store.InvalidError{Record: rec, Key: d.ID, Field: "Object.DeviceID",
				Reason: "is " + d.Object.DeviceID + ", not the device's id"}
		}
		if doc.Object, err = json.Marshal(d.Object); err != nil {
			return nil, &store.InvalidError{Record: rec, Key: d.ID, Field: "Object", Err: err}
		}
	}
	if d.Facts != nil {
		if err := d.Facts.Validate(); err != nil {
			return nil, &store.InvalidError{Record: rec, Key: d.ID, Field: "Facts", Err: err}
		}
		if doc.Facts, err = json.Marshal(d.Facts); err != nil {
			return nil, &store.InvalidError{Record: rec, Key: d.ID, Field: "Facts", Err: err}
		}
	}
	if doc.Created, err = timeField(rec, d.ID, "Created", d.Created); err != nil {
		return nil, err
	}
	if doc.Modified, err = timeField(rec, d.ID, "Modified", d.Modified); err != nil {
		return nil, err
	}
	return json.Marshal(doc)
}

// DecodeDevice reads a device from its key, document and version.
func DecodeDevice(id string, data []byte, version int64) (*store.Device, error) {
	d, err := decodeDevice(id, data, version)
	if err != nil {
		return nil, &Corrupt{Record: "device", Key: id, Err: err}
	}
	return d, nil
}

func decodeDevice(id string, data []byte, version int64) (*store.Device, error) {
	var doc deviceDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	d := &store.Device{ID: id, Version: version}
	if doc.Object != nil {
		d.Object = new(identity.Device)
		if err := json.Unmarshal(doc.Object, d.Object); err != nil {
			return nil, err
		}
	}
	if doc.Facts != nil {
		d.Facts = new(enrollment.Facts)
		if err := json.Unmarshal(doc.Facts, d.Facts); err != nil {
			return nil, err
		}
	}
	var err error
	if d.Created, err = ParseTime(doc.Created); err != nil {
		return nil, err
	}
	if d.Modified, err = ParseTime(doc.Modified); err != nil {
		return nil, err
	}
	return d, nil
}

// CanonicalDevice checks a device and returns it as it reads back.
func CanonicalDevice(d *store.Device) (*store.Device, error) {
	doc, err := EncodeDevice(d)
	if err != nil {
		return nil, err
	}
	c, err := decodeDevice(d.ID, doc, d.Version)
	if err != nil {
		return nil, unreadable("device", d.ID, err)
	}
	return c, nil
}
