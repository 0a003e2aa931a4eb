package paging

import (
	"errors"
	"slices"
	"testing"
)

func TestPages(t *testing.T) {
	data := []int{1, 2, 3, 4, 5, 6, 7}
	fetches := 0
	fetch := func(from int) ([]int, int, bool, error) {
		fetches++
		end := min(from+3, len(data))
		return data[from:end], end, end < len(data), nil
	}
	var got []int
	for v, err := range Pages(0, fetch) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
	}
	if !slices.Equal(got, data) || fetches != 3 {
		t.Fatalf("got %v in %d fetches", got, fetches)
	}
	fetches = 0
	for v := range Pages(2, fetch) {
		if v == 4 {
			break
		}
	}
	if fetches != 1 {
		t.Fatalf("breaking off after the first page fetched %d pages", fetches)
	}
	boom := errors.New("boom")
	n := 0
	for _, err := range Pages(0, func(int) ([]int, int, bool, error) { return nil, 0, true, boom }) {
		n++
		if !errors.Is(err, boom) {
			t.Fatalf("error %v", err)
		}
	}
	if n != 1 {
		t.Fatalf("the error was yielded %d times", n)
	}
}
