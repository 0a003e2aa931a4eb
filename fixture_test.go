package secmgmt_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/secmgmt/secmgmt"
	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/policy"
)

// Templates and setting ids the tests use.
const (
	winAV        = "804339ad-1553-4478-a742-138fb5807418_1"
	winAVExcl    = "45fea5e9-280d-4da1-9792-fb5736da0ca9_1"
	macAV        = "2d345ec2-c817-49e5-9156-3ed416dc972a_1"
	linuxAV      = "4cfd164c-5e8a-4ea9-b15d-9aa71e4ffff4_1"
	defender     = "device_vendor_msft_policy_config_defender_"
	linuxRTP     = "linux_mdatp_managed_antivirusengine_enablerealtimeprotection"
	macRTP       = "com.apple.managedclient.preferences_enablerealtimeprotection"
	cloudBlock   = defender + "cloudblocklevel"
	realtime     = defender + "allowrealtimemonitoring"
	excludedPath = defender + "excludedpaths"
)

// fakeClock is a settable clock, safe for concurrent use.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// mustPolicy builds a policy from a template or fails the test.
func mustPolicy(t testing.TB, template, name string, settings ...*policy.SettingInstance) *policy.Policy {
	t.Helper()
	p, err := policy.NewPolicy(policy.Builtin(), template, name, settings...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// facts returns healthy facts of a platform with tags.
func facts(p enrollment.Platform, tags ...string) enrollment.Facts {
	f := enrollment.HealthyFacts(p)
	f.Tags = tags
	return f
}

// inScope is a tenant with the Intune toggle on and every platform in
// scope ("all" for servers, macOS and Linux, "tagged" for Windows clients).
func inScope() enrollment.Tenant {
	t := enrollment.DefaultTenant()
	t.IntuneEnforcement = true
	t.Scope = enrollment.Scope{
		WindowsClient: enrollment.ScopeTagged,
		WindowsServer: enrollment.ScopeAll,
		MacOS:         enrollment.ScopeAll,
		Linux:         enrollment.ScopeAll,
	}
	return t
}

// setTenant sets the tenant or fails.
func setTenant(t testing.TB, svc *secmgmt.Service, tn enrollment.Tenant) {
	t.Helper()
	ctx := context.Background()
	_, v, err := svc.Tenant(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetTenant(ctx, tn, v); err != nil {
		t.Fatal(err)
	}
}
