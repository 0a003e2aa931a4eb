package authz_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/secmgmt/secmgmt/authz"
)

func TestPermissions(t *testing.T) {
	all := authz.Permissions()
	if len(all) != 14 {
		t.Fatalf("%d permissions, want 14", len(all))
	}
	for _, p := range all {
		if !p.Valid() || p.String() != string(p) || !strings.Contains(string(p), ".") {
			t.Errorf("%q", p)
		}
		b, err := p.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back authz.Permission
		if err := back.UnmarshalText(b); err != nil || back != p {
			t.Errorf("round trip of %q: %q, %v", p, back, err)
		}
	}
	all[0] = "mutated"
	if authz.Permissions()[0] != authz.PoliciesRead {
		t.Error("Permissions shares its slice")
	}
	for _, bad := range []authz.Permission{"", "policies", "policies.delete", "POLICIES.READ", "policies.read "} {
		if bad.Valid() {
			t.Errorf("%q is valid", bad)
		}
		if _, err := bad.MarshalText(); err == nil {
			t.Errorf("MarshalText(%q) succeeded", bad)
		}
		p := authz.PoliciesRead
		if err := p.UnmarshalText([]byte(bad)); err == nil || p != authz.PoliciesRead {
			t.Errorf("UnmarshalText(%q) = %v, left %q", bad, err, p)
		}
	}
}

func TestNewRole(t *testing.T) {
	r, err := authz.NewRole("Auditor", authz.AuditRead, authz.ReportsRead, authz.AuditRead, authz.PoliciesRead)
	if err != nil {
		t.Fatal(err)
	}
	want := []authz.Permission{authz.PoliciesRead, authz.ReportsRead, authz.AuditRead}
	if !slices.Equal(r.Permissions, want) || r.Unscoped || r.String() != "Auditor" {
		t.Fatalf("role %+v, want permissions %v, scoped", r, want)
	}
	if !r.Grants(authz.AuditRead) || r.Grants(authz.PoliciesWrite) {
		t.Error("Grants")
	}
	for _, tt := range []struct {
		name  string
		perms []authz.Permission
	}{
		{"", nil},
		{"   ", nil},
		{strings.Repeat("x", 257), nil},
		{"bad\x00name", nil},
		{"bad\xffname", nil},
		{"Custom", []authz.Permission{authz.PoliciesRead, "policies.delete"}},
	} {
		if _, err := authz.NewRole(tt.name, tt.perms...); err == nil {
			t.Errorf("NewRole(%q, %v) succeeded", tt.name, tt.perms)
		}
	}
	if _, err := authz.NewRole("Nothing"); err != nil {
		t.Errorf("a role without permissions: %v", err)
	}
}

func TestBuiltinRoles(t *testing.T) {
	P := func(ps ...authz.Permission) []authz.Permission { return ps }
	want := []struct {
		name     string
		unscoped bool
		perms    []authz.Permission
	}{
		{authz.IntuneAdministratorName, true, authz.Permissions()},
		{authz.SecurityAdministratorName, true, P(authz.ScopeRead, authz.ScopeWrite, authz.DevicesRead, authz.DevicesTag,
			authz.DevicesDelete, authz.ReportsRead, authz.AuditRead)},
		{authz.EndpointSecurityManagerName, false, P(authz.PoliciesRead, authz.PoliciesWrite, authz.PoliciesAssign, authz.GroupsRead,
			authz.ScopeRead, authz.DevicesRead, authz.DevicesSync, authz.DevicesDelete, authz.ReportsRead, authz.AuditRead)},
		{authz.ReadOnlyOperatorName, false, P(authz.PoliciesRead, authz.GroupsRead, authz.ScopeRead, authz.DevicesRead,
			authz.ReportsRead, authz.AuditRead)},
	}
	roles := authz.BuiltinRoles()
	if len(roles) != len(want) {
		t.Fatalf("%d built-in roles", len(roles))
	}
	for i, r := range roles {
		w := want[i]
		if r.Name != w.name || r.Unscoped != w.unscoped || !slices.Equal(r.Permissions, w.perms) {
			t.Errorf("role %d = %+v, want %+v", i, r, w)
		}
		if err := r.Validate(); err != nil {
			t.Errorf("%s: %v", r.Name, err)
		}
	}
	// The division of labour.
	esm, sa, roo := authz.EndpointSecurityManager(), authz.SecurityAdministrator(), authz.ReadOnlyOperator()
	if sa.Grants(authz.PoliciesWrite) || !sa.Grants(authz.ScopeWrite) || esm.Grants(authz.ScopeWrite) || !esm.Grants(authz.PoliciesAssign) {
		t.Error("Security Administrator changes the scope, Endpoint Security Manager the policies")
	}
	for _, p := range roo.Permissions {
		if !strings.HasSuffix(string(p), ".read") {
			t.Errorf("Read Only Operator holds %s", p)
		}
	}
}

