// Package paging builds the backends' iterators: keyset paging, a page per
// fetch, yielded after the fetch returns.
package paging

import "iter"

// Pages returns an iterator over the pages fetch returns, starting at
// cursor. fetch returns a page, the cursor after it, and whether more may
// follow. An error is yielded once, and ends the iteration.
func Pages[T, C any](cursor C, fetch func(cursor C) ([]T, C, bool, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for {
			items, next, more, err := fetch(cursor)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if !more {
				return
			}
			cursor = next
		}
	}
}
