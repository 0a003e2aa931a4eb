package codec

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/secmgmt/secmgmt/report"
	"github.com/secmgmt/secmgmt/store"
)

// EncodedReport is the stored form of a status report: a header row, and
// one document per policy holding that policy's results.
type EncodedReport struct {
	DeviceID             string
	ReportID             string
	ConfigurationVersion string
	ReportedAt           string
	Policies             []PolicyResults
}

// PolicyResults is one policy's results in a report.
type PolicyResults struct {
	PolicyID string
	Doc      []byte
}

type resultDoc struct {
	SettingID string `json:"setting"`
	Status    string `json:"status"`
	ErrorCode int    `json:"errorCode,omitempty"`
	Message   string `json:"message,omitempty"`
	Value     string `json:"value,omitempty"`
}

// checkReport checks a status report and returns the stored form of its
// time and the order of its results by policy id and setting id.
func checkReport(r *store.StatusReport) (at string, order []int, err error) {
	const rec = "status report"
	if r == nil {
		return "", nil, &store.InvalidError{Record: rec, Reason: "nil"}
	}
	if err := CheckKey(rec, "DeviceID", r.DeviceID); err != nil {
		return "", nil, err
	}
	if err := CheckKey(rec, "ReportID", r.ReportID); err != nil {
		err.(*store.InvalidError).Key = r.DeviceID
		return "", nil, err
	}
	if err := checkToken(rec, r.DeviceID, "ConfigurationVersion", r.ConfigurationVersion); err != nil {
		return "", nil, err
	}
	at, err = timeField(rec, r.DeviceID, "ReportedAt", r.ReportedAt)
	if err != nil {
		return "", nil, err
	}
	order = make([]int, len(r.Results))
	for i, res := range r.Results {
		field := fmt.Sprintf("Results[%d]", i)
		if p := keyProblem(res.PolicyID, false); p != "" {
			return "", nil, &store.InvalidError{Record: rec, Key: r.DeviceID, Field: field + ".PolicyID", Reason: p}
		}
		if p := keyProblem(res.SettingID, false); p != "" {
			return "", nil, &store.InvalidError{Record: rec, Key: r.DeviceID, Field: field + ".SettingID", Reason: p}
		}
		if !res.Status.Valid() {
			return "", nil, &store.InvalidError{Record: rec, Key: r.DeviceID, Field: field + ".Status",
				Reason: fmt.Sprintf("unknown status %q", string(res.Status))}
		}
		order[i] = i
	}
	byKey := func(a, b int) int {
		x, y := &r.Results[a], &r.Results[b]
		return cmp.Or(cmp.Compare(x.PolicyID, y.PolicyID), cmp.Compare(x.SettingID, y.SettingID))
	}
	slices.SortStableFunc(order, byKey)
	for k := 1; k < len(order); k++ {
		if byKey(order[k-1], order[k]) == 0 {
			res := r.Results[order[k]]
			return "", nil, &store.InvalidError{Record: rec, Key: r.DeviceID, Field: fmt.Sprintf("Results[%d]", order[k]),
				Reason: fmt.Sprintf("a second result for policy %q setting %q", res.PolicyID, res.SettingID)}
		}
	}
	return at, order, nil
}

// EncodeReport checks a status report and returns its stored form, the
// results ordered by policy id and setting id.
func EncodeReport(r *store.StatusReport) (*EncodedReport, error) {
	const rec = "status report"
	at, order, err := checkReport(r)
	if err != nil {
		return nil, err
	}
	out := &EncodedReport{DeviceID: r.DeviceID, ReportID: r.ReportID, ConfigurationVersion: r.ConfigurationVersion, ReportedAt: at}
	for start := 0; start < len(order); {
		pid := r.Results[order[start]].PolicyID
		end := start
		var docs []resultDoc
		for ; end < len(order) && r.Results[order[end]].PolicyID == pid; end++ {
			res := &r.Results[order[end]]
			docs = append(docs, resultDoc{SettingID: res.SettingID, Status: string(res.Status), ErrorCode: res.ErrorCode,
				Message: res.Message, Value: res.Value})
		}
		doc, err := json.Marshal(docs)
		if err != nil {
			return nil, &store.InvalidError{Record: rec, Key: r.DeviceID, Field: "Results", Err: err}
		}
		out.Policies = append(out.Policies, PolicyResults{PolicyID: pid, Doc: doc})
		start = end
	}
	return out, nil
}

// DecodeReport reads a status report from its header and its policies'
// documents (in policy id order).
func DecodeReport(e *EncodedReport) (*store.StatusReport, error) {
	r, err := decodeReport(e)
	if err != nil {
		return nil, &Corrupt{Record: "status report", Key: e.DeviceID, Err: err}
	}
	return r, nil
}

func decodeReport(e *EncodedReport) (*store.StatusReport, error) {
	at, err := ParseTime(e.ReportedAt)
	if err != nil {
		return nil, err
	}
	r := &store.StatusReport{DeviceID: e.DeviceID, ReportID: e.ReportID, ConfigurationVersion: e.ConfigurationVersion, ReportedAt: at}
	for _, p := range e.Policies {
		var docs []resultDoc
		if err := json.Unmarshal(p.Doc, &docs); err != nil {
			return nil, err
		}
		for _, d := range docs {
			r.Results = append(r.Results, store.SettingResult{PolicyID: p.PolicyID, SettingID: d.SettingID,
				Status: report.Status(d.Status), ErrorCode: d.ErrorCode, Message: d.Message, Value: d.Value})
		}
	}
	return r, nil
}

