package enrollment

import (
	"strconv"
	"strings"
)

// version is a dotted numeric version such as "10.0.22631.4460" or
// "101.23052.0009".
type version []int

// parseVersion reads a dotted numeric version of 1 to 4 parts.
func parseVersion(s string) (version, bool) {
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return nil, false
	}
	v := make(version, len(parts))
	for i, p := range parts {
		if p == "" || len(p) > 9 {
			return nil, false
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || p[0] == '+' || p[0] == '-' {
			return nil, false
		}
		v[i] = n
	}
	return v, true
}

// part returns component i, or -1 when the version has fewer parts.
func (v version) part(i int) int {
	if i < len(v) {
		return v[i]
	}
	return -1
}

// compare orders versions component by component; a missing component is 0.
func (v version) compare(w version) int {
	for i := range max(len(v), len(w)) {
		a, b := max(v.part(i), 0), max(w.part(i), 0)
		if a != b {
			if a < b {
				return -1
			}
			return 1
		}
	}
	return 0
}

// mustVersion parses a constant version.
func mustVersion(s string) version {
	v, ok := parseVersion(s)
	if !ok {
		panic("enrollment: bad version constant " + s)
	}
	return v
}
