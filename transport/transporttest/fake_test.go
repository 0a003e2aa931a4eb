package transporttest

import (
	"context"
	"errors"
	"testing"

	"github.com/secmgmt/secmgmt/transport"
)

func TestFakeServerAdministration(t *testing.T) {
	s := NewFakeServer()
	for name, err := range map[string]error{
		"SetConfiguration": s.SetConfiguration("ghost", nil),
		"Revoke":           s.Revoke("ghost"),
		"SetManaged":       s.SetManaged("ghost", true),
		"RequestSync":      s.RequestSync("ghost"),
	} {
		if !errors.Is(err, ErrUnknownDevice) {
			t.Errorf("%s of an unknown device: %v", name, err)
		}
	}
	if s.CheckIns("ghost") != 0 || s.ReportCount("ghost") != 0 || s.Reports("ghost") != nil || s.Waiting("ghost") != 0 {
		t.Error("counters of an unknown device")
	}
	s.AddDevice("dev", "x")
	if err := s.SetConfiguration("dev", nil); err != nil {
		t.Fatal(err)
	}
	resp, err := s.CheckIn(context.Background(), transport.CheckIn{DeviceID: "dev"})
	if err != nil || resp.Configuration.Version != EmptyVersion {
		t.Fatalf("%+v %v", resp, err)
	}
	if err := s.WaitSync(context.Background(), "ghost"); !errors.Is(err, transport.ErrUnauthenticated) {
		t.Errorf("WaitSync of an unknown device: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Authenticate(ctx, transport.Credential{DeviceID: "dev", Secret: "x"}); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled Authenticate: %v", err)
	}
	if _, err := s.CheckIn(ctx, transport.CheckIn{DeviceID: "dev"}); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled CheckIn: %v", err)
	}
	if err := s.ReportStatus(ctx, transport.StatusReport{}); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled ReportStatus: %v", err)
	}
}
