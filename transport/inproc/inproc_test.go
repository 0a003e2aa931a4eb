package inproc_test

import (
	"context"
	"testing"

	"github.com/secmgmt/secmgmt/transport"
	"github.com/secmgmt/secmgmt/transport/inproc"
	"github.com/secmgmt/secmgmt/transport/transporttest"
)

func TestConformance(t *testing.T) {
	transporttest.Run(t, func(t *testing.T, srv transport.Server, cred transport.Credential) transport.Transport {
		return inproc.New(srv, cred)
	})
}

// plainServer is a Server without policy sync.
type plainServer struct{ fake *transporttest.FakeServer }

func (s plainServer) Authenticate(ctx context.Context, c transport.Credential) error {
	return s.fake.Authenticate(ctx, c)
}
func (s plainServer) CheckIn(ctx context.Context, r transport.CheckIn) (*transport.CheckInResponse, error) {
	return s.fake.CheckIn(ctx, r)
}
func (s plainServer) ReportStatus(ctx context.Context, r transport.StatusReport) error {
	return s.fake.ReportStatus(ctx, r)
}

func TestPlainAndMissingServer(t *testing.T) {
	fake := transporttest.NewFakeServer()
	cred := fake.AddDevice("dev", "x")
	tr := inproc.New(plainServer{fake}, cred)
	if _, ok := tr.(transport.SyncTransport); ok {
		t.Fatal("a transport to a server without policy sync carries it")
	}
	if _, err := tr.CheckIn(context.Background(), transport.CheckIn{DeviceID: "dev"}); err != nil {
		t.Fatal(err)
	}
	none := inproc.New(nil, cred)
	if _, err := none.CheckIn(context.Background(), transport.CheckIn{DeviceID: "dev"}); err == nil {
		t.Fatal("a transport without a server answered")
	}
}

// BenchmarkCheckInNotModified is the overhead of the in-process transport
// on the hot path: authenticate, check, delegate.
func BenchmarkCheckInNotModified(b *testing.B) {
	fake := transporttest.NewFakeServer()
	cred := fake.AddDevice("dev", "secret")
	tr := inproc.New(fake, cred)
	ctx := context.Background()
	req := transport.CheckIn{DeviceID: "dev", ConfigurationVersion: transporttest.EmptyVersion}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tr.CheckIn(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkServerCheckInNotModified is the same check-in on the server
// directly, for comparison.
func BenchmarkServerCheckInNotModified(b *testing.B) {
	fake := transporttest.NewFakeServer()
	cred := fake.AddDevice("dev", "secret")
	ctx := context.Background()
	req := transport.CheckIn{DeviceID: "dev", ConfigurationVersion: transporttest.EmptyVersion}
	b.ReportAllocs()
	for b.Loop() {
		if err := fake.Authenticate(ctx, cred); err != nil {
			b.Fatal(err)
		}
		if _, err := fake.CheckIn(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}
