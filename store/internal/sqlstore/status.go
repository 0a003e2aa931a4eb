package sqlstore

import (
	"context"
	"errors"
	"iter"
	"time"

	"github.com/secmgmt/secmgmt/store"
	"github.com/secmgmt/secmgmt/store/internal/codec"
)

// PutStatusReport records a device's status report.
func (s *Store) PutStatusReport(ctx context.Context, r *store.StatusReport) (outcome store.ReportOutcome, err error) {
	e, err := codec.EncodeReport(r)
	if err != nil {
		return "", err
	}
	err = s.write(ctx, func(q Querier) error {
		if err := s.mustExist(ctx, q, "devices", "device", e.DeviceID); err != nil {
			return err
		}
		// Two tries: when a concurrent writer inserts the device's first
		// report between the read and the insert, the second read sees it
		// (and locks it).
		for range 2 {
			var reportID, reportedAt string
			err := s.row(ctx, q, "SELECT report_id, reported_at FROM status_reports WHERE device_id = $1"+s.sh.d.ForUpdate,
				[]any{e.DeviceID}, &reportID, &reportedAt)
			switch {
			case errors.Is(err, errNoRows):
				n, err := s.exec(ctx, q, "INSERT INTO status_reports (device_id, report_id, configuration_version, reported_at) VALUES ($1, $2, $3, $4) ON CONFLICT (device_id) DO NOTHING",
					e.DeviceID, e.ReportID, e.ConfigurationVersion, e.ReportedAt)
				if err != nil {
					return err
				}
				if n == 0 {
					continue
				}
			case err != nil:
				return err
			case reportID == e.ReportID:
				outcome = store.ReportDuplicate
				return nil
			case e.ReportedAt < reportedAt: // fixed-width UTC text sorts as time
				outcome = store.ReportSuperseded
				return nil
			default:
				if _, err := s.exec(ctx, q, "UPDATE status_reports SET report_id = $2, configuration_version = $3, reported_at = $4 WHERE device_id = $1",
					e.DeviceID, e.ReportID, e.ConfigurationVersion, e.ReportedAt); err != nil {
					return err
				}
				if _, err := s.exec(ctx, q, "DELETE FROM status_results WHERE device_id = $1", e.DeviceID); err != nil {
					return err
				}
			}
			for _, p := range e.Policies {
				if _, err := s.exec(ctx, q, "INSERT INTO status_results (device_id, policy_id, doc) VALUES ($1, $2, $3)", e.DeviceID, p.PolicyID, string(p.Doc)); err != nil {
					return err
				}
			}
			outcome = store.ReportStored
			return nil
		}
		return codec.Conflict("status report", e.DeviceID, 0, 0)
	})
	return outcome, err
}

