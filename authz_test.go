package secmgmt_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/secmgmt/secmgmt"
	"github.com/secmgmt/secmgmt/authz"
	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/identity"
	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/report"
	"github.com/secmgmt/secmgmt/store"
	"github.com/secmgmt/secmgmt/transport"
)

// The fixture of the authorization tests, set up by an Intune
// Administrator on a service with the role-based authorizer:
//
//   - groups "workstations" (dynamic, Windows), "pilot" (static, win-02),
//     "frozen" (dynamic, paused), "spare" (static, empty), all with the
//     Default scope tag;
//   - devices win-01, win-02 and win-04 (tagged, enrolled), win-03
//     (untagged, not enrolled, no directory object);
//   - policies "baseline" (assigned to workstations) and "unused".
type authzFixture struct {
	svc      *secmgmt.Service
	admin    context.Context
	baseline string // policy id
	unused   string // policy id
	creds    map[string]transport.Credential
}

var adminPrincipal = authz.Principal{ID: "admin@contoso.com", Roles: []authz.Role{authz.IntuneAdministrator()}}

// asPrincipal returns a context carrying p.
func asPrincipal(p authz.Principal) context.Context {
	return authz.NewContext(context.Background(), p)
}

func newAuthzFixture(t *testing.T, st store.Store) *authzFixture {
	t.Helper()
	opts := []secmgmt.Option{secmgmt.WithAuthorizer(authz.RoleBased()), secmgmt.WithClock(newFakeClock()), secmgmt.WithSeed(3)}
	if st != nil {
		opts = append(opts, secmgmt.WithStore(st))
	}
	svc, err := secmgmt.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	fx := &authzFixture{svc: svc, admin: asPrincipal(adminPrincipal), creds: map[string]transport.Credential{}}
	ctx := fx.admin
	_, v, err := svc.Tenant(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetTenant(ctx, inScope(), v); err != nil {
		t.Fatal(err)
	}
	for _, g := range []secmgmt.Group{
		{ID: "workstations", MembershipRule: `device.deviceOSType -eq "Windows"`},
		{ID: "pilot"},
		{ID: "frozen", MembershipRule: `device.displayName -startsWith "WIN"`},
		{ID: "spare"},
	} {
		if _, err := svc.CreateGroup(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.PauseGroup(ctx, "frozen"); err != nil {
		t.Fatal(err)
	}
	// Onboarding is device-side: no principal.
	for _, d := range []struct {
		id string
		f  enrollment.Facts
	}{
		{"win-01", facts(enrollment.PlatformWindows, enrollment.ManagementTag)},
		{"win-02", facts(enrollment.PlatformWindows, enrollment.ManagementTag)},
		{"win-03", facts(enrollment.PlatformWindows)},
		{"win-04", facts(enrollment.PlatformWindows, enrollment.ManagementTag)},
	} {
		en, err := svc.Onboard(context.Background(), d.id, d.f, secmgmt.DisplayName(strings.ToUpper(d.id)))
		if err != nil {
			t.Fatal(err)
		}
		fx.creds[d.id] = en.Credential
	}
	if _, err := svc.AddGroupMembers(ctx, "pilot", "win-02"); err != nil {
		t.Fatal(err)
	}
	p := mustPolicy(t, winAV, "baseline", policy.Choice(realtime, realtime+"_1"))
	p.Assignments = []*policy.Assignment{policy.Include("workstations")}
	out, _, err := svc.CreatePolicy(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	fx.baseline = out.ID
	out, _, err = svc.CreatePolicy(ctx, mustPolicy(t, winAV, "unused", policy.Choice(cloudBlock, cloudBlock+"_2")))
	if err != nil {
		t.Fatal(err)
	}
	fx.unused = out.ID
	return fx
}

// auditLen returns the number of audit entries, read from the store
// directly (no authorization).
func auditLen(t *testing.T, svc *secmgmt.Service) int {
	t.Helper()
	n := 0
	for _, err := range svc.Store().Audit(context.Background(), store.AuditQuery{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	return n
}

// auditSince returns the audit entries after the first n.
func auditSince(t *testing.T, svc *secmgmt.Service, n int) []*store.AuditEntry {
	t.Helper()
	var out []*store.AuditEntry
	for e, err := range svc.Store().Audit(context.Background(), store.AuditQuery{}) {
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			n--
			continue
		}
		out = append(out, e)
	}
	return out
}

func lastChange(t *testing.T, svc *secmgmt.Service) int64 {
	t.Helper()
	n, err := svc.Store().LastChange(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// drain returns the first error of an iterator.
func drain[T any](seq iter.Seq2[T, error]) error {
	for _, err := range seq {
		if err != nil {
			return err
		}
	}
	return nil
}

// adminCase is one administrative method: the permission it needs, whether
// it writes, and a call that succeeds on the fixture when allowed.
type adminCase struct {
	op    string
	perm  authz.Permission
	write bool
	run   func(ctx context.Context, fx *authzFixture) error
}

func adminCases() []adminCase {
	r := func(op string, p authz.Permission, run func(context.Context, *authzFixture) error) adminCase {
		return adminCase{op: op, perm: p, run: run}
	}
	w := func(op string, p authz.Permission, run func(context.Context, *authzFixture) error) adminCase {
		return adminCase{op: op, perm: p, write: true, run: run}
	}
	ignore2 := func(_ any, err error) error { return err }
	ignore3 := func(_, _ any, err error) error { return err }
	return []adminCase{
		r("Tenant", authz.ScopeRead, func(ctx context.Context, fx *authzFixture) error { return ignore3(fx.svc.Tenant(ctx)) }),
		w("SetTenant", authz.ScopeWrite, func(ctx context.Context, fx *authzFixture) error {
			tn, v, err := fx.svc.Tenant(fx.admin)
			if err != nil {
				return err
			}
			tn.Scope.MacOS = enrollment.ScopeTagged
			return ignore2(fx.svc.SetTenant(ctx, tn, v))
		}),

		w("CreatePolicy", authz.PoliciesWrite, func(ctx context.Context, fx *authzFixture) error {
			p, err := policy.NewPolicy(policy.Builtin(), winAV, "new", policy.Choice(cloudBlock, cloudBlock+"_4"))
			if err != nil {
				return err
			}
			return ignore3(fx.svc.CreatePolicy(ctx, p))
		}),
		w("ImportPolicies", authz.PoliciesWrite, func(ctx context.Context, fx *authzFixture) error {
			return ignore2(fx.svc.ImportPolicies(ctx, []byte(`{"value": [{
				"id": "6f1e0b43-2d5c-4e7a-9b18-3c0d5a7e9f21", "name": "Linux RTP", "platforms": "linux",
				"technologies": "microsoftSense",
				"templateReference": {"templateId": "`+linuxAV+`", "templateFamily": "endpointSecurityAntivirus"},
				"settings": [{"id": "0", "settingInstance": {
					"@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
					"settingDefinitionId": "`+linuxRTP+`",
					"choiceSettingValue": {"value": "`+linuxRTP+`_true", "children": []}}}]}]}`)))
		}),
		w("UpdatePolicy", authz.PoliciesWrite, func(ctx context.Context, fx *authzFixture) error {
			p, v, err := fx.svc.Policy(fx.admin, fx.baseline)
			if err != nil {
				return err
			}
			p.Name = "baseline (renamed)"
			return ignore2(fx.svc.UpdatePolicy(ctx, p, v))
		}),
		w("DeletePolicy", authz.PoliciesWrite, func(ctx context.Context, fx *authzFixture) error {
			return fx.svc.DeletePolicy(ctx, fx.unused)
		}),
		w("AssignPolicy", authz.PoliciesAssign, func(ctx context.Context, fx *authzFixture) error {
			return ignore2(fx.svc.AssignPolicy(ctx, fx.unused, []*policy.Assignment{policy.Include("pilot")}))
		}),
		r("Policy", authz.PoliciesRead, func(ctx context.Context, fx *authzFixture) error {
			return ignore3(fx.svc.Policy(ctx, fx.baseline))
		}),
		r("Policies", authz.PoliciesRead, func(ctx context.Context, fx *authzFixture) error { return drain(fx.svc.Policies(ctx)) }),
		r("Assignments", authz.PoliciesRead, func(ctx context.Context, fx *authzFixture) error {
			return ignore2(fx.svc.Assignments(ctx, fx.baseline))
		}),

		w("CreateGroup", authz.GroupsWrite, func(ctx context.Context, fx *authzFixture) error {
			return ignore2(fx.svc.CreateGroup(ctx, secmgmt.Group{ID: "new", DisplayName: "New"}))
		}),
		w("UpdateGroup", authz.GroupsWrite, func(ctx context.Context, fx *authzFixture) error {
			g, err := fx.svc.Group(fx.admin, "pilot")
			if err != nil {
				return err
			}
			g.DisplayName = "Pilot ring"
			return ignore2(fx.svc.UpdateGroup(ctx, *g))
		}),
		w("SetGroupRule", authz.GroupsWrite, func(ctx context.Context, fx *authzFixture) error {
			return ignore2(fx.svc.SetGroupRule(ctx, "workstations", `device.deviceOSType -startsWith "Windows"`))
		}),
		w("PauseGroup", authz.GroupsWrite, func(ctx context.Context, fx *authzFixture) error {
			return ignore2(fx.svc.PauseGroup(ctx, "workstations"))
		}),
		w("ResumeGroup", authz.GroupsWrite, func(ctx context.Context, fx *authzFixture) error {
			return ignore2(fx.svc.ResumeGroup(ctx, "frozen"))
		}),
		w("AddGroupMembers", authz.GroupsWrite, func(ctx context.Context, fx *authzFixture) error {
			return ignore2(fx.svc.AddGroupMembers(ctx, "pilot", "win-01"))
		}),
		w("RemoveGroupMembers", authz.GroupsWrite, func(ctx context.Context, fx *authzFixture) error {
			return ignore2(fx.svc.RemoveGroupMembers(ctx, "pilot", "win-02"))
		}),
		w("DeleteGroup", authz.GroupsWrite, func(ctx context.Context, fx *authzFixture) error {
			return fx.svc.DeleteGroup(ctx, "spare")
		}),
		r("Group", authz.GroupsRead, func(ctx context.Context, fx *authzFixture) error { return ignore2(fx.svc.Group(ctx, "pilot")) }),
		r("Groups", authz.GroupsRead, func(ctx context.Context, fx *authzFixture) error { return drain(fx.svc.Groups(ctx)) }),
		r("GroupMembers", authz.GroupsRead, func(ctx context.Context, fx *authzFixture) error {
			return ignore2(fx.svc.GroupMembers(ctx, "workstations"))
		}),

		r("Device", authz.DevicesRead, func(ctx context.Context, fx *authzFixture) error { return ignore2(fx.svc.Device(ctx, "win-01")) }),
		r("Devices", authz.DevicesRead, func(ctx context.Context, fx *authzFixture) error { return drain(fx.svc.Devices(ctx)) }),
		r("DeviceHistory", authz.DevicesRead, func(ctx context.Context, fx *authzFixture) error {
			return drain(fx.svc.DeviceHistory(ctx, "win-01"))
		}),
		r("EffectiveConfiguration", authz.DevicesRead, func(ctx context.Context, fx *authzFixture) error {
			return ignore2(fx.svc.EffectiveConfiguration(ctx, "win-01"))
		}),
		w("TagDevice", authz.DevicesTag, func(ctx context.Context, fx *authzFixture) error {
			return ignore2(fx.svc.TagDevice(ctx, "win-03", enrollment.ManagementTag))
		}),
		w("UntagDevice", authz.DevicesTag, func(ctx context.Context, fx *authzFixture) error {
			return ignore2(fx.svc.UntagDevice(ctx, "win-01", enrollment.ManagementTag))
		}),
		w("PolicySync", authz.DevicesSync, func(ctx context.Context, fx *authzFixture) error {
			return ignore2(fx.svc.PolicySync(ctx, "win-01"))
		}),
		w("DeleteDevice", authz.DevicesDelete, func(ctx context.Context, fx *authzFixture) error {
			return ignore2(fx.svc.DeleteDevice(ctx, "win-02", secmgmt.FromIntune))
		}),
		w("UpdateDeviceObject", authz.DevicesWrite, func(ctx context.Context, fx *authzFixture) error {
			return ignore2(fx.svc.UpdateDeviceObject(ctx, "win-01", func(d *identity.Device) error {
				d.DeviceCategory = "Kiosk"
				return nil
			}))
		}),
		w("ReissueCredential", authz.DevicesWrite, func(ctx context.Context, fx *authzFixture) error {
			return ignore2(fx.svc.ReissueCredential(ctx, "win-01"))
		}),

		r("ReportPolicies", authz.ReportsRead, func(ctx context.Context, fx *authzFixture) error { return ignore2(fx.svc.ReportPolicies(ctx)) }),
		r("DeviceRecords", authz.ReportsRead, func(ctx context.Context, fx *authzFixture) error { return drain(fx.svc.DeviceRecords(ctx)) }),
		r("PolicyReport", authz.ReportsRead, func(ctx context.Context, fx *authzFixture) error { return ignore2(fx.svc.PolicyReport(ctx)) }),
		r("PolicyDeviceReport", authz.ReportsRead, func(ctx context.Context, fx *authzFixture) error {
			return ignore2(fx.svc.PolicyDeviceReport(ctx, fx.baseline))
		}),
		r("SettingReport", authz.ReportsRead, func(ctx context.Context, fx *authzFixture) error {
			return ignore2(fx.svc.SettingReport(ctx, fx.baseline))
		}),
		r("ConflictReport", authz.ReportsRead, func(ctx context.Context, fx *authzFixture) error { return ignore2(fx.svc.ConflictReport(ctx)) }),
		r("ManagedByReport", authz.ReportsRead, func(ctx context.Context, fx *authzFixture) error { return ignore2(fx.svc.ManagedByReport(ctx)) }),
		r("EnrollmentReport", authz.ReportsRead, func(ctx context.Context, fx *authzFixture) error { return ignore2(fx.svc.EnrollmentReport(ctx)) }),
		r("FailedEnrollments", authz.ReportsRead, func(ctx context.Context, fx *authzFixture) error { return ignore2(fx.svc.FailedEnrollments(ctx)) }),
		r("FreshnessReport", authz.ReportsRead, func(ctx context.Context, fx *authzFixture) error {
			return ignore2(fx.svc.FreshnessReport(ctx, report.Staleness{}))
		}),
		r("StaleDevices", authz.ReportsRead, func(ctx context.Context, fx *authzFixture) error {
			return ignore2(fx.svc.StaleDevices(ctx, report.Staleness{}))
		}),
		r("DeviceReport", authz.ReportsRead, func(ctx context.Context, fx *authzFixture) error { return ignore2(fx.svc.DeviceReport(ctx, "win-01")) }),

		r("Audit", authz.AuditRead, func(ctx context.Context, fx *authzFixture) error {
			return drain(fx.svc.Audit(ctx, store.AuditQuery{}))
		}),
	}
}

// Methods of *Service that are not administrative: device-side operations
// (authorized by the device credential, or events of the device's
// environment) and the service's plumbing. Simulate is the what-if
// simulator's entry point; its row (authz.PoliciesRead) belongs with it.
var nonAdminMethods = []string{
	"Authenticate", "CheckIn", "ReportStatus", "WaitSync",
	"Onboard", "UpdateFacts", "Retry", "Offboard", "MDMEnroll", "MDMUnenroll",
	"Close", "Store", "Catalog", "Stats", "Transport", "HTTPHandler",
	"Simulate",
}

// TestAdminMethodsCovered: every exported method of the Service is either
// a row of the operation × role matrix or known not to be administrative,
// so a new administrative method cannot skip the matrix.
func TestAdminMethodsCovered(t *testing.T) {
	rows := map[string]bool{}
	for _, c := range adminCases() {
		if rows[c.op] {
			t.Errorf("%s: two rows", c.op)
		}
		rows[c.op] = true
	}
	typ := reflect.TypeFor[*secmgmt.Service]()
	for i := range typ.NumMethod() {
		name := typ.Method(i).Name
		if !rows[name] && !slices.Contains(nonAdminMethods, name) {
			t.Errorf("method %s is neither in the authorization matrix nor known to be device-side", name)
		}
		delete(rows, name)
	}
	for name := range rows {
		t.Errorf("row %s names no method of the Service", name)
	}
}

// matrixRoles are the columns of the matrix: the built-in roles, and for
// each operation a custom role holding only its permission and one holding
// every other permission (both unscoped, so that scope plays no part), and
// a principal without roles.
func matrixRoles(perm authz.Permission) []authz.Role {
	others := slices.DeleteFunc(authz.Permissions(), func(p authz.Permission) bool { return p == perm })
	return append(authz.BuiltinRoles(),
		authz.Role{Name: "only " + string(perm), Permissions: []authz.Permission{perm}, Unscoped: true},
		authz.Role{Name: "all but " + string(perm), Permissions: others, Unscoped: true},
		authz.Role{Name: "no role"},
	)
}

// TestAuthorizationMatrix: every administrative method × every role. An
// allowed call succeeds and each write appends audit entries naming the
// principal and the operation; a refused call fails with ErrForbidden,
// naming the permission, and changes nothing and audits nothing.
func TestAuthorizationMatrix(t *testing.T) {
	for _, c := range adminCases() {
		t.Run(c.op, func(t *testing.T) {
			for _, role := range matrixRoles(c.perm) {
				t.Run(role.Name, func(t *testing.T) {
					fx := newAuthzFixture(t, nil)
					p := authz.Principal{ID: "operator@contoso.com"}
					if role.Name != "no role" {
						p.Roles = []authz.Role{role}
					}
					audits, feed := auditLen(t, fx.svc), lastChange(t, fx.svc)
					err := c.run(asPrincipal(p), fx)
					want := role.Grants(c.perm)
					switch {
					case want && err != nil:
						t.Fatalf("refused: %v", err)
					case !want:
						if !errors.Is(err, secmgmt.ErrForbidden) {
							t.Fatalf("err = %v, want ErrForbidden", err)
						}
						var fe *authz.ForbiddenError
						if !errors.As(err, &fe) || fe.Permission != c.perm || fe.PrincipalID != p.ID {
							t.Fatalf("err = %#v, want a ForbiddenError for %s naming %s", fe, c.perm, p.ID)
						}
						if n := auditLen(t, fx.svc); n != audits {
							t.Fatalf("refused call appended %d audit entries", n-audits)
						}
						if f := lastChange(t, fx.svc); f != feed {
							t.Fatalf("refused call changed the store (feed %d -> %d)", feed, f)
						}
						return
					}
					added := auditSince(t, fx.svc, audits)
					if !c.write {
						if len(added) != 0 {
							t.Fatalf("read appended audit entries: %+v", added[0])
						}
						return
					}
					if len(added) == 0 {
						t.Fatal("write appended no audit entry")
					}
					for _, e := range added {
						if e.PrincipalID != p.ID || e.Operation != c.op || e.ObjectKind == "" || e.At.IsZero() {
							t.Errorf("audit entry %+v", *e)
						}
					}
				})
			}
		})
	}
}

// TestDefaultRefuses: without WithAuthorizer every administrative method is
// refused, and device-side operations still work.
func TestDefaultRefuses(t *testing.T) {
	fx := newAuthzFixture(t, nil)
	st := fx.svc.Store()
	svc, err := secmgmt.New(secmgmt.WithStore(st))
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	deflt := &authzFixture{svc: svc, admin: fx.admin, baseline: fx.baseline, unused: fx.unused}
	for _, c := range adminCases() {
		// The fixture's helper reads go through the admin context: on the
		// default service they are refused too, which is what is tested.
		err := c.run(fx.admin, deflt)
		if !errors.Is(err, secmgmt.ErrForbidden) {
			t.Errorf("%s: err = %v, want ErrForbidden", c.op, err)
		}
	}
	if _, err := svc.Onboard(context.Background(), "win-09", facts(enrollment.PlatformWindows, enrollment.ManagementTag)); err != nil {
		t.Fatalf("Onboard on the default service: %v", err)
	}
	resp, err := svc.Transport(fx.creds["win-01"]).CheckIn(context.Background(), transport.CheckIn{DeviceID: "win-01"})
	if err != nil || resp.Configuration == nil {
		t.Fatalf("CheckIn on the default service: %v", err)
	}
}

// TestDeviceSideUnaffected: device-side operations need no principal and
// ignore the roles a context carries, even one that refuses everything;
// they are authorized by the device credential alone, and leave no audit
// entry.
func TestDeviceSideUnaffected(t *testing.T) {
	fx := newAuthzFixture(t, nil)
	svc := fx.svc
	nobody := asPrincipal(authz.Principal{ID: "guest@contoso.com"})
	for _, ctx := range []context.Context{context.Background(), nobody} {
		audits := auditLen(t, svc)
		tr := svc.Transport(fx.creds["win-01"])
		resp, err := tr.CheckIn(ctx, transport.CheckIn{DeviceID: "win-01"})
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Configuration.Settings) == 0 {
			t.Fatal("win-01 got no settings")
		}
		if err := svc.Authenticate(ctx, fx.creds["win-01"]); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.UpdateFacts(ctx, "win-03", facts(enrollment.PlatformWindows, enrollment.ManagementTag)); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Offboard(ctx, "win-03"); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Onboard(ctx, "win-03", facts(enrollment.PlatformWindows)); err != nil {
			t.Fatal(err)
		}
		if n := auditLen(t, svc); n != audits {
			t.Fatalf("device-side operations appended %d audit entries", n-audits)
		}
	}
	// A wrong credential is still refused, whatever the principal.
	bad := fx.creds["win-01"]
	bad.Secret = "not-the-secret"
	admin := fx.admin
	if err := svc.Authenticate(admin, bad); err == nil || errors.Is(err, secmgmt.ErrForbidden) {
		t.Fatalf("Authenticate with a wrong secret as an administrator: %v", err)
	}
}

// scopedFixture adds to the fixture a second administrative unit tagged
// "emea": group "emea-pcs" (static, win-04) and policy "emea" assigned to
// it, both tagged "emea" and nothing else.
func scopedFixture(t *testing.T, st store.Store) (*authzFixture, string) {
	t.Helper()
	fx := newAuthzFixture(t, st)
	ctx := fx.admin
	if _, err := fx.svc.CreateGroup(ctx, secmgmt.Group{ID: "emea-pcs", Members: []string{"win-04"}, RoleScopeTagIDs: []string{"emea"}}); err != nil {
		t.Fatal(err)
	}
	p := mustPolicy(t, winAVExcl, "emea", policy.Strings(excludedPath, `E:\Scratch`))
	p.RoleScopeTagIDs = []string{"emea"}
	p.Assignments = []*policy.Assignment{policy.Include("emea-pcs")}
	out, _, err := fx.svc.CreatePolicy(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	return fx, out.ID
}

var (
	defaultManager = authz.Principal{ID: "hq@contoso.com", Roles: []authz.Role{authz.EndpointSecurityManager()}}
	emeaManager    = authz.Principal{ID: "emea@contoso.com", Roles: []authz.Role{authz.EndpointSecurityManager()}, ScopeTags: []string{"emea"}}
	emeaReader     = authz.Principal{ID: "emea-ro@contoso.com", Roles: []authz.Role{authz.ReadOnlyOperator()}, ScopeTags: []string{"emea"}}
)

func ids[T any](t *testing.T, seq iter.Seq2[T, error], id func(T) string) []string {
	t.Helper()
	var out []string
	for v, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, id(v))
	}
	slices.Sort(out)
	return out
}

// TestScopeFiltersLists: a scoped administrator lists only the policies,
// groups and devices within its scope tags; an unscoped role lists all.
func TestScopeFiltersLists(t *testing.T) {
	fx, emea := scopedFixture(t, nil)
	svc := fx.svc
	tests := []struct {
		who                       authz.Principal
		policies, groups, devices []string
	}{
		{adminPrincipal, []string{"baseline", "emea", "unused"}, []string{"emea-pcs", "frozen", "pilot", "spare", "workstations"}, []string{"win-01", "win-02", "win-03", "win-04"}},
		{defaultManager, []string{"baseline", "unused"}, []string{"frozen", "pilot", "spare", "workstations"}, []string{"win-01", "win-02", "win-03"}},
		{emeaManager, []string{"emea"}, []string{"emea-pcs"}, []string{"win-04"}},
		{emeaReader, []string{"emea"}, []string{"emea-pcs"}, []string{"win-04"}},
	}
	for _, tt := range tests {
		t.Run(tt.who.ID, func(t *testing.T) {
			ctx := asPrincipal(tt.who)
			if got := ids(t, svc.Policies(ctx), func(p *policy.Policy) string { return p.Name }); !slices.Equal(got, tt.policies) {
				t.Errorf("Policies = %v, want %v", got, tt.policies)
			}
			if got := ids(t, svc.Groups(ctx), func(g *secmgmt.Group) string { return g.ID }); !slices.Equal(got, tt.groups) {
				t.Errorf("Groups = %v, want %v", got, tt.groups)
			}
			if got := ids(t, svc.Devices(ctx), func(d *secmgmt.Device) string { return d.ID }); !slices.Equal(got, tt.devices) {
				t.Errorf("Devices = %v, want %v", got, tt.devices)
			}
		})
	}
	// Out-of-scope objects are refused by id, with the object named.
	ctx := asPrincipal(emeaManager)
	for op, err := range map[string]error{
		"Policy":       func() error { _, _, err := svc.Policy(ctx, fx.baseline); return err }(),
		"Group":        func() error { _, err := svc.Group(ctx, "pilot"); return err }(),
		"Device":       func() error { _, err := svc.Device(ctx, "win-01"); return err }(),
		"DeviceReport": func() error { _, err := svc.DeviceReport(ctx, "win-01"); return err }(),
	} {
		var fe *authz.ForbiddenError
		if !errors.Is(err, secmgmt.ErrForbidden) || !errors.As(err, &fe) || fe.ObjectKind == "" || fe.ObjectID == "" {
			t.Errorf("%s out of scope: err = %v, want ErrForbidden naming the object", op, err)
		}
	}
	if _, _, err := svc.Policy(ctx, emea); err != nil {
		t.Errorf("Policy in scope: %v", err)
	}
	// win-04 is in scope, but its effective configuration merges the
	// baseline, which is not: the merge would show it.
	if _, err := svc.Device(ctx, "win-04"); err != nil {
		t.Errorf("Device in scope: %v", err)
	}
	if _, err := svc.EffectiveConfiguration(ctx, "win-04"); !errors.Is(err, secmgmt.ErrForbidden) {
		t.Errorf("EffectiveConfiguration with an out-of-scope policy: err = %v, want ErrForbidden", err)
	}
	if _, err := svc.EffectiveConfiguration(fx.admin, "win-04"); err != nil {
		t.Errorf("EffectiveConfiguration as admin: %v", err)
	}
}

// TestScopeFiltersReports: the report rows a scoped administrator gets
// are those of the devices and policies within its scope.
func TestScopeFiltersReports(t *testing.T) {
	fx, emea := scopedFixture(t, nil)
	svc := fx.svc
	for id, cred := range fx.creds {
		if id == "win-03" { // not enrolled: it has nothing to check in for
			continue
		}
		if _, err := svc.Transport(cred).CheckIn(context.Background(), transport.CheckIn{DeviceID: id}); err != nil {
			t.Fatal(err)
		}
	}
	policyNames := func(ctx context.Context) []string {
		ps, err := svc.ReportPolicies(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, p := range ps {
			out = append(out, p.Name)
		}
		slices.Sort(out)
		return out
	}
	aggregates := func(ctx context.Context) []string {
		rows, err := svc.PolicyReport(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range rows {
			out = append(out, r.Policy.ID)
		}
		slices.Sort(out)
		return out
	}
	records := func(ctx context.Context) []string {
		return ids(t, svc.DeviceRecords(ctx), func(r *report.DeviceRecord) string { return r.Device.ID })
	}
	enrolled := func(ctx context.Context) int {
		counts, err := svc.EnrollmentReport(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, c := range counts {
			n += c.Devices
		}
		return n
	}

	emeaCtx, hqCtx := asPrincipal(emeaReader), asPrincipal(defaultManager)
	if got := policyNames(emeaCtx); !slices.Equal(got, []string{"emea"}) {
		t.Errorf("emea ReportPolicies = %v", got)
	}
	if got := policyNames(hqCtx); !slices.Equal(got, []string{"baseline", "unused"}) {
		t.Errorf("hq ReportPolicies = %v", got)
	}
	if got := aggregates(emeaCtx); !slices.Equal(got, []string{emea}) {
		t.Errorf("emea PolicyReport = %v, want [%s]", got, emea)
	}
	if got := records(emeaCtx); !slices.Equal(got, []string{"win-04"}) {
		t.Errorf("emea DeviceRecords = %v", got)
	}
	if got := records(hqCtx); !slices.Equal(got, []string{"win-01", "win-02", "win-03"}) {
		t.Errorf("hq DeviceRecords = %v", got)
	}
	if got := records(fx.admin); !slices.Equal(got, []string{"win-01", "win-02", "win-03", "win-04"}) {
		t.Errorf("admin DeviceRecords = %v", got)
	}
	if e, h, a := enrolled(emeaCtx), enrolled(hqCtx), enrolled(fx.admin); e != 1 || h != 3 || a != 4 {
		t.Errorf("EnrollmentReport devices: emea %d, hq %d, admin %d; want 1, 3, 4", e, h, a)
	}
	stale := func(ctx context.Context) []string {
		ds, err := svc.StaleDevices(ctx, report.Staleness{})
		if err != nil {
			t.Fatal(err)
		}
		out := []string{}
		for _, d := range ds {
			out = append(out, d.ID)
		}
		return out
	}
	// win-03 never checked in: a stale device of the Default scope only.
	if e, h := stale(emeaCtx), stale(hqCtx); len(e) != 0 || !slices.Equal(h, []string{"win-03"}) {
		t.Errorf("StaleDevices: emea %v, hq %v", e, h)
	}
	// A device in scope shows only the policies in scope.
	drill := func(ctx context.Context) []string {
		r, err := svc.DeviceReport(ctx, "win-04")
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, row := range r.Policies {
			out = append(out, row.Policy.Name)
		}
		for _, row := range r.Settings {
			if row.Policy.Name != "emea" && ctx == emeaCtx {
				t.Errorf("emea DeviceReport shows a setting of %q", row.Policy.Name)
			}
		}
		slices.Sort(out)
		return out
	}
	if e, a := drill(emeaCtx), drill(fx.admin); !slices.Equal(e, []string{"emea"}) || !slices.Equal(a, []string{"baseline", "emea"}) {
		t.Errorf("DeviceReport(win-04) policies: emea %v, admin %v", e, a)
	}
	if _, err := svc.SettingReport(emeaCtx, fx.baseline); !errors.Is(err, secmgmt.ErrForbidden) {
		t.Errorf("SettingReport out of scope: err = %v, want ErrForbidden", err)
	}
	if _, err := svc.PolicyDeviceReport(emeaCtx, fx.baseline); !errors.Is(err, secmgmt.ErrForbidden) {
		t.Errorf("PolicyDeviceReport out of scope: err = %v, want ErrForbidden", err)
	}
	rows, err := svc.PolicyDeviceReport(emeaCtx, emea)
	if err != nil || len(rows) != 1 || rows[0].Device.ID != "win-04" {
		t.Errorf("PolicyDeviceReport in scope = %+v, %v", rows, err)
	}
}

// TestAssignOutOfScopeGroup: a scoped Endpoint Security Manager may not
// assign a policy it reaches to a group outside its scope (nor to all
// devices); the refusal names the group, changes nothing and audits
// nothing. Assigning to a group in scope is allowed and audited.
func TestAssignOutOfScopeGroup(t *testing.T) {
	fx, emea := scopedFixture(t, nil)
	svc := fx.svc
	ctx := asPrincipal(emeaManager)
	for _, as := range [][]*policy.Assignment{
		{policy.Include("emea-pcs"), policy.Include("pilot")},
		{policy.Include("workstations")},
		{policy.Exclude("pilot")},
		{policy.AllDevices()},
	} {
		audits, feed := auditLen(t, svc), lastChange(t, svc)
		_, err := svc.AssignPolicy(ctx, emea, as)
		if !errors.Is(err, secmgmt.ErrForbidden) {
			t.Fatalf("assign %v: err = %v, want ErrForbidden", as, err)
		}
		var fe *authz.ForbiddenError
		if !errors.As(err, &fe) || fe.Permission != authz.PoliciesAssign {
			t.Errorf("assign %v: err = %v, want a ForbiddenError for policies.assign", as, err)
		}
		if auditLen(t, svc) != audits || lastChange(t, svc) != feed {
			t.Fatalf("assign %v: a refused assignment changed the store", as)
		}
	}
	got, err := svc.Assignments(fx.admin, emea)
	if err != nil || len(got) != 1 || got[0].Target.GroupID != "emea-pcs" {
		t.Fatalf("assignments after refusals = %v, %v", got, err)
	}
	// A policy out of scope is refused even toward an in-scope group.
	if _, err := svc.AssignPolicy(ctx, fx.unused, []*policy.Assignment{policy.Include("emea-pcs")}); !errors.Is(err, secmgmt.ErrForbidden) {
		t.Fatalf("assign an out-of-scope policy: err = %v", err)
	}
	// Creating a policy that carries an out-of-scope assignment is refused.
	p := mustPolicy(t, winAV, "sneaky", policy.Choice(realtime, realtime+"_1"))
	p.Assignments = []*policy.Assignment{policy.Include("pilot")}
	if _, _, err := svc.CreatePolicy(ctx, p); !errors.Is(err, secmgmt.ErrForbidden) {
		t.Fatalf("create with an out-of-scope assignment: err = %v", err)
	}
	// In scope: allowed and audited.
	audits := auditLen(t, svc)
	if _, err := svc.AssignPolicy(ctx, emea, []*policy.Assignment{policy.Include("emea-pcs"), policy.Exclude("emea-pcs")}); err != nil {
		t.Fatalf("assign in scope: %v", err)
	}
	added := auditSince(t, svc, audits)
	if len(added) != 1 || added[0].PrincipalID != emeaManager.ID || added[0].Operation != "AssignPolicy" || added[0].ObjectID != emea {
		t.Fatalf("audit after assign = %v", added)
	}
}

// TestAuditOnEveryBackend: on every store backend, each administrative
// write appends its entries in its transaction (who, what, when, the
// versions), a refused write appends none, and the trail can be queried by
// principal, operation, object and time and exported.
func TestAuditOnEveryBackend(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			st, _ := b.open(t)
			fx, emea := scopedFixture(t, st)
			svc := fx.svc
			start := auditLen(t, svc)
			if start == 0 {
				t.Fatal("the fixture's writes left no audit entry")
			}
			ctx := asPrincipal(emeaManager)
			p, v, err := svc.Policy(ctx, emea)
			if err != nil {
				t.Fatal(err)
			}
			p.Name = "emea v2"
			v2, err := svc.UpdatePolicy(ctx, p, v)
			if err != nil {
				t.Fatal(err)
			}
			// Refused: out of scope, no permission, stale version.
			if _, err := svc.UpdatePolicy(ctx, mustPolicyWithID(t, fx.baseline), 1); !errors.Is(err, secmgmt.ErrForbidden) {
				t.Fatalf("update out of scope: %v", err)
			}
			if _, err := svc.CreateGroup(ctx, secmgmt.Group{ID: "x"}); !errors.Is(err, secmgmt.ErrForbidden) {
				t.Fatalf("create group without groups.write: %v", err)
			}
			if _, err := svc.UpdatePolicy(ctx, p, v); !errors.Is(err, secmgmt.ErrConflict) {
				t.Fatalf("stale update: %v", err)
			}
			if err := svc.DeletePolicy(ctx, emea); err != nil {
				t.Fatal(err)
			}
			added := auditSince(t, svc, start)
			if len(added) != 2 {
				t.Fatalf("audit entries = %d, want 2 (update, delete): %+v", len(added), added)
			}
			up, del := added[0], added[1]
			if up.Operation != "UpdatePolicy" || up.PrincipalID != emeaManager.ID || up.ObjectKind != "policy" ||
				up.ObjectID != emea || up.BeforeVersion != v || up.AfterVersion != v2 || up.Detail == "" {
				t.Errorf("update entry %+v", *up)
			}
			if del.Operation != "DeletePolicy" || del.BeforeVersion != v2 || del.AfterVersion != 0 || del.Seq <= up.Seq {
				t.Errorf("delete entry %+v", *del)
			}

			// Queries through the service.
			q := func(ctx context.Context, q store.AuditQuery) []*store.AuditEntry {
				var out []*store.AuditEntry
				for e, err := range svc.Audit(ctx, q) {
					if err != nil {
						t.Fatal(err)
					}
					out = append(out, e)
				}
				return out
			}
			if got := q(fx.admin, store.AuditQuery{PrincipalID: emeaManager.ID}); len(got) != 2 {
				t.Errorf("by principal: %d entries", len(got))
			}
			if got := q(fx.admin, store.AuditQuery{ObjectKind: "policy", ObjectID: emea}); len(got) != 3 {
				t.Errorf("by object: %d entries, want 3 (create, update, delete)", len(got))
			}
			if got := q(fx.admin, store.AuditQuery{Operation: "CreateGroup"}); len(got) != 5 {
				t.Errorf("by operation: %d entries, want 5", len(got))
			}
			if got := q(fx.admin, store.AuditQuery{From: up.At.Add(1)}); len(got) != 0 {
				t.Errorf("after the last change: %d entries", len(got))
			}
			if got := q(fx.admin, store.AuditQuery{After: up.Seq}); len(got) != 1 || got[0].Seq != del.Seq {
				t.Errorf("resumed after the update: %v", got)
			}
			// A principal without audit.read is refused.
			noAudit := asPrincipal(authz.Principal{ID: "x", Roles: []authz.Role{{Name: "policies", Permissions: []authz.Permission{authz.PoliciesRead}}}})
			if err := drain(svc.Audit(noAudit, store.AuditQuery{})); !errors.Is(err, secmgmt.ErrForbidden) {
				t.Errorf("Audit without audit.read: %v", err)
			}
			// Export.
			var csv strings.Builder
			if err := secmgmt.AuditTable(slices.Values(added)).WriteCSV(&csv); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(csv.String()), "\n")
			if len(lines) != 3 || !strings.HasPrefix(lines[0], "Id,ActivityDateTime,Actor,Activity,") ||
				!strings.Contains(lines[2], "DeletePolicy") || !strings.Contains(lines[2], ",Delete,") {
				t.Errorf("CSV export:\n%s", csv.String())
			}
		})
	}
}

// mustPolicyWithID is a valid policy body with the id of an existing
// policy, for updates.
func mustPolicyWithID(t *testing.T, id string) *policy.Policy {
	p := mustPolicy(t, winAV, "hijacked", policy.Choice(realtime, realtime+"_0"))
	p.ID = id
	return p
}

// TestScopedAuditView: a scoped reader sees the audit entries of the
// objects within its scope, the tenant's, and its own.
func TestScopedAuditView(t *testing.T) {
	fx, emea := scopedFixture(t, nil)
	var kinds []string
	for e, err := range fx.svc.Audit(asPrincipal(emeaReader), store.AuditQuery{}) {
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case e.ObjectKind == "tenant", e.ObjectID == emea, e.ObjectID == "emea-pcs", e.ObjectID == "win-04":
		default:
			t.Errorf("scoped reader sees %+v", *e)
		}
		kinds = append(kinds, fmt.Sprintf("%s/%s", e.ObjectKind, e.ObjectID))
	}
	if !slices.Contains(kinds, "policy/"+emea) || !slices.Contains(kinds, "group/emea-pcs") {
		t.Errorf("scoped reader's audit view %v lacks its own objects", kinds)
	}
}

// TestAuditEveryWriteEveryBackend: on every store backend, every
// administrative write appends audit entries naming the caller, the
// operation and the object with its versions, read back from the store;
// the same write refused (the caller lacks the permission) appends none
// and changes nothing.
func TestAuditEveryWriteEveryBackend(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			for _, c := range adminCases() {
				if !c.write {
					continue
				}
				t.Run(c.op, func(t *testing.T) {
					st, _ := b.open(t)
					fx := newAuthzFixture(t, st)
					audits, feed := auditLen(t, fx.svc), lastChange(t, fx.svc)
					others := slices.DeleteFunc(authz.Permissions(), func(p authz.Permission) bool { return p == c.perm })
					refused := authz.Principal{ID: "nope@contoso.com", Roles: []authz.Role{{Name: "others", Permissions: others, Unscoped: true}}}
					if err := c.run(asPrincipal(refused), fx); !errors.Is(err, secmgmt.ErrForbidden) {
						t.Fatalf("without %s: err = %v", c.perm, err)
					}
					if auditLen(t, fx.svc) != audits || lastChange(t, fx.svc) != feed {
						t.Fatal("a refused write changed the store or the audit trail")
					}
					if err := c.run(fx.admin, fx); err != nil {
						t.Fatal(err)
					}
					added := auditSince(t, fx.svc, audits)
					if len(added) == 0 {
						t.Fatal("no audit entry")
					}
					// A sync request and a new credential change the
					// device's enrollment record or credential, not the
					// versioned device record: its version stays.
					sameVersion := c.op == "PolicySync" || c.op == "ReissueCredential"
					for _, e := range added {
						if e.PrincipalID != adminPrincipal.ID || e.Operation != c.op || e.ObjectKind == "" ||
							(e.BeforeVersion == e.AfterVersion) != sameVersion || e.Detail == "" || !e.At.Equal(newFakeClock().Now()) {
							t.Errorf("entry %+v", *e)
						}
						if c.op == "PolicySync" && e.Detail != "policy sync requested" {
							t.Errorf("sync detail %q", e.Detail)
						}
						if e.ObjectKind != "tenant" && e.ObjectID == "" {
							t.Errorf("entry without object id: %+v", *e)
						}
					}
				})
			}
		})
	}
}