func TestRoleJSON(t *testing.T) {
	r := authz.SecurityAdministrator()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back authz.Role
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Name != r.Name || back.Unscoped != r.Unscoped || !slices.Equal(back.Permissions, r.Permissions) {
		t.Fatalf("round trip: %+v", back)
	}
	if err := json.Unmarshal([]byte(`{"name":"C","permissions":["reports.read","policies.read","reports.read"]}`), &back); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back.Permissions, []authz.Permission{authz.PoliciesRead, authz.ReportsRead}) || back.Unscoped {
		t.Errorf("normalised role %+v", back)
	}
	for _, bad := range []string{`{"name":""}`, `{"name":"C","permissions":["root"]}`, `{"name":1}`, `[`, `{"name":"C","permissions":"policies.read"}`} {
		keep := back
		if err := json.Unmarshal([]byte(bad), &back); err == nil {
			t.Errorf("%s accepted", bad)
		}
		if back.Name != keep.Name || !slices.Equal(back.Permissions, keep.Permissions) {
			t.Errorf("%s changed the role", bad)
		}
	}
}

func TestPrincipalValidate(t *testing.T) {
	ok := authz.Principal{ID: "ana@contoso.com", Roles: authz.BuiltinRoles(), ScopeTags: []string{"0", "12"}}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	many := make([]string, authz.MaxScopeTags+1)
	for i := range many {
		many[i] = "t" + strings.Repeat("x", i%5)
	}
	for name, p := range map[string]authz.Principal{
		"empty id":      {},
		"long id":       {ID: strings.Repeat("a", 257)},
		"control id":    {ID: "a\nb"},
		"bad utf-8 id":  {ID: "a\xffb"},
		"invalid role":  {ID: "a", Roles: []authz.Role{{Name: "", Permissions: nil}}},
		"unknown perm":  {ID: "a", Roles: []authz.Role{{Name: "r", Permissions: []authz.Permission{"x.y"}}}},
		"empty tag":     {ID: "a", ScopeTags: []string{""}},
		"spaced tag":    {ID: "a", ScopeTags: []string{"a b"}},
		"long tag":      {ID: "a", ScopeTags: []string{strings.Repeat("1", 129)}},
		"too many tags": {ID: "a", ScopeTags: many},
	} {
		if err := p.Validate(); err == nil {
			t.Errorf("%s: valid", name)
		}
	}
}

func TestCheckScopeTag(t *testing.T) {
	for tag, ok := range map[string]bool{
		"0": true, "12": true, "emea-pcs": true, "": false, "a b": false, "a\tb": false,
		"a\x00": false, "\xff": false, strings.Repeat("9", 128): true, strings.Repeat("9", 129): false,
	} {
		if got := authz.CheckScopeTag(tag) == ""; got != ok {
			t.Errorf("CheckScopeTag(%q) = %q", tag, authz.CheckScopeTag(tag))
		}
	}
}

func TestContext(t *testing.T) {
	if _, ok := authz.FromContext(context.Background()); ok {
		t.Fatal("a principal in the background context")
	}
	p := authz.Principal{ID: "a", Roles: []authz.Role{authz.ReadOnlyOperator()}, ScopeTags: []string{"1"}}
	ctx := authz.NewContext(context.Background(), p)
	p.ScopeTags[0] = "2"
	p.Roles[0].Permissions[0] = authz.PoliciesWrite
	got, ok := authz.FromContext(ctx)
	if !ok || got.ID != "a" || got.ScopeTags[0] != "1" || got.Roles[0].Permissions[0] != authz.PoliciesRead {
		t.Fatalf("the context's principal changed with the caller's: %+v", got)
	}
	got.ScopeTags[0] = "3"
	again, _ := authz.FromContext(ctx)
	if again.ScopeTags[0] != "1" {
		t.Fatal("FromContext shares the context's principal")
	}
}

