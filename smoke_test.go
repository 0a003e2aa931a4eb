package secmgmt_test

import (
	"context"
	"testing"

	"github.com/secmgmt/secmgmt"
	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/transport"
)

func TestSmoke(t *testing.T) {
	ctx := context.Background()
	svc, err := secmgmt.New(secmgmt.WithClock(newFakeClock()), secmgmt.WithSeed(1))
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	setTenant(t, svc, inScope())
	g, err := svc.CreateGroup(ctx, secmgmt.Group{ID: "g-win", DisplayName: "Windows", MembershipRule: `device.deviceOSType -eq "Windows"`})
	if err != nil {
		t.Fatal(err)
	}
	p := mustPolicy(t, winAV, "AV", policy.Choice(realtime, realtime+"_1"))
	p.Assignments = []*policy.Assignment{policy.Include(g.ID)}
	p, _, err = svc.CreatePolicy(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	en, err := svc.Onboard(ctx, "dev-1", facts(enrollment.PlatformWindows, "MDE-Management"), secmgmt.DisplayName("PC-1"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("record: %+v", en.Record.State)
	tr := svc.Transport(en.Credential)
	resp, err := tr.CheckIn(ctx, transport.CheckIn{DeviceID: "dev-1"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Configuration == nil || len(resp.Configuration.Settings) != 1 {
		t.Fatalf("config %+v", resp)
	}
	resp2, err := tr.CheckIn(ctx, transport.CheckIn{DeviceID: "dev-1", ConfigurationVersion: resp.Configuration.Version})
	if err != nil || !resp2.NotModified {
		t.Fatal(err, resp2)
	}
	t.Logf("stats %+v", svc.Stats())
	agg, err := svc.PolicyReport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("agg %+v", agg)
	_ = p
}