// TestAuditTableJSON: the audit export in the Graph reports shape, one row
// per entry, typed columns, operation types as Intune's audit events name
// them.
func TestAuditTableJSON(t *testing.T) {
	fx := newAuthzFixture(t, nil)
	if _, err := fx.svc.AssignPolicy(fx.admin, fx.unused, []*policy.Assignment{policy.Include("pilot")}); err != nil {
		t.Fatal(err)
	}
	if err := fx.svc.DeleteGroup(fx.admin, "spare"); err != nil {
		t.Fatal(err)
	}
	var entries []*store.AuditEntry
	for e, err := range fx.svc.Audit(fx.admin, store.AuditQuery{}) {
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, e)
	}
	var buf strings.Builder
	if err := secmgmt.AuditTable(slices.Values(entries)).WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Schema []struct {
			Column       string
			PropertyType string
		}
		Values        [][]any
		TotalRowCount int
	}
	if err := json.Unmarshal([]byte(buf.String()), &doc); err != nil {
		t.Fatalf("%v:\n%s", err, buf.String())
	}
	var cols []string
	for _, c := range doc.Schema {
		cols = append(cols, c.Column+":"+c.PropertyType)
	}
	want := []string{"Id:Int64", "ActivityDateTime:DateTime", "Actor:String", "Activity:String", "ActivityOperationType:String",
		"ResourceType:String", "ResourceId:String", "OldVersion:Int64", "NewVersion:Int64", "Details:String"}
	if !slices.Equal(cols, want) {
		t.Fatalf("schema %v, want %v", cols, want)
	}
	if doc.TotalRowCount != len(entries) || len(doc.Values) != len(entries) {
		t.Fatalf("%d rows, TotalRowCount %d, want %d", len(doc.Values), doc.TotalRowCount, len(entries))
	}
	types := map[string]string{}
	for _, row := range doc.Values {
		types[row[3].(string)] = row[4].(string)
		if row[2] != adminPrincipal.ID || row[1] != "2025-03-14T09:00:00Z" {
			t.Errorf("row %v", row)
		}
	}
	for op, typ := range map[string]string{"CreateGroup": "Create", "SetTenant": "Patch", "AssignPolicy": "Action", "DeleteGroup": "Delete", "CreatePolicy": "Create"} {
		if types[op] != typ {
			t.Errorf("%s: ActivityOperationType %q, want %q", op, types[op], typ)
		}
	}
}

