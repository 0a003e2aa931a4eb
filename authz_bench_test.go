package secmgmt_test

import (
	"context"
	"testing"

	"github.com/secmgmt/secmgmt"
	"github.com/secmgmt/secmgmt/authz"
	"github.com/secmgmt/secmgmt/policy"
)

// BenchmarkAdminRead measures what authorization adds to an administrative
// read (Policy by id) of a service holding 100 policies: the allow-all
// authorizer, the role-based one with an unscoped role, and with a scoped
// role (the policy's scope tags checked under the read lock).
func BenchmarkAdminRead(b *testing.B) {
	for _, bc := range []struct {
		name string
		a    authz.Authorizer
		p    authz.Principal
	}{
		{"AllowAll", authz.AllowAll(), authz.Principal{ID: "svc"}},
		{"RoleBased/unscoped", authz.RoleBased(), authz.Principal{ID: "admin", Roles: []authz.Role{authz.IntuneAdministrator()}}},
		{"RoleBased/scoped", authz.RoleBased(), authz.Principal{ID: "esm", Roles: []authz.Role{authz.EndpointSecurityManager()}, ScopeTags: []string{"0", "12"}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			svc, err := secmgmt.New(secmgmt.WithAuthorizer(bc.a), secmgmt.WithSeed(1))
			if err != nil {
				b.Fatal(err)
			}
			defer svc.Close()
			ctx := authz.NewContext(context.Background(), bc.p)
			admin := authz.NewContext(context.Background(), authz.Principal{ID: "admin", Roles: []authz.Role{authz.IntuneAdministrator()}})
			var id string
			for i := range 100 {
				p := mustPolicy(b, winAV, "p", policy.Choice(realtime, realtime+"_1"))
				p.RoleScopeTagIDs = []string{[]string{"0", "12", "34"}[i%3]}
				out, _, err := svc.CreatePolicy(admin, p)
				if err != nil {
					b.Fatal(err)
				}
				if i == 1 {
					id = out.ID
				}
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := svc.Policy(ctx, id); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
