package report

import (
	"fmt"
	"testing"
)

func TestRollUp(t *testing.T) {
	S, E, C, P, N := StatusSucceeded, StatusError, StatusConflict, StatusPending, StatusNotApplicable
	cases := []struct {
		in   []Status
		want Status
	}{
		{nil, P},
		{[]Status{S}, S},
		{[]Status{S, S}, S},
		{[]Status{S, P}, P},
		{[]Status{S, C, P}, C},
		{[]Status{C, E}, E},
		{[]Status{S, E, C, P, N}, E},
		{[]Status{N}, N},
		{[]Status{N, N}, N},
		{[]Status{N, S}, S},
		{[]Status{N, P}, P},
		{[]Status{"bogus"}, P},
		{[]Status{"bogus", S}, S},
	}
	for _, c := range cases {
		if got := RollUp(c.in); got != c.want {
			t.Errorf("RollUp(%v) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestStatusValid(t *testing.T) {
	for _, s := range Statuses {
		if !s.Valid() || s.String() == "" {
			t.Errorf("%q should be valid", s)
		}
	}
	if Status("Succeeded").Valid() {
		t.Error("status names are case-sensitive")
	}
}

func ExampleRollUp() {
	fmt.Println(RollUp([]Status{StatusSucceeded, StatusConflict, StatusNotApplicable}))
	fmt.Println(RollUp([]Status{StatusNotApplicable, StatusNotApplicable}))
	// Output:
	// conflict
	// notApplicable
}
