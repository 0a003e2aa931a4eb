package codec

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/identity"
	"github.com/secmgmt/secmgmt/store"
)

// The enrollment package has no stored form for records and transitions;
// these documents are the store's own. Enumerations are kept as their
// names, unchecked, so that any record the state machine produces is kept
// as it is.

type recordDoc struct {
	DisplayName  string `json:"displayName,omitempty"`
	State        string `json:"state,omitempty"`
	Status       string `json:"status,omitempty"`
	Code         int    `json:"code,omitempty"`
	Reason       string `json:"reason,omitempty"`
	Cause        string `json:"cause,omitempty"`
	ManagedBy    string `json:"managedBy,omitempty"`
	Registration string `json:"registration,omitempty"`
	ObjectID     string `json:"objectId,omitempty"`
	LastCheckIn  string `json:"lastCheckIn"`
	NextCheckIn  string `json:"nextCheckIn"`
}

// EncodeEnrollment checks an enrollment state and returns its document.
// Record.History is not part of it.
func EncodeEnrollment(e *store.Enrollment) ([]byte, error) {
	const rec = "enrollment"
	if e == nil {
		return nil, &store.InvalidError{Record: rec, Reason: "nil"}
	}
	r := &e.Record
	if err := CheckKey(rec, "Record.DeviceID", r.DeviceID); err != nil {
		return nil, err
	}
	if err := CheckVersion(rec, r.DeviceID, e.Version); err != nil {
		return nil, err
	}
	doc := recordDoc{
		DisplayName:  r.DisplayName,
		State:        string(r.State),
		Status:       string(r.Status),
		Code:         int(r.Code),
		Reason:       string(r.Reason),
		Cause:        r.Cause,
		ManagedBy:    string(r.ManagedBy),
		Registration: string(r.Registration),
		ObjectID:     r.ObjectID,
	}
	var err error
	if doc.LastCheckIn, err = timeField(rec, r.DeviceID, "Record.LastCheckIn", r.LastCheckIn); err != nil {
		return nil, err
	}
	if doc.NextCheckIn, err = timeField(rec, r.DeviceID, "Record.NextCheckIn", r.NextCheckIn); err != nil {
		return nil, err
	}
	return json.Marshal(doc)
}

// DecodeEnrollment reads an enrollment state.
func DecodeEnrollment(deviceID string, data []byte, version int64) (*store.Enrollment, error) {
	e, err := decodeEnrollment(deviceID, data, version)
	if err != nil {
		return nil, &Corrupt{Record: "enrollment", Key: deviceID, Err: err}
	}
	return e, nil
}

func decodeEnrollment(deviceID string, data []byte, version int64) (*store.Enrollment, error) {
	var doc recordDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	e := &store.Enrollment{Version: version, Record: enrollment.Record{
		DeviceID:     deviceID,
		DisplayName:  doc.DisplayName,
		State:        enrollment.State(doc.State),
		Status:       enrollment.Status(doc.Status),
		Code:         enrollment.Code(doc.Code),
		Reason:       enrollment.Reason(doc.Reason),
		Cause:        doc.Cause,
		ManagedBy:    enrollment.ManagedBy(doc.ManagedBy),
		Registration: identity.Method(doc.Registration),
		ObjectID:     doc.ObjectID,
	}}
	var err error
	if e.Record.LastCheckIn, err = ParseTime(doc.LastCheckIn); err != nil {
		return nil, err
	}
	if e.Record.NextCheckIn, err = ParseTime(doc.NextCheckIn); err != nil {
		return nil, err
	}
	return e, nil
}

// CanonicalEnrollment checks an enrollment state and returns it as it reads
// back.
func CanonicalEnrollment(e *store.Enrollment) (*store.Enrollment, error) {
	doc, err := EncodeEnrollment(e)
	if err != nil {
		return nil, err
	}
	c, err := decodeEnrollment(e.Record.DeviceID, doc, e.Version)
	if err != nil {
		return nil, unreadable("enrollment", e.Record.DeviceID, err)
	}
	return c, nil
}

type transitionDoc struct {
	From         string      `json:"from,omitempty"`
	To           string      `json:"to,omitempty"`
	Event        eventDoc    `json:"event"`
	Rule         int         `json:"rule"`
	Cause        string      `json:"cause,omitempty"`
	At           string      `json:"at"`
	Status       string      `json:"status,omitempty"`
	Code         int         `json:"code,omitempty"`
	Reason       string      `json:"reason,omitempty"`
	ManagedBy    string      `json:"managedBy,omitempty"`
	Registration string      `json:"registration,omitempty"`
	Changes      []changeDoc `json:"changes,omitempty"`
	LastCheckIn  string      `json:"lastCheckIn"`
	NextCheckIn  string      `json:"nextCheckIn"`
}

type eventDoc struct {
	Kind              string    `json:"kind,omitempty"`
	Tag               string    `json:"tag,omitempty"`
	Scope             *scopeDoc `json:"scope,omitempty"`
	On                *bool     `json:"on,omitempty"`
	EntraRegistration string    `json:"entraRegistration,omitempty"`
	Fault             *int      `json:"fault,omitempty"`
}

type scopeDoc struct {
	WindowsClient     *string `json:"windowsClient,omitempty"`
	WindowsServer     *string `json:"windowsServer,omitempty"`
	MacOS             *string `json:"macOS,omitempty"`
	Linux             *string `json:"linux,omitempty"`
	DomainControllers *string `json:"domainControllers,omitempty"`
}

type changeDoc struct {
	Kind   string          `json:"kind"`
	Device json.RawMessage `json:"device,omitempty"`
}