// StatusReport returns a device's latest report.
func (s *Store) StatusReport(ctx context.Context, deviceID string) (r *store.StatusReport, err error) {
	err = s.read(ctx, func(q Querier) error {
		e := &codec.EncodedReport{DeviceID: deviceID}
		err := s.row(ctx, q, "SELECT report_id, configuration_version, reported_at FROM status_reports WHERE device_id = $1",
			[]any{deviceID}, &e.ReportID, &e.ConfigurationVersion, &e.ReportedAt)
		if errors.Is(err, errNoRows) {
			return codec.NotFound("status report", deviceID)
		} else if err != nil {
			return err
		}
		rows, err := q.Query(ctx, s.sql("SELECT policy_id, doc FROM status_results WHERE device_id = $1 ORDER BY policy_id"), deviceID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var p codec.PolicyResults
			if err := rows.Scan(&p.PolicyID, &p.Doc); err != nil {
				return err
			}
			e.Policies = append(e.Policies, p)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		r, err = codec.DecodeReport(e)
		return err
	})
	return r, err
}

// PolicyStatuses iterates over every device's latest results for a policy.
func (s *Store) PolicyStatuses(ctx context.Context, policyID, after string) iter.Seq2[*store.StatusReport, error] {
	return pages(s, ctx, after, func(q Querier, cursor string) ([]*store.StatusReport, string, bool, error) {
		rows, err := q.Query(ctx, s.sql(`SELECT r.device_id, r.report_id, r.configuration_version, r.reported_at, s.doc
			FROM status_results s JOIN status_reports r ON r.device_id = s.device_id
			WHERE s.policy_id = $1 AND s.device_id > $2 ORDER BY s.device_id LIMIT $3`), policyID, cursor, pageSize)
		if err != nil {
			return nil, cursor, false, err
		}
		defer rows.Close()
		var out []*store.StatusReport
		for rows.Next() {
			e := &codec.EncodedReport{Policies: []codec.PolicyResults{{PolicyID: policyID}}}
			if err := rows.Scan(&e.DeviceID, &e.ReportID, &e.ConfigurationVersion, &e.ReportedAt, &e.Policies[0].Doc); err != nil {
				return nil, cursor, false, err
			}
			r, err := codec.DecodeReport(e)
			if err != nil {
				return nil, cursor, false, err
			}
			out = append(out, r)
			cursor = e.DeviceID
		}
		return out, cursor, len(out) == pageSize, rows.Err()
	})
}

// DeleteStatusReport deletes a device's report.
func (s *Store) DeleteStatusReport(ctx context.Context, deviceID string) error {
	return s.write(ctx, func(q Querier) error {
		// Results first: a database without cascading deletes still works.
		if _, err := s.exec(ctx, q, "DELETE FROM status_results WHERE device_id = $1", deviceID); err != nil {
			return err
		}
		n, err := s.exec(ctx, q, "DELETE FROM status_reports WHERE device_id = $1", deviceID)
		if err == nil && n == 0 {
			err = codec.NotFound("status report", deviceID)
		}
		return err
	})
}

// PutCredential stores a device's credential.
func (s *Store) PutCredential(ctx context.Context, c *store.Credential) error {
	issued, revoked, err := codec.CheckCredential(c)
	if err != nil {
		return err
	}
	return s.write(ctx, func(q Querier) error {
		n, err := s.exec(ctx, q, `INSERT INTO credentials (device_id, hash, issued_at, revoked_at) SELECT id, $2, $3, $4 FROM devices WHERE id = $1
			ON CONFLICT (device_id) DO UPDATE SET hash = excluded.hash, issued_at = excluded.issued_at, revoked_at = excluded.revoked_at`,
			c.DeviceID, c.Hash, issued, revoked)
		if err == nil && n == 0 {
			err = codec.NotFound("device", c.DeviceID)
		}
		return err
	})
}

// Credential returns a device's credential.
func (s *Store) Credential(ctx context.Context, deviceID string) (c *store.Credential, err error) {
	err = s.read(ctx, func(q Querier) error {
		var hash []byte
		var issued, revoked string
		err := s.row(ctx, q, "SELECT hash, issued_at, revoked_at FROM credentials WHERE device_id = $1", []any{deviceID}, &hash, &issued, &revoked)
		if errors.Is(err, errNoRows) {
			return codec.NotFound("credential", deviceID)
		} else if err != nil {
			return err
		}
		c, err = codec.DecodeCredential(deviceID, hash, issued, revoked)
		return err
	})
	return c, err
}

// zeroTime is the stored form of the zero time.
var zeroTime, _ = codec.Time(time.Time{})

// RevokeCredential revokes a device's credential.
func (s *Store) RevokeCredential(ctx context.Context, deviceID string, at time.Time) error {
	when, err := codec.RevocationTime(deviceID, at)
	if err != nil {
		return err
	}
	return s.write(ctx, func(q Querier) error {
		n, err := s.exec(ctx, q, "UPDATE credentials SET revoked_at = $2 WHERE device_id = $1 AND revoked_at = $3", deviceID, when, zeroTime)
		if err != nil || n == 1 {
			return err
		}
		// Not there, or revoked already (which keeps the first time).
		ok, err := s.exists(ctx, q, "credentials", "device_id", deviceID)
		if err == nil && !ok {
			err = codec.NotFound("credential", deviceID)
		}
		return err
	})
}

// RecordCheckIn records a device's check-in: one statement, which finds
// the device and upserts its check-in.
func (s *Store) RecordCheckIn(ctx context.Context, c store.CheckIn) error {
	if err := codec.CheckCheckIn(&c); err != nil {
		return err
	}
	at, _ := codec.Time(c.At)
	return s.writeOne(ctx, func(q Querier) error {
		n, err := s.exec(ctx, q, `INSERT INTO checkins (device_id, at, configuration_version) SELECT id, $2, $3 FROM devices WHERE id = $1
			ON CONFLICT (device_id) DO UPDATE SET at = excluded.at, configuration_version = excluded.configuration_version`,
			c.DeviceID, at, c.ConfigurationVersion)
		if err == nil && n == 0 {
			err = codec.NotFound("device", c.DeviceID)
		}
		return err
	})
}

// LastCheckIn returns a device's last check-in.
func (s *Store) LastCheckIn(ctx context.Context, deviceID string) (c *store.CheckIn, err error) {
	err = s.read(ctx, func(q Querier) error {
		var at string
		c = &store.CheckIn{DeviceID: deviceID}
		err := s.row(ctx, q, "SELECT at, configuration_version FROM checkins WHERE device_id = $1", []any{deviceID}, &at, &c.ConfigurationVersion)
		if errors.Is(err, errNoRows) {
			return codec.NotFound("check-in", deviceID)
		} else if err != nil {
			return err
		}
		c.At, err = codec.ParseTime(at)
		return err
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}
