package memstore

import (
	"context"
	"iter"

	"github.com/secmgmt/secmgmt/store"
	"github.com/secmgmt/secmgmt/store/internal/codec"
	"github.com/secmgmt/secmgmt/store/internal/ordered"
)

// PutStatusReport records a device's status report.
func (s *Store) PutStatusReport(ctx context.Context, r *store.StatusReport) (store.ReportOutcome, error) {
	c, err := codec.CanonicalReport(r)
	if err != nil {
		return "", err
	}
	if err := s.lock(ctx); err != nil {
		return "", err
	}
	defer s.unlock()
	row := s.db.devices[c.DeviceID]
	if row == nil {
		return "", codec.NotFound("device", c.DeviceID)
	}
	if cur := row.report; cur != nil {
		if cur.ReportID == c.ReportID {
			return store.ReportDuplicate, nil
		}
		if c.ReportedAt.Before(cur.ReportedAt) {
			return store.ReportSuperseded, nil
		}
	}
	s.setReport(row, c)
	return store.ReportStored, nil
}

// setReport replaces a device's report (nil: removes it) and keeps the
// per-policy index.
func (s *Store) setReport(row *deviceRow, r *store.StatusReport) {
	if row.report == nil && r == nil {
		return
	}
	id := row.dev.ID
	if old := row.report; old != nil {
		for pid := range policiesOf(old) {
			set := s.db.policyReports[pid]
			set.Delete(id)
			if set.Len() == 0 {
				delete(s.db.policyReports, pid)
			}
			s.onUndo(func() {
				if s.db.policyReports[pid] == nil {
					s.db.policyReports[pid] = set
				}
				set.Set(id, struct{}{})
			})
		}
	}
	if r != nil {
		for pid := range policiesOf(r) {
			set := s.db.policyReports[pid]
			if set == nil {
				set = new(ordered.Map[struct{}])
				s.db.policyReports[pid] = set
			}
			set.Set(id, struct{}{})
			s.onUndo(func() {
				set.Delete(id)
				if set.Len() == 0 {
					delete(s.db.policyReports, pid)
				}
			})
		}
	}
	s.saveRow(row)
	row.report = r
}

// policiesOf yields the policy ids of a canonical report once each (its
// results are sorted by policy id).
func policiesOf(r *store.StatusReport) iter.Seq[string] {
	return func(yield func(string) bool) {
		for i, res := range r.Results {
			if i > 0 && r.Results[i-1].PolicyID == res.PolicyID {
				continue
			}
			if !yield(res.PolicyID) {
				return
			}
		}
	}
}

// StatusReport returns a device's latest report.
func (s *Store) StatusReport(ctx context.Context, deviceID string) (*store.StatusReport, error) {
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	defer s.runlock()
	row := s.db.devices[deviceID]
	if row == nil || row.report == nil {
		return nil, codec.NotFound("status report", deviceID)
	}
	return row.report.Clone(), nil
}

// PolicyStatuses iterates over every device's latest results for a
// policy, in device id order.
func (s *Store) PolicyStatuses(ctx context.Context, policyID, after string) iter.Seq2[*store.StatusReport, error] {
	return pages(s, ctx, after, func(cursor string) ([]*store.StatusReport, string, bool, error) {
		set := s.db.policyReports[policyID]
		if set == nil {
			return nil, cursor, false, nil
		}
		var page []*store.StatusReport
		set.Ascend(cursor, func(id string, _ struct{}) bool {
			r := s.db.devices[id].report
			c := &store.StatusReport{DeviceID: r.DeviceID, ReportID: r.ReportID,
				ConfigurationVersion: r.ConfigurationVersion, ReportedAt: r.ReportedAt}
			for _, res := range r.Results {
				if res.PolicyID == policyID {
					c.Results = append(c.Results, res)
				}
			}
			page = append(page, c)
			cursor = id
			return len(page) < pageSize
		})
		return page, cursor, len(page) == pageSize, nil
	})
}

// DeleteStatusReport deletes a device's report.
func (s *Store) DeleteStatusReport(ctx context.Context, deviceID string) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.unlock()
	row := s.db.devices[deviceID]
	if row == nil || row.report == nil {
		return codec.NotFound("status report", deviceID)
	}
	s.setReport(row, nil)
	return nil
}
