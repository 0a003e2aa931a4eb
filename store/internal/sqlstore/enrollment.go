package sqlstore

import (
	"context"
	"iter"

	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/store"
	"github.com/secmgmt/secmgmt/store/internal/codec"
)

// Enrollment returns a device's enrollment state.
func (s *Store) Enrollment(ctx context.Context, deviceID string) (*store.Enrollment, error) {
	return getDoc(ctx, s, "enrollments", "enrollment", deviceID, codec.DecodeEnrollment)
}

// PutEnrollment creates or replaces a device's enrollment state.
func (s *Store) PutEnrollment(ctx context.Context, e *store.Enrollment) (int64, error) {
	doc, err := codec.EncodeEnrollment(e)
	if err != nil {
		return 0, err
	}
	return s.putDoc(ctx, "enrollments", "enrollment", e.Record.DeviceID, doc, e.Version, "devices")
}

// DeleteEnrollment deletes a device's enrollment state and history.
func (s *Store) DeleteEnrollment(ctx context.Context, deviceID string, version int64) error {
	return s.write(ctx, func(q Querier) error {
		if err := s.deleteVersioned(ctx, q, "enrollments", "enrollment", deviceID, version); err != nil {
			return err
		}
		_, err := s.exec(ctx, q, "DELETE FROM history WHERE device_id = $1", deviceID)
		return err
	})
}

// Enrollments iterates over the enrollment states in device id order.
func (s *Store) Enrollments(ctx context.Context, after string) iter.Seq2[*store.Enrollment, error] {
	return docPages(ctx, s, "enrollments", after, codec.DecodeEnrollment)
}

// AppendHistory appends transitions to a device's history.
func (s *Store) AppendHistory(ctx context.Context, deviceID string, ts ...enrollment.Transition) error {
	if err := codec.CheckKey("history", "deviceID", deviceID); err != nil {
		return err
	}
	docs := make([]any, len(ts))
	for i := range ts {
		doc, err := codec.EncodeTransition(deviceID, i, &ts[i])
		if err != nil {
			return err
		}
		docs[i] = string(doc)
	}
	return s.write(ctx, func(q Querier) error {
		if err := s.mustExist(ctx, q, "devices", "device", deviceID); err != nil {
			return err
		}
		for _, doc := range docs {
			if _, err := s.exec(ctx, q, "INSERT INTO history (device_id, doc) VALUES ($1, $2)", deviceID, doc); err != nil {
				return err
			}
		}
		return nil
	})
}

// History iterates over a device's transitions, oldest first.
func (s *Store) History(ctx context.Context, deviceID string) iter.Seq2[*enrollment.Transition, error] {
	return pages(s, ctx, int64(0), func(q Querier, after int64) ([]*enrollment.Transition, int64, bool, error) {
		if err := s.mustExist(ctx, q, "devices", "device", deviceID); err != nil {
			return nil, after, false, err
		}
		rows, err := q.Query(ctx, s.sql("SELECT seq, doc FROM history WHERE device_id = $1 AND seq > $2 ORDER BY seq LIMIT $3"), deviceID, after, pageSize)
		if err != nil {
			return nil, after, false, err
		}
		defer rows.Close()
		var out []*enrollment.Transition
		for rows.Next() {
			var doc []byte
			if err := rows.Scan(&after, &doc); err != nil {
				return nil, after, false, err
			}
			t, err := codec.DecodeTransition(deviceID, doc)
			if err != nil {
				return nil, after, false, err
			}
			out = append(out, t)
		}
		return out, after, len(out) == pageSize, rows.Err()
	})
}
