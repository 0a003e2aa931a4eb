package httptransport_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/report"
	"github.com/secmgmt/secmgmt/transport"
	"github.com/secmgmt/secmgmt/transport/httptransport"
	"github.com/secmgmt/secmgmt/transport/transporttest"
)

// benchConfiguration is a realistic Windows configuration: the 52 settings
// of the full antivirus fixture policy (about 40 KB of JSON).
func benchConfiguration(b *testing.B) *transport.Configuration {
	data, err := os.ReadFile("../../policy/testdata/graph/windows-antivirus-full.json")
	if err != nil {
		b.Fatal(err)
	}
	p, err := policy.DecodeGraph(data)
	if err != nil {
		b.Fatal(err)
	}
	cfg := &transport.Configuration{Version: "3f7a9c2e5b1d4a6f", Platform: policy.DeviceWindows}
	for _, s := range p.Settings {
		cfg.Settings = append(cfg.Settings, s.Instance)
	}
	return cfg
}

// loopback is a handler in front of a FakeServer with n devices on a
// loopback listener, and one client per device sharing a connection pool.
func loopback(b *testing.B, n int, cfg *transport.Configuration) []*httptransport.Client {
	srv := transporttest.NewFakeServer()
	ts := httptest.NewServer(httptransport.NewHandler(srv))
	b.Cleanup(ts.Close)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = n
	hc := &http.Client{Transport: tr}
	b.Cleanup(tr.CloseIdleConnections)
	clients := make([]*httptransport.Client, n)
	for i := range clients {
		id := fmt.Sprintf("device-%04d", i)
		cred := srv.AddDevice(id, fmt.Sprintf("secret-%04d-5e2b9d", i))
		if err := srv.SetConfiguration(id, cfg); err != nil {
			b.Fatal(err)
		}
		c, err := httptransport.NewClient(ts.URL, cred, httptransport.WithHTTPClient(hc))
		if err != nil {
			b.Fatal(err)
		}
		clients[i] = c
	}
	return clients
}

// concurrently runs op once per client per iteration, all clients at
// once, and reports check-ins per second and latency percentiles computed
// from every call's recorded latency.
func concurrently(b *testing.B, clients []*httptransport.Client, op func(i int, c *httptransport.Client) error) {
	lat := make([][]time.Duration, len(clients))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		var wg sync.WaitGroup
		errs := make(chan error, len(clients))
		for i, c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				start := time.Now()
				if err := op(i, c); err != nil {
					errs <- err
				}
				lat[i] = append(lat[i], time.Since(start))
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			b.Fatal(err)
		}
	}
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	pct := func(p float64) float64 {
		return float64(all[min(len(all)-1, int(p*float64(len(all))))]) / float64(time.Millisecond)
	}
	b.ReportMetric(float64(len(all))/b.Elapsed().Seconds(), "checkins/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

// BenchmarkHTTPCheckIn measures check-ins over HTTP on loopback against
// the FakeServer with N concurrent devices: the not-modified path (an
// If-None-Match hit, 304) and the full-configuration path (200 with the 52
// settings encoded as Graph JSON and decoded by the client).
func BenchmarkHTTPCheckIn(b *testing.B) {
	cfg := benchConfiguration(b)
	for _, path := range []string{"NotModified", "Configuration"} {
		for _, n := range []int{1, 16, 64} {
			b.Run(fmt.Sprintf("%s/clients=%d", path, n), func(b *testing.B) {
				clients := loopback(b, n, cfg)
				version := ""
				if path == "NotModified" {
					version = cfg.Version
				}
				ctx := context.Background()
				concurrently(b, clients, func(i int, c *httptransport.Client) error {
					resp, err := c.CheckIn(ctx, transport.CheckIn{DeviceID: fmt.Sprintf("device-%04d", i), ConfigurationVersion: version})
					if err == nil && resp.NotModified != (version != "") {
						err = fmt.Errorf("unexpected answer %+v", resp)
					}
					return err
				})
			})
		}
	}
}

// BenchmarkHTTPReport measures status reports of 52 results over HTTP on
// loopback with 16 concurrent devices; every report is new.
func BenchmarkHTTPReport(b *testing.B) {
	cfg := benchConfiguration(b)
	clients := loopback(b, 16, cfg)
	results := make([]transport.SettingResult, len(cfg.Settings))
	for i, s := range cfg.Settings {
		results[i] = transport.SettingResult{SettingID: s.DefinitionID, Status: report.StatusSucceeded, Value: "1"}
	}
	seq := make([]int, len(clients))
	ctx := context.Background()
	concurrently(b, clients, func(i int, c *httptransport.Client) error {
		seq[i]++
		return c.ReportStatus(ctx, transport.StatusReport{DeviceID: fmt.Sprintf("device-%04d", i),
			ReportID: fmt.Sprintf("r-%d", seq[i]), ConfigurationVersion: cfg.Version, Results: results})
	})
}
