package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"
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
