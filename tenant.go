package secmgmt

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/store"
)

// Tenant returns the tenant's configuration and its version.
func (s *Service) Tenant(ctx context.Context) (enrollment.Tenant, int64, error) {
	if err := s.adminRead(&ctx, "Tenant"); err != nil {
		return enrollment.Tenant{}, 0, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.state.tenant, s.state.tenantVer, nil
}

// SetTenant replaces the tenant's configuration, with optimistic
// concurrency (version is the version read; ErrConflict when it changed
// since). It returns the new version.
//
// Each change the enrollment flow reacts to is an event every device
// handles, in this order: the Intune toggle (intuneToggle), the
// enforcement scope (scopeChange), Configuration Manager authority
// (configMgrAuthority), Defender for Cloud (defenderForCloud). A change of
// the mode, the government cloud or the licence has no event of its own:
// every device is qualified again as for a scope change that keeps the
// scope. The devices whose enrollment changes (in or out of scope,
// registered, unmarked) are written with the tenant in one transaction;
// a change of mode also invalidates every effective configuration, as the
// documentation variant follows the mode.
func (s *Service) SetTenant(ctx context.Context, t enrollment.Tenant, version int64) (int64, error) {
	const op = "SetTenant"
	if err := s.admin(&ctx, op); err != nil {
		return 0, err
	}
	if err := t.Validate(); err != nil {
		return 0, invalid(op, "tenant", "", err)
	}
	var out int64
	err := s.write(ctx, op, func(w *txn) error {
		if version != w.st.tenantVer {
			return versionConflict("tenant", "", version, w.st.tenantVer)
		}
		old := w.st.tenant
		cur := old
		cur.Mode, cur.GovernmentCloud, cur.MDEUserLicense = t.Mode, t.GovernmentCloud, t.MDEUserLicense
		evs := tenantEvents(old, t)
		if cur != old && !slices.ContainsFunc(evs, func(e enrollment.Event) bool { return e.Kind == enrollment.EventScopeChange }) {
			evs = append(evs, requalify(cur.Scope))
		}
		ids := w.st.deviceIDs()
		dummy := enrollment.HealthyFacts(enrollment.PlatformWindows)
		for _, ev := range evs {
			if err := ev.Update(&cur, &dummy); err != nil {
				return invalid(op, "tenant", ev.String(), err)
			}
			for _, id := range ids {
				d := w.st.devices[id]
				f, ok := w.factsOf(d)
				if !ok || !w.record(d).State.Accepts(ev.Kind) {
					continue
				}
				if _, err := w.handle(d, ev, cur, f); err != nil && !errors.Is(err, enrollment.ErrInvalidTransition) {
					return fmt.Errorf("secmgmt: %s: device %q, %s: %w", op, id, ev, err)
				}
			}
		}
		v, err := w.tx.PutTenant(w.ctx, &store.Tenant{Config: t, Version: version})
		if err != nil {
			return err
		}
		out = v
		w.changed(changeTenant)
		return nil
	})
	return out, err
}

// tenantEvents lists the events that take the tenant from old to new.
func tenantEvents(old, new enrollment.Tenant) []enrollment.Event {
	var evs []enrollment.Event
	if old.IntuneEnforcement != new.IntuneEnforcement {
		on := new.IntuneEnforcement
		evs = append(evs, enrollment.Event{Kind: enrollment.EventIntuneToggle, On: &on})
	}
	if normScopes(old.Scope) != normScopes(new.Scope) {
		var u enrollment.ScopeUpdate
		set := func(dst **enrollment.ScopeSetting, o, n enrollment.ScopeSetting) {
			if o, n = normScope(o), normScope(n); o != n {
				*dst = &n
			}
		}
		set(&u.WindowsClient, old.Scope.WindowsClient, new.Scope.WindowsClient)
		set(&u.WindowsServer, old.Scope.WindowsServer, new.Scope.WindowsServer)
		set(&u.MacOS, old.Scope.MacOS, new.Scope.MacOS)
		set(&u.Linux, old.Scope.Linux, new.Scope.Linux)
		set(&u.DomainControllers, old.Scope.DomainControllers, new.Scope.DomainControllers)
		evs = append(evs, enrollment.Event{Kind: enrollment.EventScopeChange, Scope: &u})
	}
	if old.ConfigMgrAuthority != new.ConfigMgrAuthority {
		on := new.ConfigMgrAuthority
		evs = append(evs, enrollment.Event{Kind: enrollment.EventConfigMgrAuthority, On: &on})
	}
	if old.DefenderForCloud != new.DefenderForCloud {
		on := new.DefenderForCloud
		evs = append(evs, enrollment.Event{Kind: enrollment.EventDefenderForCloud, On: &on})
	}
	return evs
}

// requalify is a scope change that keeps the scope: the flow qualifies
// every device again against the tenant as it is.
func requalify(sc enrollment.Scope) enrollment.Event {
	sc = normScopes(sc)
	u := enrollment.ScopeUpdate{
		WindowsClient:     &sc.WindowsClient,
		WindowsServer:     &sc.WindowsServer,
		MacOS:             &sc.MacOS,
		Linux:             &sc.Linux,
		DomainControllers: &sc.DomainControllers,
	}
	return enrollment.Event{Kind: enrollment.EventScopeChange, Scope: &u}
}

// deviceIDs returns the ids of the devices, sorted.
func (st *state) deviceIDs() []string {
	ids := make([]string, 0, len(st.devices))
	for id := range st.devices {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// normScope spells the zero scope setting "off".
func normScope(s enrollment.ScopeSetting) enrollment.ScopeSetting {
	if s == "" {
		return enrollment.ScopeOff
	}
	return s
}

// normScopes spells every zero setting of a scope "off".
func normScopes(sc enrollment.Scope) enrollment.Scope {
	for _, p := range []*enrollment.ScopeSetting{&sc.WindowsClient, &sc.WindowsServer, &sc.MacOS, &sc.Linux, &sc.DomainControllers} {
		*p = normScope(*p)
	}
	return sc
}
