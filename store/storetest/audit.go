package storetest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/secmgmt/secmgmt/store"
)

// auditEntry is a sample entry, different for each i.
func auditEntry(i int) store.AuditEntry {
	kinds := []string{"policy", "group", "device", "tenant"}
	e := store.AuditEntry{
		At:            t0.Add(time.Duration(i) * time.Minute),
		PrincipalID:   fmt.Sprintf("admin-%d@contoso.example", i%3),
		Operation:     []string{"UpdatePolicy", "CreateGroup", "TagDevice", "SetTenant"}[i%4],
		ObjectKind:    kinds[i%4],
		ObjectID:      id("obj", i%5),
		BeforeVersion: int64(i),
		AfterVersion:  int64(i + 1),
		Detail:        fmt.Sprintf("change %d: name \"a\" → \"b\"", i),
	}
	if e.ObjectKind == "tenant" {
		e.ObjectID = ""
	}
	return e
}

// appendAudit appends entries and returns them as they read back.
func appendAudit(t *testing.T, s store.Store, es ...store.AuditEntry) []*store.AuditEntry {
	t.Helper()
	out := make([]*store.AuditEntry, len(es))
	must(t, s.Tx(ctx(t), func(tx store.Store) error {
		for i, e := range es {
			seq, err := tx.AppendAudit(ctx(t), e)
			if err != nil {
				return err
			}
			e.Seq, e.At = seq, e.At.UTC()
			out[i] = &e
		}
		return nil
	}))
	return out
}

// seqs returns the sequence numbers of entries.
func seqs(es []*store.AuditEntry) []int64 {
	out := make([]int64, len(es))
	for i, e := range es {
		out[i] = e.Seq
	}
	return out
}