// CanonicalReport checks a status report and returns it as it reads back
// from its stored form: results ordered by policy id and setting id, the
// time as stored, and text as a JSON document keeps it (each byte of
// invalid UTF-8 replaced by U+FFFD). It builds that directly rather than
// through EncodeReport and DecodeReport, which give the same (the tests
// compare them).
func CanonicalReport(r *store.StatusReport) (*store.StatusReport, error) {
	at, order, err := checkReport(r)
	if err != nil {
		return nil, err
	}
	t, err := ParseTime(at)
	if err != nil {
		return nil, unreadable("status report", r.DeviceID, err)
	}
	c := &store.StatusReport{DeviceID: r.DeviceID, ReportID: r.ReportID, ConfigurationVersion: r.ConfigurationVersion, ReportedAt: t}
	if len(order) > 0 {
		c.Results = make([]store.SettingResult, len(order))
		for i, k := range order {
			res := &r.Results[k]
			c.Results[i] = store.SettingResult{PolicyID: res.PolicyID, SettingID: res.SettingID, Status: res.Status,
				ErrorCode: res.ErrorCode, Message: jsonText(res.Message), Value: jsonText(res.Value)}
		}
	}
	return c, nil
}

// jsonText returns s as encoding/json writes and reads it back: every byte
// that is not part of valid UTF-8 becomes U+FFFD.
func jsonText(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	b := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = utf8.AppendRune(b, utf8.RuneError)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return string(b)
}

// CheckCredential checks a credential and returns the stored forms of its
// times.
func CheckCredential(c *store.Credential) (issued, revoked string, err error) {
	const rec = "credential"
	if c == nil {
		return "", "", &store.InvalidError{Record: rec, Reason: "nil"}
	}
	if err := CheckKey(rec, "DeviceID", c.DeviceID); err != nil {
		return "", "", err
	}
	if len(c.Hash) == 0 {
		return "", "", &store.InvalidError{Record: rec, Key: c.DeviceID, Field: "Hash", Reason: "empty"}
	}
	if issued, err = timeField(rec, c.DeviceID, "IssuedAt", c.IssuedAt); err != nil {
		return "", "", err
	}
	if revoked, err = timeField(rec, c.DeviceID, "RevokedAt", c.RevokedAt); err != nil {
		return "", "", err
	}
	return issued, revoked, nil
}

// CanonicalCredential checks a credential and returns it as it reads back.
func CanonicalCredential(c *store.Credential) (*store.Credential, error) {
	issued, revoked, err := CheckCredential(c)
	if err != nil {
		return nil, err
	}
	return DecodeCredential(c.DeviceID, c.Hash, issued, revoked)
}

// DecodeCredential reads a credential; hash is copied.
func DecodeCredential(deviceID string, hash []byte, issued, revoked string) (*store.Credential, error) {
	c := &store.Credential{DeviceID: deviceID, Hash: slices.Clone(hash)}
	var err error
	if c.IssuedAt, err = ParseTime(issued); err != nil {
		return nil, &Corrupt{Record: "credential", Key: deviceID, Err: err}
	}
	if c.RevokedAt, err = ParseTime(revoked); err != nil {
		return nil, &Corrupt{Record: "credential", Key: deviceID, Err: err}
	}
	return c, nil
}

// RevocationTime checks the time a credential is revoked at.
func RevocationTime(deviceID string, at time.Time) (string, error) {
	if err := CheckKey("credential", "DeviceID", deviceID); err != nil {
		return "", err
	}
	if at.IsZero() {
		return "", &store.InvalidError{Record: "credential", Key: deviceID, Field: "at", Reason: "zero time"}
	}
	return timeField("credential", deviceID, "at", at)
}

// CheckCheckIn checks a check-in. It does not allocate: it is on the
// check-in path.
func CheckCheckIn(c *store.CheckIn) error {
	const rec = "check-in"
	if err := CheckKey(rec, "DeviceID", c.DeviceID); err != nil {
		return err
	}
	if err := checkToken(rec, c.DeviceID, "ConfigurationVersion", c.ConfigurationVersion); err != nil {
		return err
	}
	if !TimeOK(c.At) {
		return &store.InvalidError{Record: rec, Key: c.DeviceID, Field: "At", Reason: "year outside 0 to 9999"}
	}
	return nil
}

// EncodeChange checks a change and returns the document of its keys.
func EncodeChange(c *store.Change) ([]byte, error) {
	const rec = "change"
	if err := CheckKey(rec, "Kind", c.Kind); err != nil {
		return nil, err
	}
	for i, k := range c.Keys {
		if err := checkToken(rec, c.Kind, fmt.Sprintf("Keys[%d]", i), k); err != nil {
			return nil, err
		}
	}
	keys := c.Keys
	if keys == nil {
		keys = []string{}
	}
	return json.Marshal(keys)
}

// DecodeChange reads a change.
func DecodeChange(seq int64, kind string, keys []byte) (store.Change, error) {
	c := store.Change{Seq: seq, Kind: kind}
	if err := json.Unmarshal(keys, &c.Keys); err != nil {
		return c, &Corrupt{Record: "change", Key: fmt.Sprint(seq), Err: err}
	}
	if len(c.Keys) == 0 {
		c.Keys = nil
	}
	return c, nil
}

// CanonicalChange checks a change and returns it as it reads back, without
// its sequence number.
func CanonicalChange(c *store.Change) (store.Change, error) {
	doc, err := EncodeChange(c)
	if err != nil {
		return store.Change{}, err
	}
	return DecodeChange(0, c.Kind, doc)
}

// MaxChanges bounds one read of the change feed.
const MaxChanges = 10000

// CheckLimit checks the limit of a read of the change feed.
func CheckLimit(limit int) error {
	if limit < 1 || limit > MaxChanges {
		return &store.InvalidError{Record: "change", Field: "limit", Reason: fmt.Sprintf("%d is not between 1 and %d", limit, MaxChanges)}
	}
	return nil
}
