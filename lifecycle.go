package secmgmt

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/transport"
)

// OnboardOption configures Onboard.
type OnboardOption func(*onboardConfig)

type onboardConfig struct {
	name string
}

// DisplayName sets the name of the device's directory object (the device
// name the reports show). The default is the device id.
func DisplayName(name string) OnboardOption {
	return func(c *onboardConfig) { c.name = name }
}

// Enrolled is what onboarding (or running the flow again) gives the
// device: its credential, and where the enrollment flow left it.
type Enrolled struct {
	// Credential authenticates the device to the transports. Its secret
	// is returned only here: the service keeps a hash.
	Credential transport.Credential
	// Record is the device's enrollment record; its History holds the
	// transitions of this call.
	Record enrollment.Record
}

// Onboard onboards a device with the facts its agent reports and runs the
// enrollment flow (MDM survey, Configuration Manager authority,
// prerequisites, Intune toggle, enforcement scope, registration). In one
// store transaction it writes the device, the directory changes of the
// flow (a synthetic registration, the management marks, tags) with the
// memberships they change, the enrollment record and its history, and a
// new credential, whose secret it returns.
//
// A device that is not enrolled (out of scope, not supported, managed by
// MDM, ...) is onboarded all the same: its record says why, and its
// credential serves once a later change brings it into scope.
//
// Onboarding a device that is onboarded already is an
// *enrollment.TransitionError (see Retry); a device id or facts that are
// not valid are an *InputError.
func (s *Service) Onboard(ctx context.Context, deviceID string, facts enrollment.Facts, opts ...OnboardOption) (*Enrolled, error) {
	const op = "Onboard"
	if err := s.admin(&ctx, op); err != nil {
		return nil, err
	}
	var c onboardConfig
	for _, o := range opts {
		o(&c)
	}
	id := canonicalID(deviceID)
	if why := checkDeviceID(id); why != "" {
		return nil, invalid(op, "deviceID", why, nil)
	}
	if err := facts.Validate(); err != nil {
		return nil, invalid(op, "facts", "", err)
	}
	name := strings.TrimSpace(c.name)
	if name == "" {
		name = id
	}
	out := &Enrolled{}
	err := s.write(ctx, op, func(w *txn) error {
		d := w.st.devices[id]
		if d == nil {
			d = &deviceEntry{id: id, record: recordOf(id)}
		}
		rec := w.record(d)
		if rec.State == enrollment.StateNotOnboarded || rec.State == enrollment.StateOffboarded {
			rec.DisplayName = name
			w.setRecord(rec)
		}
		next, err := w.handle(d, enrollment.Event{Kind: enrollment.EventOnboard}, w.st.tenant, facts)
		if err != nil {
			return fmt.Errorf("secmgmt: onboarding %q: %w", id, err)
		}
		secret, err := w.issueCredential(id)
		if err != nil {
			return err
		}
		out.Credential = transport.Credential{DeviceID: id, Secret: secret}
		out.Record = next
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// setRecord overrides the record a later step of the write reads.
func (w *txn) setRecord(r enrollment.Record) {
	if w.records == nil {
		w.records = map[string]enrollment.Record{}
	}
	w.records[r.DeviceID] = r
}

// event runs one enrollment event for a device in a write: Event.Update
// on its facts (and a copy of the tenant), then the machine. A device whose
// state takes no such event keeps its new facts (a tag set on an offboarded
// device, say) when keepFacts is true, and refuses the event otherwise.
func (w *txn) event(d *deviceEntry, ev enrollment.Event, keepFacts bool) (enrollment.Record, error) {
	f, ok := w.factsOf(d)
	if !ok {
		return enrollment.Record{}, notFound("device", d.id)
	}
	t := w.st.tenant
	if err := ev.Update(&t, &f); err != nil {
		return enrollment.Record{}, err
	}
	rec := w.record(d)
	if keepFacts && !rec.State.Accepts(ev.Kind) {
		return rec, w.putFacts(d, f)
	}
	next, err := w.handle(d, ev, t, f)
	if keepFacts && errors.Is(err, enrollment.ErrInvalidTransition) {
		return rec, w.putFacts(d, f)
	}
	return next, err
}

// deviceEvent is an operation that runs one event for one device.
func (s *Service) deviceEvent(ctx context.Context, op adminOp, deviceID string, ev enrollment.Event, after func(w *txn, d *deviceEntry, rec enrollment.Record) error) (enrollment.Record, error) {
	if err := s.admin(&ctx, op, deviceID); err != nil {
		return enrollment.Record{}, err
	}
	id := canonicalID(deviceID)
	var out enrollment.Record
	err := s.write(ctx, op, func(w *txn) error {
		d := w.st.devices[id]
		if d == nil || d.facts == nil {
			return notFound("device", id)
		}
		rec, err := w.event(d, ev, false)
		if err != nil {
			return fmt.Errorf("secmgmt: %s %q: %w", op, id, err)
		}
		if after != nil {
			if err := after(w, d, rec); err != nil {
				return err
			}
		}
		out = rec
		return nil
	})
	return out, err
}

// PolicySync asks an enrolled device to check in now, as the portal's
// "Policy sync" does: its next check-in is due at once, and a device
// waiting in WaitSync (on this instance or another sharing the store) is
// woken. A device that is not enrolled refuses it
// (enrollment.ErrInvalidTransition).
func (s *Service) PolicySync(ctx context.Context, deviceID string) (enrollment.Record, error) {
	return s.deviceEvent(ctx, "PolicySync", deviceID, enrollment.Event{Kind: enrollment.EventPolicySync},
		func(w *txn, d *deviceEntry, _ enrollment.Record) error {
			w.changed(changeSync, d.id)
			return nil
		})
}

// MDMEnroll records that the device enrolled in MDM: it stops receiving
// policy here (managedByMDM), its directory object changes management
// type (a synthetic registration is replaced by the full one the
// enrollment makes), and the groups that select MicrosoftSense devices drop
// it.
func (s *Service) MDMEnroll(ctx context.Context, deviceID string) (enrollment.Record, error) {
	return s.deviceEvent(ctx, "MDMEnroll", deviceID, enrollment.Event{Kind: enrollment.EventMDMEnroll}, nil)
}

// MDMUnenroll records that the device left MDM; the enrollment flow runs
// again.
func (s *Service) MDMUnenroll(ctx context.Context, deviceID string) (enrollment.Record, error) {
	return s.deviceEvent(ctx, "MDMUnenroll", deviceID, enrollment.Event{Kind: enrollment.EventMDMUnenroll}, nil)
}

// Offboard records that the device's agent was offboarded: its directory
// object and memberships go, and its credential is revoked. The device's
// record stays; onboarding it again issues a new credential.
func (s *Service) Offboard(ctx context.Context, deviceID string) (enrollment.Record, error) {
	return s.deviceEvent(ctx, "Offboard", deviceID, enrollment.Event{Kind: enrollment.EventOffboard},
		func(w *txn, d *deviceEntry, _ enrollment.Record) error { return w.revokeCredential(d) })
}

// DeletionSource says where an administrator deleted a device.
type DeletionSource string

// Deletion sources. A deletion made in either portal reaches the other.
const (
	FromIntune   DeletionSource = "intune"
	FromDefender DeletionSource = "defender"
)

// Valid reports whether s is a declared source.
func (s DeletionSource) Valid() bool { return s == FromIntune || s == FromDefender }

// String returns the source's name.
func (s DeletionSource) String() string { return string(s) }

// DeleteDevice records that an administrator deleted the device in Intune
// or in Defender: its directory object and memberships go and its
// credential is revoked. The agent stays: Retry runs the flow again and
// issues a new credential.
func (s *Service) DeleteDevice(ctx context.Context, deviceID string, from DeletionSource) (enrollment.Record, error) {
	kind := enrollment.EventDeleteFromIntune
	switch from {
	case FromIntune:
	case FromDefender:
		kind = enrollment.EventDeleteFromDefender
	default:
		return enrollment.Record{}, invalid("DeleteDevice", "from", fmt.Sprintf("unknown source %q", string(from)), nil)
	}
	return s.deviceEvent(ctx, "DeleteDevice", deviceID, enrollment.Event{Kind: kind},
		func(w *txn, d *deviceEntry, _ enrollment.Record) error { return w.revokeCredential(d) })
}

// Retry runs the enrollment flow of a device again, as its agent does
// after a failure or a deletion. A device whose credential was revoked
// (deleted) gets a new one; otherwise Enrolled.Credential is empty and the
// device keeps its own.
func (s *Service) Retry(ctx context.Context, deviceID string) (*Enrolled, error) {
	out := &Enrolled{}
	rec, err := s.deviceEvent(ctx, "Retry", deviceID, enrollment.Event{Kind: enrollment.EventRetry},
		func(w *txn, d *deviceEntry, _ enrollment.Record) error {
			if d.credHash != nil && !d.revoked {
				return nil
			}
			secret, err := w.issueCredential(d.id)
			if err != nil {
				return err
			}
			out.Credential = transport.Credential{DeviceID: d.id, Secret: secret}
			return nil
		})
	if err != nil {
		return nil, err
	}
	out.Record = rec
	return out, nil
}

// UpdateFacts records new facts reported by a device's agent. Each change
// the enrollment flow reacts to becomes its event, in this order: tags
// removed and added (removeTag, addTag: the MDE-Management tag moves the
// device in or out of a "tagged" scope), a full registration made by the
// device (fullRegistration), a Configuration Manager client installed or
// removed (configMgrClient), an MDM enrollment begun or ended (mdmEnroll,
// mdmUnenroll). Other facts (versions, the environment) are stored, and a
// device that rests in a failed or refused state runs the flow again
// (retry) to be judged on them. It returns the device's record.
func (s *Service) UpdateFacts(ctx context.Context, deviceID string, facts enrollment.Facts) (enrollment.Record, error) {
	const op = "UpdateFacts"
	if err := s.admin(&ctx, op); err != nil {
		return enrollment.Record{}, err
	}
	if err := facts.Validate(); err != nil {
		return enrollment.Record{}, invalid(op, "facts", "", err)
	}
	id := canonicalID(deviceID)
	var out enrollment.Record
	err := s.write(ctx, op, func(w *txn) error {
		d := w.st.devices[id]
		if d == nil || d.facts == nil {
			return notFound("device", id)
		}
		old := *d.facts
		// The facts no event carries change first.
		base := facts
		base.Tags, base.ConfigMgrClient, base.MDMEnrolled, base.EntraRegistration = old.Tags, old.ConfigMgrClient, old.MDMEnrolled, old.EntraRegistration
		if err := w.putFacts(d, base); err != nil {
			return err
		}
		others := !factsEqual(base, old)
		for _, ev := range factEvents(old, facts) {
			if _, err := w.event(d, ev, true); err != nil {
				return fmt.Errorf("secmgmt: %s %q: %s: %w", op, id, ev, err)
			}
		}
		rec := w.record(d)
		if others && resting(rec.State) {
			f, _ := w.factsOf(d)
			var err error
			if rec, err = w.handle(d, enrollment.Event{Kind: enrollment.EventRetry}, w.st.tenant, f); err != nil {
				return fmt.Errorf("secmgmt: %s %q: retry: %w", op, id, err)
			}
		}
		out = rec
		return nil
	})
	return out, err
}

// resting reports whether a device in state s waits for a retry to run
// the flow again.
func resting(s enrollment.State) bool {
	switch s {
	case enrollment.StateNotEnrolled, enrollment.StateNotSupported, enrollment.StateFailed, enrollment.StateManagedByConfigMgr:
		return true
	}
	return false
}

// factEvents lists the events that take a device's facts from old to new.
func factEvents(old, new enrollment.Facts) []enrollment.Event {
	var evs []enrollment.Event
	for _, t := range old.Tags {
		if !new.HasTag(t) {
			evs = append(evs, enrollment.Event{Kind: enrollment.EventRemoveTag, Tag: t})
		}
	}
	var added []string
	for _, t := range new.Tags {
		if !old.HasTag(t) && !slices.ContainsFunc(added, func(a string) bool { return strings.EqualFold(a, t) }) {
			added = append(added, t)
			evs = append(evs, enrollment.Event{Kind: enrollment.EventAddTag, Tag: t})
		}
	}
	if !old.EntraRegistration.Full() && new.EntraRegistration.Full() {
		evs = append(evs, enrollment.Event{Kind: enrollment.EventFullRegistration, EntraRegistration: new.EntraRegistration})
	}
	if old.ConfigMgrClient != new.ConfigMgrClient {
		on := new.ConfigMgrClient
		evs = append(evs, enrollment.Event{Kind: enrollment.EventConfigMgrClient, On: &on})
	}
	if old.MDMEnrolled != new.MDMEnrolled {
		kind := enrollment.EventMDMEnroll
		if !new.MDMEnrolled {
			kind = enrollment.EventMDMUnenroll
		}
		evs = append(evs, enrollment.Event{Kind: kind})
	}
	return evs
}

// maxTagBytes bounds a device tag.
const maxTagBytes = 200

// TagDevice adds a device tag (enrollment.ManagementTag, MDE-Management,
// puts a device in a "tagged" enforcement scope). The tag is written on the
// directory object, where rules read it, and the enrollment flow
// re-evaluates the device. Tagging a device that already carries the tag
// changes nothing.
func (s *Service) TagDevice(ctx context.Context, deviceID, tag string) (enrollment.Record, error) {
	return s.tagEvent(ctx, "TagDevice", deviceID, enrollment.Event{Kind: enrollment.EventAddTag, Tag: tag}, true)
}

// UntagDevice removes a device tag; removing MDE-Management takes the
// device out of a "tagged" scope (notEnrolled), leaving its last settings
// on it.
func (s *Service) UntagDevice(ctx context.Context, deviceID, tag string) (enrollment.Record, error) {
	return s.tagEvent(ctx, "UntagDevice", deviceID, enrollment.Event{Kind: enrollment.EventRemoveTag, Tag: tag}, false)
}

func (s *Service) tagEvent(ctx context.Context, op adminOp, deviceID string, ev enrollment.Event, add bool) (enrollment.Record, error) {
	if err := s.admin(&ctx, op, deviceID); err != nil {
		return enrollment.Record{}, err
	}
	if strings.TrimSpace(ev.Tag) == "" || len(ev.Tag) > maxTagBytes {
		return enrollment.Record{}, invalid(string(op), "tag", fmt.Sprintf("empty or longer than %d bytes", maxTagBytes), nil)
	}
	id := canonicalID(deviceID)
	var out enrollment.Record
	err := s.write(ctx, op, func(w *txn) error {
		d := w.st.devices[id]
		if d == nil || d.facts == nil {
			return notFound("device", id)
		}
		if f, _ := w.factsOf(d); f.HasTag(ev.Tag) == add {
			out = w.record(d)
			return nil
		}
		rec, err := w.event(d, ev, true)
		if err != nil {
			var ie *enrollment.InputError
			if errors.As(err, &ie) {
				return invalid(string(op), "tag", "", err)
			}
			return fmt.Errorf("secmgmt: %s %q: %w", op, id, err)
		}
		out = rec
		return nil
	})
	return out, err
}

// ReissueCredential issues a new credential to an onboarded device, for an
// agent that lost its secret: the old secret stops working at once. A
// device that is offboarded or deleted is refused (ErrInvalidInput): it
// comes back through Onboard or Retry, which issue one.
func (s *Service) ReissueCredential(ctx context.Context, deviceID string) (transport.Credential, error) {
	const op = "ReissueCredential"
	if err := s.admin(&ctx, op, deviceID); err != nil {
		return transport.Credential{}, err
	}
	id := canonicalID(deviceID)
	var out transport.Credential
	err := s.write(ctx, op, func(w *txn) error {
		d := w.st.devices[id]
		if d == nil || d.facts == nil {
			return notFound("device", id)
		}
		switch d.record.State {
		case enrollment.StateNotOnboarded, enrollment.StateOffboarded, enrollment.StateDeleted:
			return invalid(op, "deviceID", fmt.Sprintf("device %q is %s", id, d.record.State), nil)
		}
		secret, err := w.issueCredential(id)
		if err != nil {
			return err
		}
		out = transport.Credential{DeviceID: id, Secret: secret}
		return nil
	})
	return out, err
}
