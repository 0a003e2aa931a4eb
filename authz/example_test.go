package authz_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"

	"github.com/secmgmt/secmgmt/authz"
)

func ExampleRoleBased() {
	a := authz.RoleBased()
	ctx := authz.NewContext(context.Background(), authz.Principal{
		ID:        "ana@contoso.com",
		Roles:     []authz.Role{authz.EndpointSecurityManager()},
		ScopeTags: []string{"12"},
	})
	g, err := a.Authorize(ctx, authz.PoliciesAssign)
	fmt.Println(g.PrincipalID(), g.Tags(), err)
	fmt.Println(g.Sees([]string{"12", "0"}), g.Sees(nil))
	_, err = a.Authorize(ctx, authz.ScopeWrite)
	fmt.Println(errors.Is(err, authz.ErrForbidden))
	fmt.Println(err)
	// Output:
	// ana@contoso.com [12] <nil>
	// true false
	// true
	// authz: forbidden: principal "ana@contoso.com": scope.write: none of its roles (Endpoint Security Manager) grants it
}

func ExampleAllowAll() {
	g, err := authz.AllowAll().Authorize(context.Background(), authz.DevicesDelete)
	fmt.Println(g.IsUnscoped(), err)
	// Output: true <nil>
}

func ExampleDenyAll() {
	_, err := authz.DenyAll().Authorize(context.Background(), authz.PoliciesRead)
	fmt.Println(errors.Is(err, authz.ErrForbidden))
	// Output: true
}

func ExampleAuthorizerFunc() {
	// An authorizer of the embedding program: service accounts may read,
	// nothing else.
	a := authz.AuthorizerFunc(func(ctx context.Context, perm authz.Permission) (authz.Grant, error) {
		p, ok := authz.FromContext(ctx)
		if ok && perm == authz.ReportsRead {
			return authz.Unscoped(p.ID), nil
		}
		return authz.Grant{}, &authz.ForbiddenError{PrincipalID: p.ID, Permission: perm, Reason: "service accounts only read reports"}
	})
	ctx := authz.NewContext(context.Background(), authz.Principal{ID: "svc-posture"})
	_, err := a.Authorize(ctx, authz.ReportsRead)
	fmt.Println(err)
	_, err = a.Authorize(ctx, authz.PoliciesWrite)
	fmt.Println(err)
	// Output:
	// <nil>
	// authz: forbidden: principal "svc-posture": policies.write: service accounts only read reports
}

func ExampleNewContext() {
	ctx := authz.NewContext(context.Background(), authz.Principal{ID: "ana@contoso.com", Roles: []authz.Role{authz.ReadOnlyOperator()}})
	p, ok := authz.FromContext(ctx)
	fmt.Println(ok, p.ID, p.Roles[0].Name)
	// Output: true ana@contoso.com Read Only Operator
}

func ExampleFromContext() {
	_, ok := authz.FromContext(context.Background())
	fmt.Println(ok)
	// Output: false
}

func ExampleNewRole() {
	r, err := authz.NewRole("Posture auditor", authz.AuditRead, authz.ReportsRead, authz.PoliciesRead)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(r.Permissions, r.Grants(authz.PoliciesWrite))
	_, err = authz.NewRole("Root", "everything.write")
	fmt.Println(err)
	// Output:
	// [policies.read reports.read audit.read] false
	// authz: role "Root": unknown permission "everything.write"
}

func ExampleRole_UnmarshalJSON() {
	var r authz.Role
	err := json.Unmarshal([]byte(`{"name": "Tagger", "permissions": ["devices.tag", "devices.read"]}`), &r)
	fmt.Println(r.Name, r.Permissions, r.Unscoped, err)
	// Output: Tagger [devices.read devices.tag] false <nil>
}

