// Command fleet simulates a fleet managed by security settings management.
//
// It generates a fleet (devices over four platforms, dynamic groups,
// policies over every template, with overlaps that merge and conflict),
// builds it in a secmgmt.Service, onboards every device, runs the devices'
// agents for a bounded number of check-in rounds, concurrently, over the
// in-process or the HTTP transport (loopback only), and prints the reports:
// the enrollment breakdown, who manages the devices, the status of every
// policy, and the conflicts that touch the most devices. The reports are
// the report package's views, run together over one pass of
// Service.DeviceRecords. The defaults (10,000 devices) run in under ten
// seconds on two cores.
//
// The program has no principal model: it builds the service with
// authz.AllowAll.
//
// Usage:
//
//	go run ./examples/fleet [-devices 10000] [-groups 100] [-policies 60] [-seed 1]
//	                        [-store memstore|sqlite] [-db file] [-transport inproc|http]
//	                        [-rounds 2] [-agents 0] [-timeout 10m] [-top 10]
//
// Progress goes to stderr: a bar when stderr is a terminal, a line every
// few seconds otherwise. The reports go to stdout.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"time"

	"github.com/secmgmt/secmgmt/internal/fleetgen"
)

func main() {
	cfg, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "fleet:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, cfg, os.Stdout, os.Stderr, isTerminal(os.Stderr)); err != nil {
		fmt.Fprintln(os.Stderr, "fleet:", err)
		os.Exit(1)
	}
}

// config is what the flags set.
type config struct {
	devices, groups, policies int
	seed                      uint64
	store                     string // memstore or sqlite
	db                        string // the SQLite file ("" for one in a temporary directory)
	transport                 string // inproc or http
	rounds                    int
	agents                    int // concurrent agents; 0 for 8 per core
	timeout                   time.Duration
	top                       int
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("fleet", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&c.devices, "devices", 10_000, "number of devices")
	fs.IntVar(&c.groups, "groups", 100, "number of dynamic groups (at least 4)")
	fs.IntVar(&c.policies, "policies", 60, "number of policies")
	fs.Uint64Var(&c.seed, "seed", 1, "seed of the fleet")
	fs.StringVar(&c.store, "store", "memstore", "store: memstore or sqlite")
	fs.StringVar(&c.db, "db", "", "SQLite database file (default: one in a temporary directory, removed at the end)")
	fs.StringVar(&c.transport, "transport", "inproc", "transport: inproc or http (loopback)")
	fs.IntVar(&c.rounds, "rounds", 2, "check-in rounds of every device")
	fs.IntVar(&c.agents, "agents", 0, "agents checking in at once (0: 8 per core)")
	fs.DurationVar(&c.timeout, "timeout", 10*time.Minute, "give up after this long")
	fs.IntVar(&c.top, "top", 10, "conflicts to list")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	switch {
	case fs.NArg() > 0:
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case c.devices < 1:
		return c, fmt.Errorf("-devices %d: at least one device", c.devices)
	case c.groups < fleetgen.MinGroups:
		return c, fmt.Errorf("-groups %d: at least %d (one per platform)", c.groups, fleetgen.MinGroups)
	case c.policies < 1:
		return c, fmt.Errorf("-policies %d: at least one policy", c.policies)
	case c.rounds < 1 || c.rounds > 100:
		return c, fmt.Errorf("-rounds %d: between 1 and 100", c.rounds)
	case c.agents < 0:
		return c, fmt.Errorf("-agents %d: not negative", c.agents)
	case c.timeout <= 0:
		return c, fmt.Errorf("-timeout %v: positive", c.timeout)
	case c.store != "memstore" && c.store != "sqlite":
		return c, fmt.Errorf("-store %q: memstore or sqlite", c.store)
	case c.transport != "inproc" && c.transport != "http":
		return c, fmt.Errorf("-transport %q: inproc or http", c.transport)
	}
	if c.agents == 0 {
		c.agents = 8 * runtime.GOMAXPROCS(0)
	}
	return c, nil
}

// isTerminal reports whether f is a terminal (a character device).
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
