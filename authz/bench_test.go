package authz_test

import (
	"context"
	"testing"

	"github.com/secmgmt/secmgmt/authz"
)

// BenchmarkRoleBased measures one decision of the built-in authorizer for
// a principal with two roles and three scope tags.
func BenchmarkRoleBased(b *testing.B) {
	ctx := authz.NewContext(context.Background(), authz.Principal{
		ID:        "ana@contoso.com",
		Roles:     []authz.Role{authz.ReadOnlyOperator(), authz.EndpointSecurityManager()},
		ScopeTags: []string{"12", "0", "7"},
	})
	a := authz.RoleBased()
	b.ReportAllocs()
	for b.Loop() {
		g, err := a.Authorize(ctx, authz.PoliciesAssign)
		if err != nil || !g.Holds("7") {
			b.Fatal(g, err)
		}
	}
}
