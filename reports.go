package secmgmt

import (
	"cmp"
	"context"
	"errors"
	"iter"
	"slices"
	"time"

	"github.com/secmgmt/secmgmt/conflict"
	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/report"
	"github.com/secmgmt/secmgmt/store"
)

// The reports are the report package's views over the stored data: devices
// stream from the store one at a time, each with its enrollment, last
// check-in and latest status report, and the state of every policy
// assigned to it (from its effective configuration and that report:
// pending until the device reports on its current configuration). Building
// a report reads only: it changes nothing, not even the devices' cached
// configurations.

// ReportPolicies returns the report records of every policy, in id order.
func (s *Service) ReportPolicies(ctx context.Context) ([]report.Policy, error) {
	if err := s.adminRead(&ctx, "ReportPolicies"); err != nil {
		return nil, err
	}
	return s.reportPolicies(ctx), nil
}

// reportPolicies returns the report records of the policies the caller
// reaches.
func (s *Service) reportPolicies(ctx context.Context) []report.Policy {
	a := accessOf(ctx)
	s.mu.RLock()
	out := make([]report.Policy, 0, len(s.state.policies))
	for _, pe := range s.state.policies {
		if a.sees(pe.pol.RoleScopeTagIDs) {
			out = append(out, report.PolicyFrom(s.catalog, pe.pol))
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b report.Policy) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// DeviceRecords streams every device with the state of its policies, in
// device id order: the input of every view of the report package, for
// views and exports of the caller's own.
func (s *Service) DeviceRecords(ctx context.Context) iter.Seq2[*report.DeviceRecord, error] {
	return func(yield func(*report.DeviceRecord, error) bool) {
		ctx := ctx
		if err := s.adminRead(&ctx, "DeviceRecords"); err != nil {
			yield(nil, err)
			return
		}
		s.records(ctx, "", true)(yield)
	}
}

// records streams the device records after the device id after. Without
// policies the records hold the device only: the views that read nothing
// else do not pay for every device's policy states.
func (s *Service) records(ctx context.Context, after string, policies bool) iter.Seq2[*report.DeviceRecord, error] {
	return func(yield func(*report.DeviceRecord, error) bool) {
		next, stop := iter.Pull2(s.st.Enrollments(ctx, after))
		defer stop()
		var pend *store.Enrollment
		more := true
		for d, err := range s.st.Devices(ctx, after) {
			if err != nil {
				yield(nil, err)
				return
			}
			// The enrollments come in the same order: skip to the device's.
			for more && (pend == nil || pend.Record.DeviceID < d.ID) {
				e, err, ok := next()
				if !ok {
					more, pend = false, nil
					break
				}
				if err != nil {
					yield(nil, err)
					return
				}
				pend = e
			}
			var rec enrollment.Record
			if pend != nil && pend.Record.DeviceID == d.ID {
				rec = pend.Record
			}
			if !s.seesRecord(ctx, d.ID) {
				continue
			}
			r, err := s.deviceRecord(ctx, d, rec, policies)
			if err != nil {
				yield(nil, err)
				return
			}
			s.trimRecord(ctx, r)
			if !yield(r, nil) {
				return
			}
		}
	}
}

// deviceRecord builds one device's report record, with the states of its
// policies or without.
func (s *Service) deviceRecord(ctx context.Context, d *store.Device, rec enrollment.Record, policies bool) (*report.DeviceRecord, error) {
	out := &report.DeviceRecord{Device: report.Device{
		ID:         d.ID,
		Name:       rec.DisplayName,
		ManagedBy:  rec.ManagedBy,
		Enrollment: rec.Status,
	}}
	if d.Object != nil && d.Object.DisplayName != "" {
		out.Device.Name = d.Object.DisplayName
	}
	if out.Device.Name == "" {
		out.Device.Name = d.ID
	}
	if d.Facts != nil {
		out.Device.Platform = platformOf(d.Facts.Platform)
	}
	c, ok, err := s.lastCheckIn(ctx, d.ID)
	if err != nil {
		return nil, err
	}
	if ok {
		out.Device.LastCheckIn = c.At
	}
	if !policies || rec.State != enrollment.StateEnrolled {
		return out, nil
	}
	res, err := s.resultOf(d.ID)
	if err != nil || res == nil {
		return out, err
	}
	var results []report.SettingResult
	var current bool
	var at time.Time
	sr, err := s.st.StatusReport(ctx, d.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return nil, err
	default:
		current, at = sr.ConfigurationVersion == res.Version, sr.ReportedAt
		results = deviceResults(sr.Results)
	}
	out.Policies, err = report.States(res, results, current, at)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// resultOf returns a device's merge result as it is now, computing it
// without caching it when the cached one was invalidated; nil when the
// state does not hold the device as enrolled (it changed meanwhile).
func (s *Service) resultOf(id string) (*conflict.Result, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	d := s.state.devices[id]
	if d == nil || !d.managed() {
		return nil, nil
	}
	d.mu.Lock()
	conf, dirty := d.conf, d.dirty
	d.mu.Unlock()
	if conf != nil && !dirty {
		return conf.res, nil
	}
	conf, err := s.configure(s.state, d)
	if err != nil {
		return nil, err
	}
	return conf.res, nil
}

// deviceResults turns stored per-policy results back into the device's
// per-setting results (one per setting, as the device sent them).
func deviceResults(rs []store.SettingResult) []report.SettingResult {
	out := make([]report.SettingResult, 0, len(rs))
	seen := make(map[string]bool, len(rs))
	for _, r := range rs {
		if seen[r.SettingID] {
			continue
		}
		seen[r.SettingID] = true
		out = append(out, report.SettingResult{SettingID: r.SettingID, Status: r.Status, ErrorCode: int64(r.ErrorCode), ErrorMessage: r.Message})
	}
	slices.SortFunc(out, func(a, b report.SettingResult) int { return cmp.Compare(a.SettingID, b.SettingID) })
	return out
}

// platformOf maps an enrollment platform to the policy package's.
func platformOf(p enrollment.Platform) policy.DevicePlatform { return policy.DevicePlatform(p) }

// view runs a report view over the device records, with the admin check
// and the feed looked at first; the view's error is the stream's.
func view[T any](s *Service, ctx context.Context, op adminOp, fn func(policies []report.Policy, devices iter.Seq[*report.DeviceRecord]) T, objects ...string) (T, error) {
	return viewOf(s, ctx, op, true, fn, objects...)
}

// deviceView is view for the views that read only the records' devices
// (report.Device): the records come without their policy states.
func deviceView[T any](s *Service, ctx context.Context, op adminOp, fn func(policies []report.Policy, devices iter.Seq[*report.DeviceRecord]) T, objects ...string) (T, error) {
	return viewOf(s, ctx, op, false, fn, objects...)
}

func viewOf[T any](s *Service, ctx context.Context, op adminOp, policies bool, fn func(policies []report.Policy, devices iter.Seq[*report.DeviceRecord]) T, objects ...string) (T, error) {
	var zero T
	if err := s.adminRead(&ctx, op, objects...); err != nil {
		return zero, err
	}
	var streamErr error
	devices := func(yield func(*report.DeviceRecord) bool) {
		for r, err := range s.records(ctx, "", policies) {
			if err != nil {
				streamErr = err
				return
			}
			if !yield(r) {
				return
			}
		}
	}
	out := fn(s.reportPolicies(ctx), devices)
	if streamErr != nil {
		return zero, streamErr
	}
	return out, nil
}

// PolicyReport counts, for every policy, the devices in each status
// (Intune's ConfigurationPolicyDeviceAggregates).
func (s *Service) PolicyReport(ctx context.Context) ([]report.PolicyAggregate, error) {
	return view(s, ctx, "PolicyReport", report.PolicyAggregates)
}

// PolicyDeviceReport lists the devices a policy is assigned to, with its
// status on each (Intune's DeviceStatusesByConfigurationProfile).
func (s *Service) PolicyDeviceReport(ctx context.Context, policyID string) ([]report.PolicyDeviceRow, error) {
	return view(s, ctx, "PolicyDeviceReport", func(ps []report.Policy, devices iter.Seq[*report.DeviceRecord]) []report.PolicyDeviceRow {
		return slices.Collect(report.PolicyDevices(findPolicy(ps, policyID), devices))
	}, policyID)
}

// SettingReport counts, for every setting of a policy, the devices in each
// status (Intune's PerSettingSummaryByDeviceConfigurationPolicy).
func (s *Service) SettingReport(ctx context.Context, policyID string) ([]report.SettingSummary, error) {
	return view(s, ctx, "SettingReport", func(ps []report.Policy, devices iter.Seq[*report.DeviceRecord]) []report.SettingSummary {
		return report.SettingSummaries(findPolicy(ps, policyID), devices)
	}, policyID)
}

// findPolicy returns the report record of a policy, or one with its id
// only.
func findPolicy(ps []report.Policy, id string) report.Policy {
	if i, ok := slices.BinarySearchFunc(ps, id, func(p report.Policy, id string) int { return cmp.Compare(p.ID, id) }); ok {
		return ps[i]
	}
	return report.Policy{ID: id}
}

// ConflictReport gives the conflict summaries across the fleet (Graph's
// deviceConfigurationConflictSummary).
func (s *Service) ConflictReport(ctx context.Context) ([]conflict.Summary, error) {
	return view(s, ctx, "ConflictReport", report.ConflictSummaries)
}

// ManagedByReport counts the devices by management authority (MDE,
// Intune, ConfigMgr, Co-managed, Unknown).
func (s *Service) ManagedByReport(ctx context.Context) ([]report.Count, error) {
	return deviceView(s, ctx, "ManagedByReport", func(_ []report.Policy, devices iter.Seq[*report.DeviceRecord]) []report.Count {
		return report.ManagedByBreakdown(devices)
	})
}

// EnrollmentReport counts the devices by enrollment status.
func (s *Service) EnrollmentReport(ctx context.Context) ([]report.Count, error) {
	return deviceView(s, ctx, "EnrollmentReport", func(_ []report.Policy, devices iter.Seq[*report.DeviceRecord]) []report.Count {
		return report.EnrollmentBreakdown(devices)
	})
}

// FailedEnrollments lists the devices whose enrollment failed.
func (s *Service) FailedEnrollments(ctx context.Context) ([]report.Device, error) {
	return deviceView(s, ctx, "FailedEnrollments", func(_ []report.Policy, devices iter.Seq[*report.DeviceRecord]) []report.Device {
		return slices.Collect(report.FailedDevices(devices))
	})
}

// FreshnessReport counts the devices as current, stale and never seen.
// A zero Staleness means report.DefaultStaleness at the clock's time.
func (s *Service) FreshnessReport(ctx context.Context, st report.Staleness) ([]report.Count, error) {
	st = s.staleness(st)
	return deviceView(s, ctx, "FreshnessReport", func(_ []report.Policy, devices iter.Seq[*report.DeviceRecord]) []report.Count {
		return report.CheckInFreshness(st, devices)
	})
}

// StaleDevices lists the devices that are stale or never checked in.
func (s *Service) StaleDevices(ctx context.Context, st report.Staleness) ([]report.Device, error) {
	st = s.staleness(st)
	return deviceView(s, ctx, "StaleDevices", func(_ []report.Policy, devices iter.Seq[*report.DeviceRecord]) []report.Device {
		return slices.Collect(report.StaleDevices(st, devices))
	})
}

func (s *Service) staleness(st report.Staleness) report.Staleness {
	if st == (report.Staleness{}) {
		return report.DefaultStaleness(s.now())
	}
	return st
}

// DeviceReport is one device's drill-down: every policy with its status,
// and every setting with its state, value and the other policies that
// manage it.
type DeviceReport struct {
	Device   report.Device
	Policies []report.DevicePolicyRow
	Settings []report.DeviceSettingRow
}

// DeviceReport returns one device's drill-down.
func (s *Service) DeviceReport(ctx context.Context, deviceID string) (*DeviceReport, error) {
	if err := s.adminRead(&ctx, "DeviceReport", deviceID); err != nil {
		return nil, err
	}
	id := canonicalID(deviceID)
	d, err := s.st.Device(ctx, id)
	if err != nil {
		return nil, err
	}
	var rec enrollment.Record
	e, err := s.st.Enrollment(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return nil, err
	default:
		rec = e.Record
	}
	r, err := s.deviceRecord(ctx, d, rec, true)
	if err != nil {
		return nil, err
	}
	s.trimRecord(ctx, r)
	ps := s.reportPolicies(ctx)
	return &DeviceReport{Device: r.Device, Policies: report.DevicePolicies(r, ps), Settings: report.DeviceSettings(r, ps)}, nil
}
