package enrollment

// version is a dotted numeric version such as "10.0.22631.4460" or
// "101.23052.0009": up to four components, n of them present.
type version struct {
	parts [4]int
	n     int
}

// parseVersion reads a dotted numeric version of 1 to 4 parts, each of at
// most 9 decimal digits. It does not allocate.
func parseVersion(s string) (version, bool) {
	var v version
	digits := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			if digits == 0 {
				return version{}, false
			}
			v.n++
			if v.n == len(v.parts) && i < len(s) {
				return version{}, false // a fifth component
			}
			digits = 0
			continue
		}
		c := s[i]
		if c < '0' || c > '9' || digits == 9 {
			return version{}, false
		}
		v.parts[v.n] = v.parts[v.n]*10 + int(c-'0')
		digits++
	}
	return v, true
}

// part returns component i, or -1 when the version has fewer parts.
func (v version) part(i int) int {
	if i < v.n {
		return v.parts[i]
	}
	return -1
}

// compare orders versions component by component; a missing component is 0.
func (v version) compare(w version) int {
	for i := range v.parts {
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
