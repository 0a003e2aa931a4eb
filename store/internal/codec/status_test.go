package codec

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/secmgmt/secmgmt/report"
	"github.com/secmgmt/secmgmt/store"
)

// viaDocuments is the canonical form by definition: the report stored
// and read back.
func viaDocuments(r *store.StatusReport) (*store.StatusReport, error) {
	e, err := EncodeReport(r)
	if err != nil {
		return nil, err
	}
	return DecodeReport(e)
}

// FuzzCanonicalReport: CanonicalReport, which builds the stored form
// directly, gives what storing and reading back gives, and refuses what
// storing refuses.
func FuzzCanonicalReport(f *testing.F) {
	f.Add("d1", "r1", "v1", int64(1767225600), "p2", "s1", "succeeded", 0, "", "1", "p1", "s2", "error", 5, "bad \xff\xfe value", "x\xc3")
	f.Add("d1", "r1", "v1", int64(0), "p1", "s1", "notApplicable", 0, "", "", "p1", "s1", "succeeded", 0, "", "")
	f.Add("d\x00", "r", "v", int64(-1), "", "s", "bogus", -1, "\xed\xa0\x80", "ok", "p", "s", "conflict", 1, "€", "\x80\x80")
	f.Fuzz(func(t *testing.T, device, reportID, version string, unix int64, p1, s1, st1 string, code1 int, m1, v1, p2, s2, st2 string, code2 int, m2, v2 string) {
		r := &store.StatusReport{DeviceID: device, ReportID: reportID, ConfigurationVersion: version,
			ReportedAt: time.Unix(unix, 123456789).In(time.FixedZone("x", 3600)),
			Results: []store.SettingResult{
				{PolicyID: p1, SettingID: s1, Status: report.Status(st1), ErrorCode: code1, Message: m1, Value: v1},
				{PolicyID: p2, SettingID: s2, Status: report.Status(st2), ErrorCode: code2, Message: m2, Value: v2},
			}}
		want, wantErr := viaDocuments(r)
		got, err := CanonicalReport(r)
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("CanonicalReport error %v, stored form error %v", err, wantErr)
		}
		if err != nil {
			var a, b *store.InvalidError
			if errors.As(err, &a) != errors.As(wantErr, &b) || (a != nil && *a != *b) {
				t.Fatalf("errors differ: %v / %v", err, wantErr)
			}
			return
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("CanonicalReport\n%+v\nstored and read back\n%+v", got, want)
		}
	})
}

func TestCanonicalReportNoResults(t *testing.T) {
	r := &store.StatusReport{DeviceID: "d", ReportID: "r", ConfigurationVersion: "v", ReportedAt: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), Results: []store.SettingResult{}}
	got, err := CanonicalReport(r)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := viaDocuments(r)
	if !reflect.DeepEqual(got, want) || got.Results != nil {
		t.Fatalf("%+v vs %+v", got, want)
	}
}
