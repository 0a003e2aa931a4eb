package enrollment

import "testing"

func TestParseVersion(t *testing.T) {
	for _, tc := range []struct {
		in    string
		ok    bool
		parts []int
	}{
		{"101.23052.0009", true, []int{101, 23052, 9}},
		{"10.0.22631.4460", true, []int{10, 0, 22631, 4460}},
		{"7", true, []int{7}},
		{"999999999.0", true, []int{999999999, 0}},
		{"", false, nil},
		{"1..2", false, nil},
		{"1.2.", false, nil},
		{".1", false, nil},
		{"1.2.3.4.5", false, nil},
		{"1.2.3.4.", false, nil},
		{"1.-2", false, nil},
		{"1.+2", false, nil},
		{"1.2a", false, nil},
		{"1234567890", false, nil},
	} {
		v, ok := parseVersion(tc.in)
		if ok != tc.ok {
			t.Errorf("%q: ok %t", tc.in, ok)
			continue
		}
		for i, p := range tc.parts {
			if v.part(i) != p {
				t.Errorf("%q part %d: %d, want %d", tc.in, i, v.part(i), p)
			}
		}
		if ok && v.part(len(tc.parts)) != -1 {
			t.Errorf("%q: too many parts", tc.in)
		}
	}
	a, b := mustVersion("101.23052.0009"), mustVersion("101.23052.9")
	if a.compare(b) != 0 || mustVersion("10.0").compare(mustVersion("10.0.0.0")) != 0 || mustVersion("10.0.1").compare(a) >= 0 || a.compare(mustVersion("101.23042.0010")) <= 0 {
		t.Error("compare")
	}
	defer func() {
		if recover() == nil {
			t.Error("mustVersion accepted a bad constant")
		}
	}()
	mustVersion("x")
}

func FuzzParseVersion(f *testing.F) {
	for _, s := range []string{"101.23052.0009", "10.0.22631.4460", "1..", "1.2.3.4.5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, ok := parseVersion(s)
		if ok && (v.n < 1 || v.n > 4) {
			t.Fatalf("%q: %d parts", s, v.n)
		}
		if ok && v.compare(v) != 0 {
			t.Fatal("a version differs from itself")
		}
	})
}
