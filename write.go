package secmgmt

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/secmgmt/secmgmt/authz"
	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/identity"
	"github.com/secmgmt/secmgmt/store"
	"github.com/secmgmt/secmgmt/targeting"
)

// errBehind: another service instance wrote to the store after this one
// last applied the feed; the write is tried again after catching up.
var errBehind = errors.New("secmgmt: behind the change feed")

// maxWriteAttempts bounds how often a write is tried again because another
// instance wrote first.
const maxWriteAttempts = 8

// txn is one write: a store transaction, the in-memory changes it makes on
// the way (the directory and the membership index, whose deltas the store
// must record in the same transaction), and the change-feed entries it
// appends.
type txn struct {
	s   *Service
	ctx context.Context
	tx  store.Store
	st  *state
	now time.Time

	changes []store.Change
	seen    map[string]bool // kind and key of every change recorded
	delta   targeting.Delta
	// touched: the directory or the index was changed; if the transaction
	// does not commit, the state is rebuilt from the store.
	touched bool

	// records and facts hold the enrollment records and facts written so
	// far, for later steps of the same write; unwritten marks the facts
	// staged but not yet in the store.
	records   map[string]enrollment.Record
	facts     map[string]enrollment.Facts
	unwritten map[string]bool

	// acc is the access the choke point granted an administrative write
	// (nil for a device-side or internal one); grants holds the caller's
	// access for other permissions the write needs (see review).
	acc    *access
	grants map[authz.Permission]*access
}

