package agent_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/secmgmt/secmgmt/agent"
	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/report"
	"github.com/secmgmt/secmgmt/transport"
	"github.com/secmgmt/secmgmt/transport/httptransport"
	"github.com/secmgmt/secmgmt/transport/transporttest"
)

// TestAgentOverHTTP runs an agent against the HTTP transport: a round, a
// not-modified round, and a policy sync that wakes Run.
func TestAgentOverHTTP(t *testing.T) {
	clock := newFakeClock(epoch)
	srv := transporttest.NewFakeServer(transporttest.FakeClock(clock.Now))
	cred := srv.AddDevice("dev", "secret")
	if err := srv.SetConfiguration("dev", &transport.Configuration{Version: "v1", Platform: policy.DeviceLinux,
		Settings: []*policy.SettingInstance{policy.Choice(linux+"cloudservice_enabled", linux+"cloudservice_enabled_false")}}); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(httptransport.NewHandler(srv))
	defer ts.Close()
	c, err := httptransport.NewClient(ts.URL, cred)
	if err != nil {
		t.Fatal(err)
	}
	a, err := agent.New("dev", policy.DeviceLinux, c, agent.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	round, err := a.CheckIn(context.Background())
	if err != nil || !round.Modified || !round.Reported || !round.NextCheckIn.Equal(epoch.Add(90*time.Minute)) {
		t.Fatalf("%+v %v", round, err)
	}
	if reps := srv.Reports("dev"); len(reps) != 1 || reps[0].Results[0].Status != report.StatusSucceeded || reps[0].Results[0].Value != "false" {
		t.Fatalf("reports %+v", reps)
	}
	if want := "{\n  \"cloudService\": {\n    \"enabled\": false\n  }\n}\n"; string(a.Rendered().File) != want {
		t.Fatalf("rendered %s", a.Rendered().File)
	}
	stop := run(t, a)
	if tm := clock.nextTimer(t); tm.d != 90*time.Minute {
		t.Fatalf("waits %v", tm.d)
	}
	eventually(t, "the agent's long poll", func() bool { return srv.Waiting("dev") > 0 })
	if err := srv.RequestSync("dev"); err != nil {
		t.Fatal(err)
	}
	clock.nextTimer(t)
	if n := srv.CheckIns("dev"); n != 3 {
		t.Fatalf("%d check-ins", n)
	}
	stop()
	if srv.ReportCount("dev") != 1 {
		t.Fatal("a not-modified round reported")
	}
}
