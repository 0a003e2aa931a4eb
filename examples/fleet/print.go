package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"iter"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	secmgmt "github.com/secmgmt/secmgmt"
	"github.com/secmgmt/secmgmt/conflict"
	"github.com/secmgmt/secmgmt/report"
)

func printRounds(w io.Writer, rounds []roundStats) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "check-ins\tnew configuration\ttime\tcheck-ins/s\tp50\tp99\t")
	for _, r := range rounds {
		fmt.Fprintf(tw, "%s: %d\t%d\t%v\t%.0f\t%v\t%v\t\n", r.name, r.checkIns, r.changed, r.elapsed.Round(time.Millisecond),
			float64(r.checkIns)/max(r.elapsed.Seconds(), 1e-9), r.p50.Round(time.Microsecond), r.p99.Round(time.Microsecond))
	}
	tw.Flush()
	fmt.Fprintln(w)
}

// reports are the views the program prints.
type reports struct {
	enrollment, managedBy []report.Count
	policies              []report.PolicyAggregate
	conflicts             []conflict.Summary
}

// buildReports computes the enrollment and managed-by breakdowns, the
// status of every policy and the conflict summaries in one pass over the
// service's device records (Service.DeviceRecords): each record is built
// once and handed to every view, where the service's own report methods
// (EnrollmentReport, PolicyReport, …) would build it once per view.
func buildReports(ctx context.Context, svc *secmgmt.Service, p *progress) (reports, error) {
	policies, err := svc.ReportPolicies(ctx)
	if err != nil {
		return reports{}, err
	}
	var r reports
	err = onePass(svc.DeviceRecords(ctx), p,
		func(d iter.Seq[*report.DeviceRecord]) { r.enrollment = report.EnrollmentBreakdown(d) },
		func(d iter.Seq[*report.DeviceRecord]) { r.managedBy = report.ManagedByBreakdown(d) },
		func(d iter.Seq[*report.DeviceRecord]) { r.policies = report.PolicyAggregates(policies, d) },
		func(d iter.Seq[*report.DeviceRecord]) { r.conflicts = report.ConflictSummaries(policies, d) },
	)
	return r, err
}

// onePass runs the views over one stream of records, each view on its own
// goroutine reading the records from a channel. The records are shared:
// the views only read them. A view that stops early leaves the rest of
// its channel drained, so the stream never blocks.
func onePass(records iter.Seq2[*report.DeviceRecord, error], p *progress, views ...func(iter.Seq[*report.DeviceRecord])) error {
	chans := make([]chan *report.DeviceRecord, len(views))
	var wg sync.WaitGroup
	for i, view := range views {
		ch := make(chan *report.DeviceRecord, 64)
		chans[i] = ch
		wg.Add(1)
		go func() {
			defer wg.Done()
			view(func(yield func(*report.DeviceRecord) bool) {
				for r := range ch {
					if !yield(r) {
						return
					}
				}
			})
			for range ch {
			}
		}()
	}
	var err error
	for r, e := range records {
		if e != nil {
			err = e
			break
		}
		for _, ch := range chans {
			ch <- r
		}
		p.add(1)
	}
	for _, ch := range chans {
		close(ch)
	}
	wg.Wait()
	return err
}

// printReports prints the enrollment and managed-by breakdowns, the
// status of every policy and the conflicts that touch the most devices.
func printReports(w io.Writer, r reports, top int) error {
	fmt.Fprintln(w, "Enrollment")
	printCounts(w, r.enrollment)
	fmt.Fprintln(w, "Managed by")
	printCounts(w, r.managedBy)

	fmt.Fprintln(w, "Policies")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  policy\tdevices\tsucceeded\terror\tconflict\tpending\tnot applicable")
	for _, a := range r.policies {
		fmt.Fprintf(tw, "  %s\t%d\t%d\t%d\t%d\t%d\t%d\n", clip(a.Policy.Name, 70), a.Total(), a.Succeeded, a.Error, a.Conflict, a.Pending, a.NotApplicable)
	}
	tw.Flush()
	fmt.Fprintln(w)

	sums := slices.Clone(r.conflicts)
	slices.SortStableFunc(sums, func(a, b conflict.Summary) int {
		return cmp.Compare(b.DeviceCheckinsImpacted, a.DeviceCheckinsImpacted)
	})
	fmt.Fprintf(w, "Top conflicts (%d sets of conflicting policies)\n", len(sums))
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  devices\tsettings\tpolicies")
	for _, s := range sums[:min(top, len(sums))] {
		names := make([]string, len(s.ConflictingDeviceConfigurations))
		for i, p := range s.ConflictingDeviceConfigurations {
			names[i] = p.DisplayName
		}
		fmt.Fprintf(tw, "  %d\t%d\t%s\n", s.DeviceCheckinsImpacted, len(s.ContributingSettings), strings.Join(names, " | "))
	}
	return tw.Flush()
}

func printCounts(w io.Writer, counts []report.Count) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	for _, c := range counts {
		if c.Devices > 0 {
			fmt.Fprintf(tw, "  %s\t%d\t\n", c.Value, c.Devices)
		}
	}
	tw.Flush()
	fmt.Fprintln(w)
}

// clip shortens s to n characters.
func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
