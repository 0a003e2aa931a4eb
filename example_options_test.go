package secmgmt_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"math/rand/v2"
	"os"
	"time"

	"github.com/secmgmt/secmgmt"
	"github.com/secmgmt/secmgmt/authz"
	"github.com/secmgmt/secmgmt/conflict"
	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/identity"
	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/store"
	"github.com/secmgmt/secmgmt/store/memstore"
	"github.com/secmgmt/secmgmt/transport"
)

// inScopeStore is a store holding a tenant configuration that puts every
// platform in scope, as an earlier run of the service would have left it.
func inScopeStore() *memstore.Store {
	st := memstore.New()
	t := enrollment.DefaultTenant()
	t.IntuneEnforcement = true
	t.Scope = enrollment.Scope{
		WindowsClient: enrollment.ScopeAll,
		WindowsServer: enrollment.ScopeAll,
		MacOS:         enrollment.ScopeAll,
		Linux:         enrollment.ScopeAll,
	}
	if _, err := st.PutTenant(context.Background(), &store.Tenant{Config: t}); err != nil {
		log.Fatal(err)
	}
	return st
}

// exampleNoon is the time the examples' fixed clock reads.
var exampleNoon = time.Date(2025, 6, 2, 12, 0, 0, 0, time.UTC)

func ExampleDisplayName() {
	ctx := context.Background()
	st := inScopeStore()
	defer st.Close()
	svc, err := secmgmt.New(secmgmt.WithStore(st))
	if err != nil {
		log.Fatal(err)
	}
	defer svc.Close()
	en, err := svc.Onboard(ctx, "srv-1", enrollment.HealthyFacts(enrollment.PlatformWindowsServer), secmgmt.DisplayName("SQL-PROD-01"))
	if err != nil {
		log.Fatal(err)
	}
	// The synthetic directory object the device gets carries the name.
	d, err := st.Device(ctx, "srv-1")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(en.Record.DisplayName, d.Object.DisplayName, d.Object.Registration)
	// Output: SQL-PROD-01 SQL-PROD-01 synthetic
}

func ExampleClockFunc_Now() {
	clk := secmgmt.ClockFunc(func() time.Time { return exampleNoon })
	fmt.Println(clk.Now())
	// Output: 2025-06-02 12:00:00 +0000 UTC
}

func ExampleWithClock() {
	ctx := context.Background()
	st := inScopeStore()
	defer st.Close()
	svc, err := secmgmt.New(secmgmt.WithStore(st),
		secmgmt.WithClock(secmgmt.ClockFunc(func() time.Time { return exampleNoon })))
	if err != nil {
		log.Fatal(err)
	}
	defer svc.Close()
	en, err := svc.Onboard(ctx, "db-7", enrollment.HealthyFacts(enrollment.PlatformLinux))
	if err != nil {
		log.Fatal(err)
	}
	// Every transition, and the enrollment's check-in, is stamped by the clock.
	for _, t := range en.Record.History {
		fmt.Println(t.At.Format(time.RFC3339), t.From, "->", t.To)
	}
	fmt.Println("last check-in:", en.Record.LastCheckIn.Format(time.RFC3339))
	// Output:
	// 2025-06-02T12:00:00Z notOnboarded -> onboarded
	// 2025-06-02T12:00:00Z onboarded -> surveyed
	// 2025-06-02T12:00:00Z surveyed -> inScope
	// 2025-06-02T12:00:00Z inScope -> enrolled
	// last check-in: 2025-06-02T12:00:00Z
}

// nextCheckIn onboards a Linux device on a new service made with opts and
// returns how long after enrollment its next check-in is due.
func nextCheckIn(opts ...secmgmt.Option) time.Duration {
	st := inScopeStore()
	defer st.Close()
	opts = append(opts, secmgmt.WithStore(st), secmgmt.WithClock(secmgmt.ClockFunc(func() time.Time { return exampleNoon })))
	svc, err := secmgmt.New(opts...)
	if err != nil {
		log.Fatal(err)
	}
	defer svc.Close()
	en, err := svc.Onboard(context.Background(), "db-7", enrollment.HealthyFacts(enrollment.PlatformLinux))
	if err != nil {
		log.Fatal(err)
	}
	return en.Record.NextCheckIn.Sub(exampleNoon)
}

// The check-in jitter comes from the seeded source: the same seed gives
// the same schedule.
func ExampleWithSeed() {
	a, b := nextCheckIn(secmgmt.WithSeed(7)), nextCheckIn(secmgmt.WithSeed(7))
	fmt.Println(a == b, a > 0)
	// Output: true true
}

func ExampleWithRand() {
	a := nextCheckIn(secmgmt.WithRand(rand.NewPCG(1, 2)))
	b := nextCheckIn(secmgmt.WithRand(rand.NewPCG(1, 2)))
	fmt.Println(a == b)
	// Output: true
}