var auditCases = []testCase{
	{"RoundTrip", func(t *testing.T, e *env) {
		var in []store.AuditEntry
		for i := range 6 {
			in = append(in, auditEntry(i))
		}
		// A time in another zone reads back in UTC, the same instant.
		in[2].At = in[2].At.In(time.FixedZone("UTC+2", 2*3600))
		want := appendAudit(t, e.s, in...)
		for i := 1; i < len(want); i++ {
			if want[i].Seq <= want[i-1].Seq {
				t.Fatalf("sequence numbers %v do not increase", seqs(want))
			}
		}
		deepEqual(t, "audit trail", collect(t, e.s.Audit(ctx(t), store.AuditQuery{})), want)
		// Outside a transaction too.
		seq := mustV(e.s.AppendAudit(ctx(t), auditEntry(6)))(t)
		if seq <= want[len(want)-1].Seq {
			t.Fatalf("entry appended after %d got number %d", want[len(want)-1].Seq, seq)
		}
	}},
	{"Canonical", func(t *testing.T, e *env) {
		// Invalid UTF-8 in the detail reads back as encoding/json writes
		// it; a principal may be empty (a caller without one).
		in := auditEntry(0)
		in.PrincipalID = ""
		in.Detail = "bad \xff\xfe byte"
		got := collect(t, e.s.Audit(ctx(t), store.AuditQuery{}))
		if len(got) != 0 {
			t.Fatalf("a new store has %d entries", len(got))
		}
		want := appendAudit(t, e.s, in)[0]
		want.Detail = "bad \uFFFD\uFFFD byte"
		deepEqual(t, "entry", collect(t, e.s.Audit(ctx(t), store.AuditQuery{}))[0], want)
	}},
	{"Invalid", func(t *testing.T, e *env) {
		cases := map[string]func(*store.AuditEntry){
			"no operation":        func(a *store.AuditEntry) { a.Operation = "" },
			"no object kind":      func(a *store.AuditEntry) { a.ObjectKind = "" },
			"negative before":     func(a *store.AuditEntry) { a.BeforeVersion = -1 },
			"negative after":      func(a *store.AuditEntry) { a.AfterVersion = -3 },
			"year 10000":          func(a *store.AuditEntry) { a.At = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) },
			"NUL in the detail":   func(a *store.AuditEntry) { a.Detail = "a\x00b" },
			"detail too long":     func(a *store.AuditEntry) { a.Detail = strings.Repeat("x", store.MaxAuditDetail+1) },
			"operation too long":  func(a *store.AuditEntry) { a.Operation = strings.Repeat("o", store.MaxKeyLen+1) },
			"NUL in the object":   func(a *store.AuditEntry) { a.ObjectID = "p\x001" },
			"bad UTF-8 principal": func(a *store.AuditEntry) { a.PrincipalID = "adm\xc3" },
		}
		for name, edit := range cases {
			a := auditEntry(1)
			edit(&a)
			_, err := e.s.AppendAudit(ctx(t), a)
			if err == nil {
				t.Fatalf("%s: appended", name)
			}
			wantInvalid(t, err)
		}
		if got := collect(t, e.s.Audit(ctx(t), store.AuditQuery{})); len(got) != 0 {
			t.Fatalf("%d entries appended from invalid input", len(got))
		}
		for name, q := range map[string]store.AuditQuery{
			"negative after": {After: -1},
			"year -1":        {From: time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)},
			"year 10000":     {To: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
			"NUL":            {ObjectID: "a\x00"},
		} {
			_, err := collectErr(e.s.Audit(ctx(t), q))
			if err == nil {
				t.Fatalf("query %s: no error", name)
			}
			wantInvalid(t, err)
		}
	}},
	{"Query", func(t *testing.T, e *env) {
		var in []store.AuditEntry
		for i := range 40 {
			in = append(in, auditEntry(i))
		}
		all := appendAudit(t, e.s, in...)
		for name, q := range map[string]store.AuditQuery{
			"everything":       {},
			"principal":        {PrincipalID: "admin-1@contoso.example"},
			"operation":        {Operation: "TagDevice"},
			"object kind":      {ObjectKind: "group"},
			"object":           {ObjectKind: "policy", ObjectID: id("obj", 3)},
			"object id only":   {ObjectID: id("obj", 2)},
			"from (inclusive)": {From: t0.Add(10 * time.Minute)},
			"to (exclusive)":   {To: t0.Add(10 * time.Minute)},
			"time range":       {From: t0.Add(5 * time.Minute), To: t0.Add(17 * time.Minute)},
			"after":            {After: all[24].Seq},
			"combined":         {PrincipalID: "admin-2@contoso.example", ObjectKind: "device", From: t0.Add(3 * time.Minute), After: all[1].Seq},
			"nothing":          {PrincipalID: "nobody"},
		} {
			var want []*store.AuditEntry
			for _, a := range all {
				if q.Matches(a) {
					want = append(want, a)
				}
			}
			got := collect(t, e.s.Audit(ctx(t), q))
			if fmt.Sprint(seqs(got)) != fmt.Sprint(seqs(want)) {
				t.Fatalf("%s: entries %v, want %v", name, seqs(got), seqs(want))
			}
			if name != "nothing" && len(got) == 0 {
				t.Fatalf("%s: the case selects nothing", name)
			}
		}
		// The bounds are exact: From selects the entry at From, To leaves
		// the entry at To out.
		if got := collect(t, e.s.Audit(ctx(t), store.AuditQuery{From: all[10].At, To: all[11].At})); len(got) != 1 || got[0].Seq != all[10].Seq {
			t.Fatalf("[At(10), At(11)) selects %v", seqs(got))
		}
	}},
	{"Pages", func(t *testing.T, e *env) {
		// More entries than a page, and a selective query over a long
		// trail: each entry once, in order, resumable with After.
		const n = 3000
		in := make([]store.AuditEntry, n)
		for i := range in {
			in[i] = auditEntry(i)
			in[i].PrincipalID = "bulk"
			if i%500 == 7 {
				in[i].PrincipalID = "rare"
			}
		}
		all := appendAudit(t, e.s, in...)
		got := collect(t, e.s.Audit(ctx(t), store.AuditQuery{}))
		if fmt.Sprint(seqs(got)) != fmt.Sprint(seqs(all)) {
			t.Fatalf("iterating %d entries gave %d, or out of order", n, len(got))
		}
		rare := collect(t, e.s.Audit(ctx(t), store.AuditQuery{PrincipalID: "rare"}))
		if len(rare) != n/500 || rare[0].Seq != all[7].Seq || rare[len(rare)-1].Seq != all[n-500+7].Seq {
			t.Fatalf("the rare entries: %v", seqs(rare))
		}
		// Stop half-way, resume after the last one seen.
		var first []*store.AuditEntry
		for a, err := range e.s.Audit(ctx(t), store.AuditQuery{}) {
			must(t, err)
			first = append(first, a)
			if len(first) == 700 {
				break
			}
		}
		rest := collect(t, e.s.Audit(ctx(t), store.AuditQuery{After: first[len(first)-1].Seq}))
		if len(first)+len(rest) != n || rest[0].Seq != all[700].Seq {
			t.Fatalf("resumed iteration: %d + %d entries", len(first), len(rest))
		}
	}},
	{"Tx", func(t *testing.T, e *env) {
		// An entry commits and rolls back with the change it records.
		err := e.s.Tx(ctx(t), func(tx store.Store) error {
			if _, err := tx.PutDevice(ctx(t), bareDevice("d1")); err != nil {
				return err
			}
			if _, err := tx.AppendAudit(ctx(t), auditEntry(0)); err != nil {
				return err
			}
			if n := len(collect(t, tx.Audit(ctx(t), store.AuditQuery{}))); n != 1 {
				t.Errorf("the transaction sees %d of its entries", n)
			}
			return errStop
		})
		wantErr(t, err, errStop)
		if n := len(collect(t, e.s.Audit(ctx(t), store.AuditQuery{}))); n != 0 {
			t.Fatalf("%d entries after a rollback", n)
		}
		kept := appendAudit(t, e.s, auditEntry(1))
		// A nested transaction that fails takes its entries back alone.
		must(t, e.s.Tx(ctx(t), func(tx store.Store) error {
			if _, err := tx.AppendAudit(ctx(t), auditEntry(2)); err != nil {
				return err
			}
			err := tx.Tx(ctx(t), func(inner store.Store) error {
				if _, err := inner.AppendAudit(ctx(t), auditEntry(3)); err != nil {
					return err
				}
				return errStop
			})
			if !errors.Is(err, errStop) {
				return fmt.Errorf("nested: %v", err)
			}
			return nil
		}))
		got := collect(t, e.s.Audit(ctx(t), store.AuditQuery{}))
		if len(got) != 2 || got[0].Seq != kept[0].Seq || got[1].Operation != auditEntry(2).Operation {
			t.Fatalf("after a committed and a nested rolled-back append: %v", seqs(got))
		}
	}},
	{"OutlivesRecords", func(t *testing.T, e *env) {
		// Entries name records without depending on them: a deleted
		// device keeps its entries, and an entry may name a record that
		// was never stored.
		mustV(e.s.PutDevice(ctx(t), bareDevice("d1")))(t)
		a := auditEntry(2)
		a.ObjectKind, a.ObjectID = "device", "d1"
		mustV(e.s.AppendAudit(ctx(t), a))(t)
		must(t, e.s.DeleteDevice(ctx(t), "d1", 1))
		b := auditEntry(2)
		b.ObjectKind, b.ObjectID = "device", "never-stored"
		mustV(e.s.AppendAudit(ctx(t), b))(t)
		if got := collect(t, e.s.Audit(ctx(t), store.AuditQuery{ObjectKind: "device"})); len(got) != 2 {
			t.Fatalf("%d device entries", len(got))
		}
	}},
	{"Concurrent", func(t *testing.T, e *env) {
		const writers, each = 4, 15
		parallel(writers, func(w int) {
			for i := range each {
				a := auditEntry(i)
				a.PrincipalID = fmt.Sprintf("w%d", w)
				if _, err := e.s.AppendAudit(ctx(t), a); err != nil {
					t.Error(err)
					return
				}
			}
		})
		got := collect(t, e.s.Audit(ctx(t), store.AuditQuery{}))
		if len(got) != writers*each {
			t.Fatalf("%d entries, want %d", len(got), writers*each)
		}
		seen := map[int64]bool{}
		perWriter := map[string]int{}
		for i, a := range got {
			if seen[a.Seq] || (i > 0 && a.Seq <= got[i-1].Seq) {
				t.Fatalf("sequence numbers repeat or go back: %v", seqs(got))
			}
			seen[a.Seq] = true
			perWriter[a.PrincipalID]++
		}
		for w := range writers {
			if n := perWriter[fmt.Sprintf("w%d", w)]; n != each {
				t.Fatalf("writer %d: %d entries", w, n)
			}
		}
	}},
}