// EncodeTransition checks a transition of a device's history and returns
// its document.
func EncodeTransition(deviceID string, index int, t *enrollment.Transition) ([]byte, error) {
	const rec = "history"
	field := fmt.Sprintf("[%d]", index)
	doc := transitionDoc{
		From:         string(t.From),
		To:           string(t.To),
		Event:        encodeEvent(t.Event),
		Rule:         t.Rule,
		Cause:        t.Cause,
		Status:       string(t.Status),
		Code:         int(t.Code),
		Reason:       string(t.Reason),
		ManagedBy:    string(t.ManagedBy),
		Registration: string(t.Registration),
	}
	var err error
	if doc.At, err = timeField(rec, deviceID, field+".At", t.At); err != nil {
		return nil, err
	}
	if doc.LastCheckIn, err = timeField(rec, deviceID, field+".LastCheckIn", t.LastCheckIn); err != nil {
		return nil, err
	}
	if doc.NextCheckIn, err = timeField(rec, deviceID, field+".NextCheckIn", t.NextCheckIn); err != nil {
		return nil, err
	}
	for i, c := range t.Changes {
		cd := changeDoc{Kind: string(c.Kind)}
		if c.Device != nil {
			if cd.Device, err = json.Marshal(c.Device); err != nil {
				return nil, &store.InvalidError{Record: rec, Key: deviceID, Field: fmt.Sprintf("%s.Changes[%d]", field, i), Err: err}
			}
		}
		doc.Changes = append(doc.Changes, cd)
	}
	return json.Marshal(doc)
}

func encodeEvent(e enrollment.Event) eventDoc {
	d := eventDoc{Kind: string(e.Kind), Tag: e.Tag, On: cloneBool(e.On), EntraRegistration: string(e.EntraRegistration)}
	if e.Fault != nil {
		f := int(*e.Fault)
		d.Fault = &f
	}
	if s := e.Scope; s != nil {
		d.Scope = &scopeDoc{
			WindowsClient:     settingString(s.WindowsClient),
			WindowsServer:     settingString(s.WindowsServer),
			MacOS:             settingString(s.MacOS),
			Linux:             settingString(s.Linux),
			DomainControllers: settingString(s.DomainControllers),
		}
	}
	return d
}

func decodeEvent(d eventDoc) enrollment.Event {
	e := enrollment.Event{Kind: enrollment.EventKind(d.Kind), Tag: d.Tag, On: cloneBool(d.On),
		EntraRegistration: enrollment.EntraRegistration(d.EntraRegistration)}
	if d.Fault != nil {
		f := enrollment.Code(*d.Fault)
		e.Fault = &f
	}
	if s := d.Scope; s != nil {
		e.Scope = &enrollment.ScopeUpdate{
			WindowsClient:     scopeSetting(s.WindowsClient),
			WindowsServer:     scopeSetting(s.WindowsServer),
			MacOS:             scopeSetting(s.MacOS),
			Linux:             scopeSetting(s.Linux),
			DomainControllers: scopeSetting(s.DomainControllers),
		}
	}
	return e
}

func cloneBool(b *bool) *bool {
	if b == nil {
		return nil
	}
	v := *b
	return &v
}

func settingString(s *enrollment.ScopeSetting) *string {
	if s == nil {
		return nil
	}
	v := string(*s)
	return &v
}

func scopeSetting(s *string) *enrollment.ScopeSetting {
	if s == nil {
		return nil
	}
	v := enrollment.ScopeSetting(*s)
	return &v
}

// DecodeTransition reads a transition.
func DecodeTransition(deviceID string, data []byte) (*enrollment.Transition, error) {
	t, err := decodeTransition(data)
	if err != nil {
		return nil, &Corrupt{Record: "history", Key: deviceID, Err: err}
	}
	return t, nil
}

func decodeTransition(data []byte) (*enrollment.Transition, error) {
	var doc transitionDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	t := &enrollment.Transition{
		From:         enrollment.State(doc.From),
		To:           enrollment.State(doc.To),
		Event:        decodeEvent(doc.Event),
		Rule:         doc.Rule,
		Cause:        doc.Cause,
		Status:       enrollment.Status(doc.Status),
		Code:         enrollment.Code(doc.Code),
		Reason:       enrollment.Reason(doc.Reason),
		ManagedBy:    enrollment.ManagedBy(doc.ManagedBy),
		Registration: identity.Method(doc.Registration),
	}
	times := []struct {
		s   string
		dst *time.Time
	}{{doc.At, &t.At}, {doc.LastCheckIn, &t.LastCheckIn}, {doc.NextCheckIn, &t.NextCheckIn}}
	for _, x := range times {
		v, err := ParseTime(x.s)
		if err != nil {
			return nil, err
		}
		*x.dst = v
	}
	for _, c := range doc.Changes {
		ch := identity.Change{Kind: identity.ChangeKind(c.Kind)}
		if c.Device != nil {
			ch.Device = new(identity.Device)
			if err := json.Unmarshal(c.Device, ch.Device); err != nil {
				return nil, err
			}
		}
		t.Changes = append(t.Changes, ch)
	}
	return t, nil
}

// CanonicalHistory checks transitions and returns them as they read back.
func CanonicalHistory(deviceID string, ts []enrollment.Transition) ([]*enrollment.Transition, error) {
	if err := CheckKey("history", "deviceID", deviceID); err != nil {
		return nil, err
	}
	out := make([]*enrollment.Transition, len(ts))
	for i := range ts {
		doc, err := EncodeTransition(deviceID, i, &ts[i])
		if err != nil {
			return nil, err
		}
		if out[i], err = decodeTransition(doc); err != nil {
			return nil, unreadable("history", deviceID, err)
		}
	}
	return out, nil
}