func ExampleBuiltinRoles() {
	for _, r := range authz.BuiltinRoles() {
		fmt.Printf("%s (unscoped %v): %d permissions\n", r.Name, r.Unscoped, len(r.Permissions))
	}
	// Output:
	// Intune Administrator (unscoped true): 14 permissions
	// Security Administrator (unscoped true): 7 permissions
	// Endpoint Security Manager (unscoped false): 10 permissions
	// Read Only Operator (unscoped false): 6 permissions
}

func ExamplePermissions() {
	fmt.Println(authz.Permissions()[:3], authz.Permission("policies.read").Valid())
	// Output: [policies.read policies.write policies.assign] true
}

func ExamplePrincipal_Validate() {
	p := authz.Principal{ID: "ana@contoso.com", ScopeTags: []string{"emea pcs"}}
	fmt.Println(p.Validate())
	// Output: authz: principal "ana@contoso.com": scope tag "emea pcs" holds spaces
}

func ExampleCheckScopeTag() {
	fmt.Printf("%q %q\n", authz.CheckScopeTag("12"), authz.CheckScopeTag(""))
	// Output: "" "is empty"
}

func ExampleScoped() {
	g := authz.Scoped("ana@contoso.com", "7", "3")
	fmt.Println(g.Tags(), g.Holds("7"), g.Sees([]string{"5"}), g.Sees([]string{"5", "3"}))
	// Output: [3 7] true false true
}

func ExampleUnscoped() {
	g := authz.Unscoped("admin@contoso.com")
	fmt.Println(g.IsUnscoped(), g.Sees([]string{"anything"}))
	// Output: true true
}

func ExampleForbiddenError() {
	var err error = &authz.ForbiddenError{PrincipalID: "ana@contoso.com", Permission: authz.PoliciesAssign,
		ObjectKind: "group", ObjectID: "finance", Reason: "the group is outside the principal's scope"}
	var fe *authz.ForbiddenError
	fmt.Println(errors.Is(err, authz.ErrForbidden), errors.As(err, &fe) && fe.ObjectID == "finance")
	// Output: true true
}

func ExampleIntuneAdministrator() {
	r := authz.IntuneAdministrator()
	fmt.Println(r, r.Unscoped, r.Grants(authz.ScopeWrite), r.Grants(authz.PoliciesAssign))
	// Output: Intune Administrator true true true
}

func ExampleSecurityAdministrator() {
	r := authz.SecurityAdministrator()
	fmt.Println(r, r.Unscoped, r.Grants(authz.ScopeWrite), r.Grants(authz.PoliciesWrite))
	// Output: Security Administrator true true false
}

func ExampleEndpointSecurityManager() {
	r := authz.EndpointSecurityManager()
	fmt.Println(r, r.Unscoped, r.Grants(authz.PoliciesAssign), r.Grants(authz.ScopeWrite))
	// Output: Endpoint Security Manager false true false
}

func ExampleReadOnlyOperator() {
	r := authz.ReadOnlyOperator()
	fmt.Println(r, r.Permissions)
	// Output: Read Only Operator [policies.read groups.read scope.read devices.read reports.read audit.read]
}

func ExampleRole_Validate() {
	fmt.Println(authz.Role{Name: "Helpdesk", Permissions: []authz.Permission{"devices.wipe"}}.Validate())
	// Output: authz: role "Helpdesk": unknown permission "devices.wipe"
}

func ExamplePermission_UnmarshalText() {
	var p authz.Permission
	fmt.Println(p.UnmarshalText([]byte("devices.tag")), p)
	fmt.Println(p.UnmarshalText([]byte("devices.wipe")), p)
	// Output:
	// <nil> devices.tag
	// authz: unknown permission "devices.wipe" devices.tag
}

func ExampleGrant_Sees() {
	g := authz.Scoped("ana@contoso.com") // no tags: the Default tag
	fmt.Println(g.Sees(nil), g.Sees([]string{"0", "12"}), g.Sees([]string{"12"}))
	// Output: true true false
}