// The service logs its changes at Info (device requests at Debug); a text
// handler without the time shows what it says.
func ExampleWithLogger() {
	st := inScopeStore()
	defer st.Close()
	h := slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		Level: slog.LevelInfo,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	})
	svc, err := secmgmt.New(secmgmt.WithStore(st), secmgmt.WithLogger(slog.New(h)))
	if err != nil {
		log.Fatal(err)
	}
	defer svc.Close()
	if _, err := svc.Onboard(context.Background(), "db-7", enrollment.HealthyFacts(enrollment.PlatformLinux)); err != nil {
		log.Fatal(err)
	}
	// Output: level=INFO msg="change committed" op=Onboard changes=2
}

func ExampleWithCatalog() {
	cat := policy.Builtin()
	svc, err := secmgmt.New(secmgmt.WithCatalog(cat))
	if err != nil {
		log.Fatal(err)
	}
	defer svc.Close()
	_, ok := svc.Catalog().Template(linuxAV)
	fmt.Println(svc.Catalog() == cat, ok)
	// Output: true true
}

// The mode is the tenant's when the store holds no tenant configuration
// yet: the service starts the tenant in legacy mode. (A store that has one
// keeps its own.)
func ExampleWithMode() {
	ctx := context.Background()
	st := memstore.New()
	defer st.Close()
	svc, err := secmgmt.New(secmgmt.WithStore(st), secmgmt.WithMode(enrollment.ModeLegacy))
	if err != nil {
		log.Fatal(err)
	}
	defer svc.Close()
	t, err := st.Tenant(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(t.Config.Mode)
	// Output: legacy
}

func ExampleWithDirectoryQuota() {
	ctx := context.Background()
	st := inScopeStore()
	defer st.Close()
	svc, err := secmgmt.New(secmgmt.WithStore(st), secmgmt.WithDirectoryQuota(1))
	if err != nil {
		log.Fatal(err)
	}
	defer svc.Close()
	for _, id := range []string{"db-7", "db-8"} {
		en, err := svc.Onboard(ctx, id, enrollment.HealthyFacts(enrollment.PlatformLinux))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(id, en.Record.Status)
		if en.Record.Status.Failed() {
			fmt.Println("  ", en.Record.Cause)
		}
	}
	// Output:
	// db-7 success
	// db-8 generalError
	//    the directory refused the registration: identity: directory quota of 1 device objects exceeded: the changes would leave 2: General error
}

// Two instances share one store. The second looks at the change feed
// before every request (interval 0), so it knows the device the first
// onboarded at once.
func ExampleWithSyncInterval() {
	ctx := context.Background()
	st := inScopeStore()
	defer st.Close()
	a, err := secmgmt.New(secmgmt.WithStore(st))
	if err != nil {
		log.Fatal(err)
	}
	defer a.Close()
	b, err := secmgmt.New(secmgmt.WithStore(st), secmgmt.WithSyncInterval(0))
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	en, err := a.Onboard(ctx, "db-7", enrollment.HealthyFacts(enrollment.PlatformLinux))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("authenticated by b:", b.Authenticate(ctx, en.Credential) == nil)
	// Output: authenticated by b: true
}

// With a flush interval, a device's last check-in reaches the store with
// the next flush, or when the service closes; the service's own views have
// it at once.
func ExampleWithCheckInFlush() {
	ctx := context.Background()
	st := inScopeStore()
	defer st.Close()
	clk := newFakeClock()
	svc, err := secmgmt.New(secmgmt.WithStore(st), secmgmt.WithClock(clk), secmgmt.WithCheckInFlush(time.Hour))
	if err != nil {
		log.Fatal(err)
	}
	en, err := svc.Onboard(ctx, "db-7", enrollment.HealthyFacts(enrollment.PlatformLinux))
	if err != nil {
		log.Fatal(err)
	}
	clk.Advance(8 * time.Hour)
	if _, err := svc.Transport(en.Credential).CheckIn(ctx, transport.CheckIn{DeviceID: "db-7"}); err != nil {
		log.Fatal(err)
	}
	stored := func() string {
		c, err := st.LastCheckIn(ctx, "db-7")
		if err != nil {
			log.Fatal(err)
		}
		return c.At.Format(time.RFC3339)
	}
	fmt.Println("in the store:", stored())
	if err := svc.Close(); err != nil {
		log.Fatal(err)
	}
	fmt.Println("after Close: ", stored())
	// Output:
	// in the store: 2025-03-14T09:00:00Z
	// after Close:  2025-03-14T17:00:00Z
}

// Twenty onboardings append forty feed entries; the service keeps the
// latest eight in the store.
func ExampleWithChangeFeedRetention() {
	ctx := context.Background()
	st := inScopeStore()
	defer st.Close()
	svc, err := secmgmt.New(secmgmt.WithStore(st), secmgmt.WithChangeFeedRetention(8))
	if err != nil {
		log.Fatal(err)
	}
	defer svc.Close()
	for i := range 20 {
		if _, err := svc.Onboard(ctx, fmt.Sprintf("db-%02d", i), enrollment.HealthyFacts(enrollment.PlatformLinux)); err != nil {
			log.Fatal(err)
		}
	}
	last, err := st.LastChange(ctx)
	if err != nil {
		log.Fatal(err)
	}
	kept, err := st.Changes(ctx, 0, 1000)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("appended:", last, "kept:", len(kept))
	// Output: appended: 40 kept: 8
}

// The environment fails the registration of one device with code 13, a
// documented connectivity failure.
func ExampleWithRegistrar() {
	ctx := context.Background()
	st := inScopeStore()
	defer st.Close()
	reg := enrollment.RegistrarFunc(func(r enrollment.RegistrationRequest) enrollment.Code {
		if r.DeviceID == "db-8" {
			return 13
		}
		return 0
	})
	svc, err := secmgmt.New(secmgmt.WithStore(st), secmgmt.WithRegistrar(reg))
	if err != nil {
		log.Fatal(err)
	}
	defer svc.Close()
	for _, id := range []string{"db-7", "db-8"} {
		en, err := svc.Onboard(ctx, id, enrollment.HealthyFacts(enrollment.PlatformLinux))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(id, en.Record.Status, en.Record.Code)
	}
	// Output:
	// db-7 success 1
	// db-8 connectivityIssue 13
}

// A macOS device on agent 101.23052.0004 that enrolls with its existing
// full registration also gets a duplicate synthetic object.
func ExampleWithMacOSDuplicateIssue() {
	ctx := context.Background()
	st := inScopeStore()
	defer st.Close()
	svc, err := secmgmt.New(secmgmt.WithStore(st), secmgmt.WithMacOSDuplicateIssue())
	if err != nil {
		log.Fatal(err)
	}
	defer svc.Close()
	f := enrollment.HealthyFacts(enrollment.PlatformMacOS)
	f.AgentVersion = "101.23052.0004"
	f.EntraRegistration = enrollment.RegistrationRegistered
	en, err := svc.Onboard(ctx, "mac-1", f)
	if err != nil {
		log.Fatal(err)
	}
	dup, err := st.Device(ctx, identity.DuplicateDeviceID("mac-1"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("enrolled with:", en.Record.Registration)
	fmt.Println("duplicate:", dup.Object.Registration, dup.Object.DeviceOSType)
	// Output:
	// enrolled with: existing
	// duplicate: synthetic macOS
}

// Two devices whose merges have the same inputs share one effective
// configuration: two recomputations, one merge.
func ExampleWithConfigurationCache() {
	ctx := context.Background()
	st := inScopeStore()
	defer st.Close()
	svc, err := secmgmt.New(secmgmt.WithStore(st), secmgmt.WithConfigurationCache(64))
	if err != nil {
		log.Fatal(err)
	}
	defer svc.Close()
	for _, id := range []string{"db-7", "db-8"} {
		en, err := svc.Onboard(ctx, id, enrollment.HealthyFacts(enrollment.PlatformLinux))
		if err != nil {
			log.Fatal(err)
		}
		if _, err := svc.Transport(en.Credential).CheckIn(ctx, transport.CheckIn{DeviceID: id}); err != nil {
			log.Fatal(err)
		}
	}
	s := svc.Stats()
	fmt.Println("recomputations:", s.Recomputations, "merges:", s.Merges)
	// Output: recomputations: 2 merges: 1
}

// Two policies disagree on Linux real-time protection. The service
// withholds such a setting by default; with the documented tie-break the
// more secure value is delivered.
func ExampleWithConflictResolver() {
	ctx := context.Background()
	st := inScopeStore()
	defer st.Close()
	svc, err := secmgmt.New(secmgmt.WithStore(st), secmgmt.WithSeed(1), secmgmt.WithAuthorizer(authz.AllowAll()),
		secmgmt.WithConflictResolver(conflict.TieBreak(conflict.DefaultRanking())))
	if err != nil {
		log.Fatal(err)
	}
	defer svc.Close()
	for _, v := range []string{"_true", "_false"} {
		p, err := policy.NewPolicy(svc.Catalog(), linuxAV, "Linux RTP"+v, policy.Choice(linuxRTP, linuxRTP+v))
		if err != nil {
			log.Fatal(err)
		}
		p.Assignments = []*policy.Assignment{policy.AllDevices()}
		if _, _, err := svc.CreatePolicy(ctx, p); err != nil {
			log.Fatal(err)
		}
	}
	en, err := svc.Onboard(ctx, "db-7", enrollment.HealthyFacts(enrollment.PlatformLinux))
	if err != nil {
		log.Fatal(err)
	}
	resp, err := svc.Transport(en.Credential).CheckIn(ctx, transport.CheckIn{DeviceID: "db-7"})
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range resp.Configuration.Settings {
		v, _ := s.ChoiceItemID()
		fmt.Println(s.DefinitionID, "=", v)
	}
	// Output: linux_mdatp_managed_antivirusengine_enablerealtimeprotection = linux_mdatp_managed_antivirusengine_enablerealtimeprotection_true
}