// write runs fn in a store transaction with the state current and s.mu
// held, appends the changes fn recorded to the feed in the same
// transaction, and applies them to the state once committed. Every write of
// the service goes through it.
//
// Before fn runs, the transaction checks that the feed holds nothing this
// instance has not applied: fn reads the in-memory state as the truth. If
// another instance wrote in between, the write starts again.
func (s *Service) write(ctx context.Context, op adminOp, fn func(w *txn) error) error {
	if s.closed.Load() {
		return ErrClosed
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for attempt := 1; ; attempt++ {
		if err := s.catchUpLocked(ctx); err != nil {
			return err
		}
		w := &txn{s: s, ctx: ctx, st: s.state, now: s.now(), acc: accessOf(ctx)}
		err := s.st.Tx(ctx, func(tx store.Store) error {
			w.tx = tx
			if err := w.fence(op); err != nil {
				return err
			}
			if err := fn(w); err != nil {
				return err
			}
			if err := w.review(op); err != nil {
				return err
			}
			for i := 1; i < len(w.changes); i++ {
				seq, err := tx.AppendChange(ctx, w.changes[i])
				if err != nil {
					return err
				}
				w.changes[i].Seq = seq
			}
			return nil
		})
		if err == nil {
			s.committed(w)
			s.trimFeed(ctx)
			if s.log.Enabled(ctx, slog.LevelInfo) {
				s.log.InfoContext(ctx, "change committed", "op", string(op), "changes", len(w.changes))
			}
			return nil
		}
		if w.touched {
			if rerr := s.reloadLocked(ctx); rerr != nil {
				return errors.Join(err, rerr)
			}
		}
		if errors.Is(err, errBehind) && attempt < maxWriteAttempts {
			continue
		}
		return err
	}
}

// fence opens a write: it appends an entry naming the operation to the
// change feed, which takes the feed's lock until the transaction ends (the
// SQL stores lock the feed's counter, the others serialise transactions),
// so that the writes of every instance sharing the store are serialised.
// Changes other instances committed before it took the lock are applied to
// the state then, read through the transaction: the write goes on from the
// state as the store holds it.
func (w *txn) fence(op adminOp) error {
	seq, err := w.tx.AppendChange(w.ctx, store.Change{Kind: changeOp, Keys: []string{string(op)}})
	if err != nil {
		return err
	}
	w.changes = append(w.changes, store.Change{Seq: seq, Kind: changeOp, Keys: []string{string(op)}})
	s := w.s
	for {
		cs, err := s.nextChanges(w.ctx, w.tx)
		if errors.Is(err, errFeedTrimmed) {
			// Trimmed entries, or our own entry missing: the next attempt
			// starts from a rebuilt state.
			return errBehind
		}
		if err != nil {
			return err
		}
		for _, c := range cs {
			if c.Seq >= seq {
				return nil
			}
			// Applying committed changes is right whatever becomes of this
			// write; but if one fails half-way, the state is rebuilt.
			w.touched = true
			if err := s.apply(w.ctx, w.tx, c); err != nil {
				return fmt.Errorf("secmgmt: applying the change feed: %w", err)
			}
			s.seq.Store(c.Seq)
			s.stats.feed.Add(1)
			w.touched = false
		}
	}
}

// committed applies a committed write to the state: the membership deltas
// it made, then each change as every instance applies it.
func (s *Service) committed(w *txn) {
	s.state.markDelta(w.delta)
	for _, c := range w.changes {
		if err := s.apply(w.ctx, s.st, c); err != nil {
			s.log.WarnContext(w.ctx, "rebuilding the state: a committed change could not be applied", "kind", c.Kind, "err", err)
			if err := s.reloadLocked(context.WithoutCancel(w.ctx)); err != nil {
				s.log.ErrorContext(w.ctx, "rebuilding the state failed", "err", err)
			}
			return
		}
		s.seq.Store(c.Seq)
		s.stats.feed.Add(1)
	}
}

// maxKeysPerChange bounds the keys of one change-feed entry.
const maxKeysPerChange = 1000

// changed records that the write changed records of a kind, for the
// change feed. Keys are recorded once per write; consecutive keys of one
// kind share an entry.
func (w *txn) changed(kind string, keys ...string) {
	if w.seen == nil {
		w.seen = map[string]bool{}
	}
	if len(keys) == 0 {
		keys = []string{""}
	}
	for _, k := range keys {
		if w.seen[kind+"\x00"+k] {
			continue
		}
		w.seen[kind+"\x00"+k] = true
		n := len(w.changes)
		if k == "" {
			w.changes = append(w.changes, store.Change{Kind: kind})
			continue
		}
		if n > 1 && w.changes[n-1].Kind == kind && len(w.changes[n-1].Keys) > 0 && len(w.changes[n-1].Keys) < maxKeysPerChange {
			w.changes[n-1].Keys = append(w.changes[n-1].Keys, k)
			continue
		}
		w.changes = append(w.changes, store.Change{Kind: kind, Keys: []string{k}})
	}
}

// record returns a device's enrollment record as this write left it.
func (w *txn) record(d *deviceEntry) enrollment.Record {
	if r, ok := w.records[d.id]; ok {
		return r
	}
	return d.record
}

// factsOf returns a device's facts as this write left them.
func (w *txn) factsOf(d *deviceEntry) (enrollment.Facts, bool) {
	if f, ok := w.facts[d.id]; ok {
		return f, true
	}
	if d.facts == nil {
		return enrollment.Facts{}, false
	}
	return *d.facts, true
}

// env is the enrollment machine's environment for a device.
func (w *txn) env(t enrollment.Tenant, f enrollment.Facts) enrollment.Env {
	return enrollment.Env{
		Tenant:              t,
		Facts:               f,
		Directory:           w.st.dir,
		Registrar:           w.s.cfg.registrar,
		Jitter:              w.s.rnd,
		MacOSDuplicateIssue: w.s.cfg.macOSIssue,
		Now:                 w.now,
	}
}

// handle runs an enrollment event for a device whose facts (after
// Event.Update) are f, and writes everything it decides: the directory
// changes, the facts, the record and its history.
func (w *txn) handle(d *deviceEntry, ev enrollment.Event, t enrollment.Tenant, f enrollment.Facts) (enrollment.Record, error) {
	rec := w.record(d)
	rec.History = nil
	next, ts, err := rec.Handle(ev, w.env(t, f))
	if err != nil {
		return rec, err
	}
	w.stageFacts(d, f)
	if err := w.applyDirectory(enrollment.Changes(ts)); err != nil {
		return rec, err
	}
	if err := w.flushFacts(d.id); err != nil {
		return rec, err
	}
	if err := w.putRecord(d, next, ts); err != nil {
		return rec, err
	}
	return next, nil
}

// putFacts stores a device's facts, creating the device when it is new.
func (w *txn) putFacts(d *deviceEntry, f enrollment.Facts) error {
	w.stageFacts(d, f)
	return w.flushFacts(d.id)
}

// stageFacts records a device's new facts, to be written with its record
// by applyDirectory or flushFacts, whichever writes it first.
func (w *txn) stageFacts(d *deviceEntry, f enrollment.Facts) {
	if cur, ok := w.factsOf(d); ok && factsEqual(cur, f) {
		return
	}
	fc := f
	fc.Tags = slices.Clone(f.Tags)
	if w.facts == nil {
		w.facts, w.unwritten = map[string]enrollment.Facts{}, map[string]bool{}
	}
	w.facts[d.id], w.unwritten[d.id] = fc, true
	w.changed(changeDevice, d.id)
}

// flushFacts writes a device's staged facts, creating the device when it
// is new.
func (w *txn) flushFacts(id string) error {
	if !w.unwritten[id] {
		return nil
	}
	sd, err := w.tx.Device(w.ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		sd = &store.Device{ID: id, Created: w.now}
	case err != nil:
		return err
	}
	w.withFacts(sd)
	_, err = w.tx.PutDevice(w.ctx, sd)
	return err
}

// withFacts puts a device's staged facts in the record about to be
// written.
func (w *txn) withFacts(sd *store.Device) {
	if w.unwritten[sd.ID] {
		f := w.facts[sd.ID]
		sd.Facts, sd.Modified = &f, w.now
		delete(w.unwritten, sd.ID)
	}
}

// factsEqual compares two facts.
func factsEqual(a, b enrollment.Facts) bool {
	at, bt := a.Tags, b.Tags
	a.Tags, b.Tags = nil, nil
	return reflect.DeepEqual(a, b) && slices.Equal(at, bt)
}

// putRecord stores a device's enrollment record and appends the
// transitions to its history. Enrolling counts as a check-in.
func (w *txn) putRecord(d *deviceEntry, rec enrollment.Record, ts []enrollment.Transition) error {
	id := rec.DeviceID
	var version int64
	e, err := w.tx.Enrollment(w.ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return err
	default:
		version = e.Version
	}
	prev := w.record(d)
	rec.History = nil
	if _, err := w.tx.PutEnrollment(w.ctx, &store.Enrollment{Record: rec, Version: version}); err != nil {
		return err
	}
	if len(ts) > 0 {
		if err := w.tx.AppendHistory(w.ctx, id, ts...); err != nil {
			return err
		}
	}
	if !rec.LastCheckIn.IsZero() && !rec.LastCheckIn.Equal(prev.LastCheckIn) {
		if err := w.tx.RecordCheckIn(w.ctx, store.CheckIn{DeviceID: id, At: rec.LastCheckIn}); err != nil {
			return err
		}
	}
	if w.records == nil {
		w.records = map[string]enrollment.Record{}
	}
	w.records[id] = rec
	w.changed(changeDevice, id)
	return nil
}

// sharedObject returns the directory's own object for obj, which the
// membership index keeps instead of a copy of its own (see
// identity.Directory.Shared), or a copy of obj if the directory holds
// another object for its device id.
func sharedObject(dir *identity.Directory, obj *identity.Device) *identity.Device {
	if o, ok := dir.Shared(obj.DeviceID); ok && strings.EqualFold(o.ObjectID, obj.ObjectID) {
		return o
	}
	return obj.Clone()
}

// applyDirectory applies directory changes to the in-memory directory,
// the membership index and the store, with the memberships the index
// changes. A device object that is deleted leaves every group; its static
// memberships are dropped from the groups that listed it.
func (w *txn) applyDirectory(changes []identity.Change) error {
	if len(changes) == 0 {
		return nil
	}
	if err := w.st.dir.Check(changes...); err != nil {
		return err
	}
	w.touched = true
	if err := w.st.dir.Apply(changes...); err != nil {
		return err
	}
	for _, c := range changes {
		id := canonicalID(c.Device.DeviceID)
		sd, err := w.tx.Device(w.ctx, id)
		switch {
		case errors.Is(err, store.ErrNotFound):
			if c.Kind == identity.ChangeDelete {
				continue
			}
			sd = &store.Device{ID: id, Created: w.now}
		case err != nil:
			return err
		}
		w.withFacts(sd)
		var d targeting.Delta
		if c.Kind == identity.ChangeDelete && sd.Facts == nil {
			// A directory-only object (such as a duplicate): nothing is
			// left of the device, and its memberships go with it.
			d = w.st.index.RemoveDevice(id)
			if err := w.tx.DeleteDevice(w.ctx, id, sd.Version); err != nil {
				return err
			}
			w.delta.Removed = append(w.delta.Removed, d.Removed...)
			if err := w.dropStaticMember(id, d); err != nil {
				return err
			}
			w.changed(changeDevice, id)
			continue
		}
		if c.Kind == identity.ChangeDelete {
			sd.Object = nil
			d = w.st.index.RemoveDevice(id)
		} else {
			sd.Object = c.Device.Clone()
			d = w.st.index.UpsertDevice(id, sharedObject(w.st.dir, c.Device))
		}
		sd.Modified = w.now
		if _, err := w.tx.PutDevice(w.ctx, sd); err != nil {
			return err
		}
		if err := w.memberships(d); err != nil {
			return err
		}
		if c.Kind == identity.ChangeDelete {
			if err := w.dropStaticMember(id, d); err != nil {
				return err
			}
		}
		w.changed(changeDevice, id)
	}
	return nil
}

// memberships records an index delta in the store and keeps it for the
// invalidation after commit.
func (w *txn) memberships(d targeting.Delta) error {
	if d.Empty() {
		return nil
	}
	md := store.MembershipDelta{
		Added:   make([]store.Membership, len(d.Added)),
		Removed: make([]store.Membership, len(d.Removed)),
	}
	for i, m := range d.Added {
		md.Added[i] = store.Membership{DeviceID: m.Device, GroupID: m.Group}
	}
	for i, m := range d.Removed {
		md.Removed[i] = store.Membership{DeviceID: m.Device, GroupID: m.Group}
	}
	if err := w.tx.ApplyMemberships(w.ctx, md); err != nil {
		return err
	}
	w.delta.Added = append(w.delta.Added, d.Added...)
	w.delta.Removed = append(w.delta.Removed, d.Removed...)
	return nil
}

// dropStaticMember removes a device whose object went from the member
// lists of the static groups it was in.
func (w *txn) dropStaticMember(id string, d targeting.Delta) error {
	for _, m := range d.Removed {
		ge := w.st.groups[m.Group]
		if ge == nil || ge.g.Dynamic() {
			continue
		}
		g, err := w.tx.Group(w.ctx, m.Group)
		if err != nil {
			return err
		}
		i, found := slices.BinarySearch(g.Members, id)
		if !found {
			continue
		}
		g.Members = slices.Delete(g.Members, i, i+1)
		if _, err := w.tx.PutGroup(w.ctx, g); err != nil {
			return err
		}
		w.changed(changeGroup, m.Group)
	}
	return nil
}

// issueCredential issues a new credential to a device, replacing any
// earlier one, and returns its secret: 32 bytes from crypto/rand, of which
// the store keeps only the SHA-256.
func (w *txn) issueCredential(id string) (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("secmgmt: drawing a credential: %w", err)
	}
	secret := base64.RawURLEncoding.EncodeToString(b[:])
	sum := sha256.Sum256([]byte(secret))
	if err := w.tx.PutCredential(w.ctx, &store.Credential{DeviceID: id, Hash: sum[:], IssuedAt: w.now}); err != nil {
		return "", err
	}
	w.changed(changeDevice, id)
	return secret, nil
}

// revokeCredential revokes a device's credential, if it has one.
func (w *txn) revokeCredential(d *deviceEntry) error {
	if d.credHash == nil || d.revoked {
		return nil
	}
	if err := w.tx.RevokeCredential(w.ctx, d.id, w.now); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	w.changed(changeDevice, d.id)
	return nil
}
