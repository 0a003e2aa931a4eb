package sqlite_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/identity"
	"github.com/secmgmt/secmgmt/store"
	"github.com/secmgmt/secmgmt/store/sqlite"
)

// crashEnv names the database the child process writes to.
const crashEnv = "SECMGMT_SQLITE_CRASH_CHILD"

// crashRows is how many devices each transaction of the child rewrites.
const crashRows = 25

// TestCrashChild is the child process of TestCrashMidWrite: it rewrites
// every device in a multi-row transaction, over and over, printing the
// number of each transaction once it is committed, until it is killed.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("runs as the child process of TestCrashMidWrite")
	}
	ctx := context.Background()
	s, err := sqlite.Open(path)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(2)
	}
	for batch := int64(1); ; batch++ {
		err := s.Tx(ctx, func(tx store.Store) error {
			for i := range crashRows {
				d := &store.Device{ID: fmt.Sprintf("d-%02d", i), Version: batch - 1,
					Object: &identity.Device{DisplayName: strconv.FormatInt(batch, 10)}}
				if _, err := tx.PutDevice(ctx, d); err != nil {
					return err
				}
				if err := tx.AppendHistory(ctx, d.ID, enrollment.Transition{Event: enrollment.Event{Kind: enrollment.EventCheckIn}, Rule: int(batch)}); err != nil {
					return err
				}
			}
			_, err := tx.AppendChange(ctx, store.Change{Kind: "batch", Keys: []string{strconv.FormatInt(batch, 10)}})
			return err
		})
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(2)
		}
		fmt.Println(batch)
	}
}

// TestCrashMidWrite kills a process in the middle of its writes and checks
// that the file it leaves opens with exactly the state of a committed
// transaction: every row of the last committed batch, none of the next.
func TestCrashMidWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	for round := range 5 {
		t.Run(fmt.Sprint(round), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "crash.db")
			cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), crashEnv+"="+path)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Let it commit a few batches, then kill it at a random moment.
			target := int64(3 + rand.IntN(20))
			var committed int64
			lines := bufio.NewScanner(out)
			for lines.Scan() {
				n, err := strconv.ParseInt(lines.Text(), 10, 64)
				if err != nil {
					t.Logf("child: %s", lines.Text())
					continue
				}
				committed = n
				if committed >= target {
					break
				}
			}
			time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond)
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			if committed < target {
				cmd.Wait()
				t.Fatalf("the child stopped after %d batches", committed)
			}
			// The child went on committing while we slept: the last batch it
			// reported is in the lines still in the pipe.
			for lines.Scan() {
				if n, err := strconv.ParseInt(lines.Text(), 10, 64); err == nil {
					committed = n
				}
			}
			cmd.Wait()
			checkCrashState(t, path, committed)
		})
	}
}

// checkCrashState opens the file and checks it holds one whole batch, no
// older than the last one reported committed.
func checkCrashState(t *testing.T, path string, committed int64) {
	t.Helper()
	ctx := context.Background()
	s := open(t, path)
	last, err := s.LastChange(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The batch in flight may have committed before the kill, unreported.
	if last != committed && last != committed+1 {
		t.Fatalf("the change feed ends at batch %d; batch %d was reported committed", last, committed)
	}
	want := strconv.FormatInt(last, 10)
	n := 0
	for d, err := range s.Devices(ctx, "") {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if d.Object.DisplayName != want || d.Version != last {
			t.Fatalf("device %s holds batch %s at version %d, the feed batch %d: a torn transaction", d.ID, d.Object.DisplayName, d.Version, last)
		}
		h := 0
		for tr, err := range s.History(ctx, d.ID) {
			if err != nil {
				t.Fatal(err)
			}
			h++
			if tr.Rule != h {
				t.Fatalf("device %s: transition %d is from batch %d", d.ID, h, tr.Rule)
			}
		}
		if int64(h) != last {
			t.Fatalf("device %s has %d transitions after %d batches", d.ID, h, last)
		}
	}
	if n != crashRows {
		t.Fatalf("%d devices, want %d", n, crashRows)
	}
	changes, err := s.Changes(ctx, 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(changes)) != last {
		t.Fatalf("%d changes after %d batches", len(changes), last)
	}
}
