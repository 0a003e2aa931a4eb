package secmgmt_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"slices"
	"time"

	"github.com/secmgmt/secmgmt"
	"github.com/secmgmt/secmgmt/authz"
	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/store"
)

// exampleClock is a fixed clock, for repeatable audit times.
type exampleClock struct{}

func (exampleClock) Now() time.Time { return time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC) }

// Administrators with roles and scope tags: an Endpoint Security Manager
// scoped to "emea" authors a policy for its group, and is refused a group
// out of its scope and the tenant's enforcement scope.
func ExampleWithAuthorizer() {
	svc, err := secmgmt.New(secmgmt.WithAuthorizer(authz.RoleBased()), secmgmt.WithClock(exampleClock{}), secmgmt.WithSeed(1))
	if err != nil {
		log.Fatal(err)
	}
	defer svc.Close()
	admin := authz.NewContext(context.Background(), authz.Principal{
		ID: "admin@contoso.com", Roles: []authz.Role{authz.IntuneAdministrator()}})
	emea := authz.NewContext(context.Background(), authz.Principal{
		ID: "emea@contoso.com", Roles: []authz.Role{authz.EndpointSecurityManager()}, ScopeTags: []string{"emea"}})

	if _, err := svc.CreateGroup(admin, secmgmt.Group{ID: "emea-pcs", RoleScopeTagIDs: []string{"emea"}}); err != nil {
		log.Fatal(err)
	}
	if _, err := svc.CreateGroup(admin, secmgmt.Group{ID: "finance"}); err != nil {
		log.Fatal(err)
	}
	p, err := policy.NewPolicy(svc.Catalog(), winAV, "EMEA antivirus", policy.Choice(realtime, realtime+"_1"))
	if err != nil {
		log.Fatal(err)
	}
	p.Assignments = []*policy.Assignment{policy.Include("emea-pcs")}
	created, _, err := svc.CreatePolicy(emea, p)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("created, tagged", created.RoleScopeTagIDs)

	_, err = svc.AssignPolicy(emea, created.ID, []*policy.Assignment{policy.Include("finance")})
	fmt.Println("assign to finance:", errors.Is(err, secmgmt.ErrForbidden))
	_, v, _ := svc.Tenant(admin)
	tn, _, _ := svc.Tenant(emea)
	_, err = svc.SetTenant(emea, tn, v)
	var fe *authz.ForbiddenError
	fmt.Println("change the scope:", errors.As(err, &fe), fe.Permission)

	// Without a principal, nothing administrative is allowed.
	_, _, err = svc.Tenant(context.Background())
	fmt.Println("anonymous:", errors.Is(err, secmgmt.ErrForbidden))
	// Output:
	// created, tagged [emea]
	// assign to finance: true
	// change the scope: true scope.write
	// anonymous: true
}

// The audit trail: who changed what, queried by principal.
func ExampleService_Audit() {
	svc, err := secmgmt.New(secmgmt.WithAuthorizer(authz.RoleBased()), secmgmt.WithClock(exampleClock{}), secmgmt.WithSeed(1))
	if err != nil {
		log.Fatal(err)
	}
	defer svc.Close()
	ctx := authz.NewContext(context.Background(), authz.Principal{
		ID: "admin@contoso.com", Roles: []authz.Role{authz.IntuneAdministrator()}})
	g, err := svc.CreateGroup(ctx, secmgmt.Group{ID: "pilot"})
	if err != nil {
		log.Fatal(err)
	}
	g.DisplayName = "Pilot ring"
	if _, err := svc.UpdateGroup(ctx, *g); err != nil {
		log.Fatal(err)
	}
	for e, err := range svc.Audit(ctx, store.AuditQuery{PrincipalID: "admin@contoso.com", ObjectKind: "group"}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(e.Seq, e.At.Format(time.RFC3339), e.Operation, e.ObjectID, e.BeforeVersion, "->", e.AfterVersion)
	}
	// Output:
	// 1 2025-03-14T09:00:00Z CreateGroup pilot 0 -> 1
	// 2 2025-03-14T09:00:00Z UpdateGroup pilot 1 -> 2
}

// Exporting the audit trail as CSV (WriteJSON gives the Graph reports
// shape).
func ExampleAuditTable() {
	svc, err := secmgmt.New(secmgmt.WithAuthorizer(authz.AllowAll()), secmgmt.WithClock(exampleClock{}), secmgmt.WithSeed(1))
	if err != nil {
		log.Fatal(err)
	}
	defer svc.Close()
	ctx := authz.NewContext(context.Background(), authz.Principal{ID: "ops@contoso.com"})
	if _, err := svc.CreateGroup(ctx, secmgmt.Group{ID: "pilot", DisplayName: "Pilot"}); err != nil {
		log.Fatal(err)
	}
	if err := svc.DeleteGroup(ctx, "pilot"); err != nil {
		log.Fatal(err)
	}
	var entries []*store.AuditEntry
	for e, err := range svc.Audit(ctx, store.AuditQuery{}) {
		if err != nil {
			log.Fatal(err)
		}
		entries = append(entries, e)
	}
	if err := secmgmt.AuditTable(slices.Values(entries)).WriteCSV(os.Stdout); err != nil {
		log.Fatal(err)
	}
	// Output:
	// Id,ActivityDateTime,Actor,Activity,ActivityOperationType,ResourceType,ResourceId,OldVersion,NewVersion,Details
	// 1,2025-03-14T09:00:00Z,ops@contoso.com,CreateGroup,Create,group,pilot,0,1,"created ""Pilot"": static, 0 members, scope tags [0]"
	// 2,2025-03-14T09:00:00Z,ops@contoso.com,DeleteGroup,Delete,group,pilot,1,0,"deleted ""Pilot"""
}
