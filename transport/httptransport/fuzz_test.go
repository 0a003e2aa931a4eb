package httptransport

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/transport"
	"github.com/secmgmt/secmgmt/transport/transporttest"
)

// FuzzStatusReportBody sends arbitrary bodies to the status route: the
// handler answers 204 or a 4xx problem, never a panic or a 5xx, and records
// a report only when it answered 204.
func FuzzStatusReportBody(f *testing.F) {
	f.Add([]byte(`{"deviceId":"dev-a","reportId":"r1","configurationVersion":"empty","results":[{"settingId":"s","status":"succeeded","errorCode":0}]}`), "application/json")
	f.Add([]byte(`{"reportId":"r","configurationVersion":"empty","results":[]}`), "application/json; charset=utf-8")
	f.Add([]byte(`{"deviceId":"dev-b"}`), "application/json")
	f.Add([]byte(`{"results":[{"status":"conflict"}]} {}`), "application/json")
	f.Add([]byte("\xff\xfe"), "text/plain")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		srv := transporttest.NewFakeServer()
		srv.AddDevice("dev-a", "secret-a")
		h := NewHandler(srv, WithMaxBodyBytes(512))
		req := httptest.NewRequest("POST", "/v1/devices/dev-a/status", bytes.NewReader(body))
		req.SetBasicAuth("dev-a", "secret-a")
		req.Header.Set("Content-Type", contentType)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		switch {
		case w.Code == http.StatusNoContent:
			if srv.ReportCount("dev-a") != 1 {
				t.Fatal("204 without a recorded report")
			}
		case w.Code >= 400 && w.Code < 500:
			var p Problem
			if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || p.Status != w.Code || p.Type == "" {
				t.Fatalf("bad problem %d: %s", w.Code, w.Body)
			}
			if srv.ReportCount("dev-a") != 0 {
				t.Fatal("a refused report was recorded")
			}
		default:
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
	})
}

// FuzzIfNoneMatch checks the If-None-Match parser: no panic, only valid
// tags, and the tags it reads survive being written back.
func FuzzIfNoneMatch(f *testing.F) {
	for _, s := range []string{`"v1"`, `W/"v1", "v2"`, `*`, `"a",*`, `"unterminated`, `,,`, `"a" "b"`, "\"\x00\""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		tags, _, err := parseIfNoneMatch([]string{header})
		if err != nil {
			return
		}
		quoted := make([]string, len(tags))
		for i, tag := range tags {
			if !validETag(tag) {
				t.Fatalf("invalid tag %q accepted", tag)
			}
			quoted[i] = `"` + tag + `"`
		}
		again, _, err := parseIfNoneMatch([]string{strings.Join(quoted, ", ")})
		if err != nil || len(again) != len(tags) {
			t.Fatalf("tags %q do not survive: %v %q", tags, err, again)
		}
	})
}

// FuzzCheckInAnswer feeds arbitrary answers to the client's decoder.
func FuzzCheckInAnswer(f *testing.F) {
	f.Add(200, "", []byte(`{"configuration":{"version":"v1","platform":"linux","settings":[]},"nextCheckIn":"2026-03-02T10:30:00Z"}`))
	f.Add(304, "2026-03-02T10:30:00Z", []byte(nil))
	f.Add(200, "", []byte(`{"configuration":{"version":"v","settings":[{"@odata.type":"#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance","settingDefinitionId":"a","choiceSettingValue":{"value":"a_1","children":[]}}]}}`))
	f.Fuzz(func(t *testing.T, status int, next string, body []byte) {
		h := http.Header{}
		h.Set(NextCheckInHeader, next)
		resp, err := decodeCheckInResponse(status, h, body)
		if err == nil && resp == nil {
			t.Fatal("no response and no error")
		}
		if err == nil && !resp.NotModified {
			if resp.Configuration == nil {
				t.Fatal("a configuration answer without a configuration")
			}
			if _, err := json.Marshal(resp); err != nil {
				t.Fatalf("a decoded answer does not encode: %v", err)
			}
		}
	})
}

// FuzzProblemBody feeds arbitrary error answers to the client.
func FuzzProblemBody(f *testing.F) {
	f.Add(403, "application/problem+json", []byte(`{"type":"urn:secmgmt:problem:forbidden","title":"forbidden","status":403}`))
	f.Add(500, "text/html", []byte(`<h1>oops</h1>`))
	f.Add(401, "application/json", []byte(`{"status":"401"}`))
	f.Fuzz(func(t *testing.T, status int, contentType string, body []byte) {
		resp := &http.Response{StatusCode: status, Status: http.StatusText(status), Header: http.Header{"Content-Type": {contentType}}}
		p := readProblem(resp, body)
		if p == nil || p.Unwrap() == nil || p.Error() == "" {
			t.Fatalf("problem %+v", p)
		}
		if p.Status != status {
			t.Fatalf("status %d for a %d answer", p.Status, status)
		}
	})
}

var _ transport.Server = (*transporttest.FakeServer)(nil)

// TestAppendCheckInResponseIsJSONMarshal checks that the handler's writer
// gives what json.Marshal gives: the same JSON value (json.Marshal also
// escapes <, > and & inside the instances, which the writer leaves).
func TestAppendCheckInResponseIsJSONMarshal(t *testing.T) {
	for _, resp := range []*transport.CheckInResponse{
		{Configuration: &transport.Configuration{Version: "v1"}},
		{Configuration: &transport.Configuration{Version: "v<&>\"1", Platform: "windows", Settings: []*policy.SettingInstance{}}},
		{Configuration: &transport.Configuration{Version: "v2", Platform: "linux",
			Settings: []*policy.SettingInstance{policy.Integer("a", 1), nil, policy.Strings("b", "<x&y>", "é\u2028")},
			Policies: []transport.PolicyRef{{ID: "p", Name: "n<"}, {ID: "q"}}},
			NextCheckIn: time.Date(2026, 3, 2, 10, 30, 0, 123, time.FixedZone("x", 3600))},
	} {
		got, err := appendCheckInResponse(nil, resp)
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(resp)
		if err != nil {
			t.Fatal(err)
		}
		var g, w any
		if err := json.Unmarshal(got, &g); err != nil {
			t.Fatalf("not JSON: %v: %s", err, got)
		}
		_ = json.Unmarshal(want, &w)
		if !reflect.DeepEqual(g, w) {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	}
}