// TestScopedGroupWrites: a scoped group administrator's new groups get its
// scope tags; it may not tag objects with tags it does not hold, add a
// device out of its reach to a group, change a group out of its reach, or
// set a membership rule (which could select any device).
func TestScopedGroupWrites(t *testing.T) {
	fx, _ := scopedFixture(t, nil)
	svc := fx.svc
	role, err := authz.NewRole("EMEA groups", authz.GroupsRead, authz.GroupsWrite)
	if err != nil {
		t.Fatal(err)
	}
	ctx := asPrincipal(authz.Principal{ID: "emea-groups@contoso.com", Roles: []authz.Role{role}, ScopeTags: []string{"emea"}})
	g, err := svc.CreateGroup(ctx, secmgmt.Group{ID: "emea-2"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(g.RoleScopeTagIDs, []string{"emea"}) {
		t.Errorf("new group tagged %v, want the creator's [emea]", g.RoleScopeTagIDs)
	}
	if _, err := svc.AddGroupMembers(ctx, "emea-2", "win-04"); err != nil {
		t.Errorf("add a device in scope: %v", err)
	}
	audits, feed := auditLen(t, svc), lastChange(t, svc)
	for name, err := range map[string]error{
		"tag it does not hold": func() error {
			_, err := svc.CreateGroup(ctx, secmgmt.Group{ID: "emea-3", RoleScopeTagIDs: []string{"emea", "apac"}})
			return err
		}(),
		"device out of reach": func() error { _, err := svc.AddGroupMembers(ctx, "emea-2", "win-01"); return err }(),
		"group out of reach":  func() error { _, err := svc.AddGroupMembers(ctx, "pilot", "win-04"); return err }(),
		"rule": func() error {
			_, err := svc.SetGroupRule(ctx, "emea-2", `device.deviceOSType -eq "Windows"`)
			return err
		}(),
		"new dynamic group": func() error {
			_, err := svc.CreateGroup(ctx, secmgmt.Group{ID: "emea-4", MembershipRule: `device.deviceOSType -eq "Windows"`})
			return err
		}(),
		"delete out of reach": svc.DeleteGroup(ctx, "spare"),
	} {
		if !errors.Is(err, secmgmt.ErrForbidden) {
			t.Errorf("%s: err = %v, want ErrForbidden", name, err)
		}
	}
	if auditLen(t, svc) != audits || lastChange(t, svc) != feed {
		t.Error("refused group writes changed the store")
	}
}
