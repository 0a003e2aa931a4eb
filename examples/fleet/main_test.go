package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/secmgmt/secmgmt/internal/fleetgen"
	"github.com/secmgmt/secmgmt/report"
)

// TestRun simulates a small fleet over each transport and store and checks
// that every report is printed and every enrolled device checked in.
func TestRun(t *testing.T) {
	for _, tc := range []struct{ store, transport string }{
		{"memstore", "inproc"},
		{"memstore", "http"},
		{"sqlite", "inproc"},
	} {
		t.Run(tc.store+"/"+tc.transport, func(t *testing.T) {
			cfg, err := parseFlags([]string{"-devices", "300", "-groups", "30", "-policies", "25", "-store", tc.store, "-transport", tc.transport, "-rounds", "2"}, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			var out, progress bytes.Buffer
			if err := run(context.Background(), cfg, &out, &progress, false); err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"fleet: 300 devices, 30 dynamic groups, 25 policies", "round 1:", "round 2:",
				"Enrollment", "success", "Managed by", "MDE", "Policies", "Top conflicts"} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, out.String())
				}
			}
			if !strings.Contains(progress.String(), "onboard") || !strings.Contains(progress.String(), "(100%)") {
				t.Errorf("progress lacks the final lines:\n%s", progress.String())
			}
		})
	}
}

func TestParseFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-devices", "0"}, {"-rounds", "0"}, {"-rounds", "101"}, {"-agents", "-1"}, {"-timeout", "0s"},
		{"-store", "postgres"}, {"-transport", "grpc"}, {"extra"}, {"-groups", "2"},
	} {
		if _, err := parseFlags(args, io.Discard); err == nil {
			t.Errorf("parseFlags(%q) accepted", args)
		}
	}
	c, err := parseFlags(nil, io.Discard)
	if err != nil || c.devices != 10_000 || c.store != "memstore" || c.transport != "inproc" || c.agents <= 0 || c.timeout != 10*time.Minute {
		t.Errorf("defaults: %+v, %v", c, err)
	}
}

// TestTimeout stops a run that cannot finish in time with the context's
// error.
func TestTimeout(t *testing.T) {
	cfg, err := parseFlags([]string{"-devices", "20000", "-timeout", "50ms"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	err = run(context.Background(), cfg, io.Discard, io.Discard, false)
	if err == nil || !strings.Contains(err.Error(), "deadline") {
		t.Errorf("run = %v, want a deadline error", err)
	}
}

func TestProgressTerminal(t *testing.T) {
	var buf bytes.Buffer
	p := startProgress(&buf, true, "step", 4)
	p.add(4)
	p.finish()
	if s := buf.String(); !strings.Contains(s, "\r") || !strings.Contains(s, "100%") || !strings.HasSuffix(s, "\n") {
		t.Errorf("terminal progress = %q", s)
	}
}

// TestReportsOnePass checks the reports computed in one pass over the
// device records against the service's own report methods.
func TestReportsOnePass(t *testing.T) {
	ctx := context.Background()
	cfg, err := parseFlags([]string{"-devices", "400", "-groups", "20", "-policies", "30", "-rounds", "1", "-seed", "7"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	f, err := fleetgen.New(cfg.seed, fleetgen.Options{Devices: cfg.devices, Groups: cfg.groups, Policies: cfg.policies})
	if err != nil {
		t.Fatal(err)
	}
	st, closeStore, err := openStore(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore()
	svc, err := newService(st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	if _, err := simulate(ctx, svc, f, cfg, io.Discard, false); err != nil {
		t.Fatal(err)
	}
	p := startProgress(io.Discard, false, "reports", f.Len())
	defer p.finish()
	got, err := buildReports(ctx, svc, p)
	if err != nil {
		t.Fatal(err)
	}
	var want reports
	if want.enrollment, err = svc.EnrollmentReport(ctx); err != nil {
		t.Fatal(err)
	}
	if want.managedBy, err = svc.ManagedByReport(ctx); err != nil {
		t.Fatal(err)
	}
	if want.policies, err = svc.PolicyReport(ctx); err != nil {
		t.Fatal(err)
	}
	if want.conflicts, err = svc.ConflictReport(ctx); err != nil {
		t.Fatal(err)
	}
	if len(want.conflicts) == 0 || len(want.policies) != cfg.policies {
		t.Fatalf("the fleet has %d conflict summaries and %d policy rows; want some and %d", len(want.conflicts), len(want.policies), cfg.policies)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("one-pass reports differ from the service's:\n got %+v\nwant %+v", got, want)
	}

	// The service's device-only views against the same views over the
	// full records.
	var recs []*report.DeviceRecord
	for r, err := range svc.DeviceRecords(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	all := slices.Values(recs)
	failed, err := svc.FailedEnrollments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := slices.Collect(report.FailedDevices(all)); !reflect.DeepEqual(failed, want) {
		t.Errorf("FailedEnrollments = %d devices, the records give %d", len(failed), len(want))
	}
	stale := report.DefaultStaleness(f.Options.Now.Add(30 * 24 * time.Hour))
	fresh, err := svc.FreshnessReport(ctx, stale)
	if err != nil {
		t.Fatal(err)
	}
	if want := report.CheckInFreshness(stale, all); !reflect.DeepEqual(fresh, want) {
		t.Errorf("FreshnessReport = %v, the records give %v", fresh, want)
	}
	staleDevs, err := svc.StaleDevices(ctx, stale)
	if err != nil {
		t.Fatal(err)
	}
	if want := slices.Collect(report.StaleDevices(stale, all)); len(want) == 0 || !reflect.DeepEqual(staleDevs, want) {
		t.Errorf("StaleDevices = %d devices, the records give %d", len(staleDevs), len(want))
	}
}

// TestOnePassStopsEarly: a view that stops reading does not block the
// others or the stream.
func TestOnePassStopsEarly(t *testing.T) {
	records := func(yield func(*report.DeviceRecord, error) bool) {
		for i := range 1000 {
			if !yield(&report.DeviceRecord{Device: report.Device{ID: fmt.Sprint(i)}}, nil) {
				return
			}
		}
	}
	p := startProgress(io.Discard, false, "x", 1000)
	defer p.finish()
	var first, all int
	err := onePass(records, p,
		func(d iter.Seq[*report.DeviceRecord]) {
			for range d {
				first++
				return
			}
		},
		func(d iter.Seq[*report.DeviceRecord]) {
			for range d {
				all++
			}
		})
	if err != nil || first != 1 || all != 1000 {
		t.Errorf("onePass = %v; first view read %d, second %d; want nil, 1, 1000", err, first, all)
	}
	errStream := func(yield func(*report.DeviceRecord, error) bool) {
		yield(&report.DeviceRecord{}, nil)
		yield(nil, errors.New("store gone"))
	}
	if err := onePass(errStream, p, func(d iter.Seq[*report.DeviceRecord]) {
		for range d {
		}
	}); err == nil || err.Error() != "store gone" {
		t.Errorf("onePass over a failing stream = %v", err)
	}
}
