package ordered

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
)

// check compares m with the reference map and checks the invariants.
func check(t *testing.T, m *Map[int], ref map[string]int) {
	t.Helper()
	if m.Len() != len(ref) {
		t.Fatalf("Len = %d, want %d", m.Len(), len(ref))
	}
	var keys []string
	m.Ascend("", func(k string, v int) bool {
		if ref[k] != v {
			t.Fatalf("key %q = %d, want %d", k, v, ref[k])
		}
		keys = append(keys, k)
		return true
	})
	want := slices.Sorted(maps.Keys(ref))
	if !slices.Equal(keys, want) {
		t.Fatalf("Ascend keys = %v, want %v", keys, want)
	}
	if len(m.lasts) != len(m.chunks) {
		t.Fatalf("%d chunks, %d last keys", len(m.chunks), len(m.lasts))
	}
	for i, c := range m.chunks {
		if len(c.keys) == 0 || len(c.keys) > maxChunk || len(c.keys) != len(c.vals) {
			t.Fatalf("chunk %d has %d keys, %d values", i, len(c.keys), len(c.vals))
		}
		if m.lasts[i] != c.keys[len(c.keys)-1] {
			t.Fatalf("chunk %d: last key %q, recorded %q", i, c.keys[len(c.keys)-1], m.lasts[i])
		}
	}
}

func TestMapAgainstReference(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, seed))
			var m Map[int]
			ref := map[string]int{}
			for step := range 20000 {
				k := fmt.Sprintf("k%04d", r.IntN(3000))
				switch r.IntN(3) {
				case 0, 1:
					old, replaced := m.Set(k, step)
					wantOld, wantReplaced := ref[k]
					if replaced != wantReplaced || old != wantOld {
						t.Fatalf("Set(%q) = %d, %v; want %d, %v", k, old, replaced, wantOld, wantReplaced)
					}
					ref[k] = step
				case 2:
					old, ok := m.Delete(k)
					wantOld, wantOK := ref[k]
					if ok != wantOK || old != wantOld {
						t.Fatalf("Delete(%q) = %d, %v; want %d, %v", k, old, ok, wantOld, wantOK)
					}
					delete(ref, k)
				}
				if v, ok := m.Get(k); ok != (ref[k] == v && ok) {
					t.Fatalf("Get(%q) disagrees", k)
				}
			}
			check(t, &m, ref)
			for k := range ref {
				m.Delete(k)
			}
			check(t, &m, map[string]int{})
			if m.chunks != nil {
				t.Fatalf("empty map keeps %d chunks", len(m.chunks))
			}
		})
	}
}

func TestAscendAfter(t *testing.T) {
	var m Map[int]
	for i := range 1000 {
		m.Set(fmt.Sprintf("%04d", i*2), i)
	}
	tests := []struct {
		after string
		first string
		n     int
	}{
		{"", "0000", 1000},
		{"0000", "0002", 999},
		{"0001", "0002", 999},
		{"1000", "1002", 499},
		{"1998", "", 0},
		{"9", "", 0},
	}
	for _, tt := range tests {
		var got []string
		m.Ascend(tt.after, func(k string, _ int) bool { got = append(got, k); return true })
		if len(got) != tt.n || (tt.n > 0 && got[0] != tt.first) {
			t.Errorf("Ascend(%q): %d keys from %v, want %d from %q", tt.after, len(got), got[:min(1, len(got))], tt.n, tt.first)
		}
	}
	count := 0
	m.Ascend("", func(string, int) bool { count++; return count < 10 })
	if count != 10 {
		t.Errorf("Ascend went on after fn returned false: %d calls", count)
	}
}

func TestSequentialLoadIsDense(t *testing.T) {
	var m Map[struct{}]
	const n = 100 * maxChunk
	for i := range n {
		m.Set(fmt.Sprintf("%08d", i), struct{}{})
	}
	if got, want := len(m.chunks), n/maxChunk+1; got > want {
		t.Errorf("%d keys loaded in order use %d chunks, want at most %d", n, got, want)
	}
}

func BenchmarkGet1M(b *testing.B) {
	var m Map[int]
	keys := make([]string, 1_000_000)
	for i := range keys {
		keys[i] = fmt.Sprintf("%08x-0000-4000-8000-%012x", rand.Uint32(), i)
		m.Set(keys[i], i)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		m.Get(keys[i%len(keys)])
		i++
	}
}

func FuzzMap(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 200, 100})
	f.Fuzz(func(t *testing.T, ops []byte) {
		var m Map[int]
		ref := map[string]int{}
		for i, op := range ops {
			k := fmt.Sprintf("%03d", int(op&0x7f)+128*(i%3))
			if op&0x80 == 0 {
				m.Set(k, i)
				ref[k] = i
			} else {
				m.Delete(k)
				delete(ref, k)
			}
		}
		check(t, &m, ref)
	})
}