func TestGrant(t *testing.T) {
	u := authz.Unscoped("a")
	if !u.IsUnscoped() || u.Tags() != nil || u.PrincipalID() != "a" || !u.Holds("anything") || !u.Sees(nil) || !u.Sees([]string{"x"}) {
		t.Errorf("unscoped grant %+v", u)
	}
	d := authz.Scoped("b")
	if d.IsUnscoped() || !slices.Equal(d.Tags(), []string{"0"}) {
		t.Errorf("Scoped without tags: %v", d.Tags())
	}
	s := authz.Scoped("c", "7", "3", "7")
	if !slices.Equal(s.Tags(), []string{"3", "7"}) {
		t.Errorf("tags %v, want sorted, each once", s.Tags())
	}
	tests := []struct {
		g    authz.Grant
		tags []string
		want bool
	}{
		{d, nil, true},
		{d, []string{"0"}, true},
		{d, []string{"0", "5"}, true},
		{d, []string{"5"}, false},
		{s, nil, false},
		{s, []string{"0"}, false},
		{s, []string{"1", "7"}, true},
		{s, []string{"3"}, true},
		{authz.Grant{}, nil, false},
		{authz.Grant{}, []string{"0"}, false},
	}
	for _, tt := range tests {
		if got := tt.g.Sees(tt.tags); got != tt.want {
			t.Errorf("%v Sees %v = %v", tt.g.Tags(), tt.tags, got)
		}
	}
	tags := s.Tags()
	tags[0] = "9"
	if s.Holds("9") {
		t.Error("Tags shares the grant's slice")
	}
}

