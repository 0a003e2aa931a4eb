package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
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

// printReports prints the enrollment and managed-by breakdowns, the
// status of every policy and the conflicts that touch the most devices.
func printReports(ctx context.Context, w io.Writer, svc *secmgmt.Service, top int) error {
	enr, err := svc.EnrollmentReport(ctx)
	if err != nil {
		return err
	}
	by, err := svc.ManagedByReport(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "Enrollment")
	printCounts(w, enr)
	fmt.Fprintln(w, "Managed by")
	printCounts(w, by)

	aggs, err := svc.PolicyReport(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "Policies")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  policy\tdevices\tsucceeded\terror\tconflict\tpending\tnot applicable")
	for _, a := range aggs {
		fmt.Fprintf(tw, "  %s\t%d\t%d\t%d\t%d\t%d\t%d\n", clip(a.Policy.Name, 70), a.Total(), a.Succeeded, a.Error, a.Conflict, a.Pending, a.NotApplicable)
	}
	tw.Flush()
	fmt.Fprintln(w)

	sums, err := svc.ConflictReport(ctx)
	if err != nil {
		return err
	}
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