func TestRoleBased(t *testing.T) {
	esm, sa := authz.EndpointSecurityManager(), authz.SecurityAdministrator()
	a := authz.RoleBased()
	tests := []struct {
		name     string
		ctx      context.Context
		perm     authz.Permission
		refused  bool
		unscoped bool
		tags     []string
	}{
		{"no principal", context.Background(), authz.PoliciesRead, true, false, nil},
		{"invalid principal", authz.NewContext(context.Background(), authz.Principal{}), authz.PoliciesRead, true, false, nil},
		{"unknown permission", authz.NewContext(context.Background(), authz.Principal{ID: "p", Roles: []authz.Role{authz.IntuneAdministrator()}}), "x.y", true, false, nil},
		{"no role", authz.NewContext(context.Background(), authz.Principal{ID: "p"}), authz.PoliciesRead, true, false, nil},
		{"role lacks it", authz.NewContext(context.Background(), authz.Principal{ID: "p", Roles: []authz.Role{sa}}), authz.PoliciesWrite, true, false, nil},
		{"scoped, default", authz.NewContext(context.Background(), authz.Principal{ID: "p", Roles: []authz.Role{esm}}), authz.PoliciesWrite, false, false, []string{"0"}},
		{"scoped, tags", authz.NewContext(context.Background(), authz.Principal{ID: "p", Roles: []authz.Role{esm}, ScopeTags: []string{"5", "2"}}), authz.PoliciesWrite, false, false, []string{"2", "5"}},
		{"unscoped role", authz.NewContext(context.Background(), authz.Principal{ID: "p", Roles: []authz.Role{sa}, ScopeTags: []string{"5"}}), authz.ScopeWrite, false, true, nil},
		{"unscoped wins", authz.NewContext(context.Background(), authz.Principal{ID: "p", Roles: []authz.Role{esm, sa}, ScopeTags: []string{"5"}}), authz.DevicesDelete, false, true, nil},
		{"scoped role grants what the unscoped lacks", authz.NewContext(context.Background(), authz.Principal{ID: "p", Roles: []authz.Role{sa, esm}, ScopeTags: []string{"5"}}), authz.PoliciesRead, false, false, []string{"5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := a.Authorize(tt.ctx, tt.perm)
			if tt.refused {
				var fe *authz.ForbiddenError
				if !errors.Is(err, authz.ErrForbidden) || !errors.As(err, &fe) || fe.Permission != tt.perm || fe.Reason == "" {
					t.Fatalf("err = %v, want a ForbiddenError for %s", err, tt.perm)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if g.PrincipalID() != "p" || g.IsUnscoped() != tt.unscoped || !slices.Equal(g.Tags(), tt.tags) {
				t.Fatalf("grant %q unscoped=%v tags=%v", g.PrincipalID(), g.IsUnscoped(), g.Tags())
			}
		})
	}
}

func TestAllowAllDenyAll(t *testing.T) {
	ctx := authz.NewContext(context.Background(), authz.Principal{ID: "svc"})
	for _, p := range authz.Permissions() {
		g, err := authz.AllowAll().Authorize(ctx, p)
		if err != nil || !g.IsUnscoped() || g.PrincipalID() != "svc" {
			t.Errorf("AllowAll %s: %v %v", p, g, err)
		}
		g, err = authz.AllowAll().Authorize(context.Background(), p)
		if err != nil || !g.IsUnscoped() || g.PrincipalID() != "" {
			t.Errorf("AllowAll without principal %s: %v", p, err)
		}
		_, err = authz.DenyAll().Authorize(ctx, p)
		var fe *authz.ForbiddenError
		if !errors.As(err, &fe) || !errors.Is(err, authz.ErrForbidden) || fe.PrincipalID != "svc" || fe.Permission != p {
			t.Errorf("DenyAll %s: %v", p, err)
		}
	}
}

func TestAuthorizerFunc(t *testing.T) {
	calls := 0
	var a authz.Authorizer = authz.AuthorizerFunc(func(ctx context.Context, perm authz.Permission) (authz.Grant, error) {
		calls++
		if perm == authz.ReportsRead {
			return authz.Scoped("f", "1"), nil
		}
		return authz.Grant{}, &authz.ForbiddenError{Permission: perm}
	})
	if g, err := a.Authorize(context.Background(), authz.ReportsRead); err != nil || !g.Holds("1") {
		t.Error(g, err)
	}
	if _, err := a.Authorize(context.Background(), authz.ScopeWrite); !errors.Is(err, authz.ErrForbidden) {
		t.Error(err)
	}
	if calls != 2 {
		t.Errorf("%d calls", calls)
	}
}

func TestForbiddenError(t *testing.T) {
	tests := []struct {
		err  authz.ForbiddenError
		want string
	}{
		{authz.ForbiddenError{}, "authz: forbidden"},
		{authz.ForbiddenError{Permission: authz.ScopeWrite}, "authz: forbidden: scope.write"},
		{authz.ForbiddenError{PrincipalID: "ana", Permission: authz.PoliciesAssign, ObjectKind: "group", ObjectID: "g1", Reason: "out of scope"},
			`authz: forbidden: principal "ana": policies.assign on group "g1": out of scope`},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
		if !errors.Is(&tt.err, authz.ErrForbidden) || errors.Is(&tt.err, errors.New("authz: forbidden")) {
			t.Error("errors.Is")
		}
	}
}

// FuzzRoleJSON: any input is a valid role or an error, never a panic, and
// an accepted role reads back the same.
func FuzzRoleJSON(f *testing.F) {
	for _, r := range authz.BuiltinRoles() {
		b, _ := json.Marshal(r)
		f.Add(b)
	}
	f.Add([]byte(`{"name":"C","permissions":["x"]}`))
	f.Add([]byte(`{"name":"\u0000"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var r authz.Role
		if err := json.Unmarshal(data, &r); err != nil {
			return
		}
		if err := r.Validate(); err != nil {
			t.Fatalf("accepted an invalid role: %v", err)
		}
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		var back authz.Role
		if err := json.Unmarshal(b, &back); err != nil || back.Name != r.Name || back.Unscoped != r.Unscoped || !slices.Equal(back.Permissions, r.Permissions) {
			t.Fatalf("round trip: %+v, %v", back, err)
		}
	})
}
