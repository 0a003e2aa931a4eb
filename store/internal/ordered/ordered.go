// Package ordered is a sorted map from string keys to values, for the
// memory backend: point lookups, inserts and deletes in O(log n) plus a
// short copy, and iteration in key order from any key.
//
// It keeps the keys in a list of sorted chunks of at most maxChunk keys,
// found by binary search on each chunk's last key: a two-level B+ tree
// without parent pointers. Memory is the keys and values plus a pointer per
// chunk; nodes are never allocated per key.
//
// A Map is not safe for concurrent use.
package ordered

import "slices"

// maxChunk bounds a chunk; a fuller one splits in two.
const maxChunk = 128

// Map is a sorted map. The zero value is an empty map ready to use.
type Map[V any] struct {
	chunks []*chunk[V]
	// lasts holds each chunk's last key, so that finding a chunk reads one
	// contiguous array instead of chasing a pointer per step.
	lasts []string
	n     int
}

type chunk[V any] struct {
	keys []string
	vals []V
}

// Len returns the number of keys.
func (m *Map[V]) Len() int { return m.n }

// chunkFor returns the index of the chunk that holds key or would: the
// first whose last key is not below key, or the last chunk. It is -1 when
// the map is empty.
func (m *Map[V]) chunkFor(key string) int {
	if len(m.chunks) == 0 {
		return -1
	}
	i, _ := slices.BinarySearch(m.lasts, key)
	return min(i, len(m.chunks)-1)
}

// Get returns the value of key.
func (m *Map[V]) Get(key string) (V, bool) {
	var zero V
	ci := m.chunkFor(key)
	if ci < 0 {
		return zero, false
	}
	c := m.chunks[ci]
	if i, ok := slices.BinarySearch(c.keys, key); ok {
		return c.vals[i], true
	}
	return zero, false
}

// Set sets the value of key and returns the value it replaced, if any.
func (m *Map[V]) Set(key string, v V) (old V, replaced bool) {
	ci := m.chunkFor(key)
	if ci < 0 {
		m.chunks = []*chunk[V]{{keys: []string{key}, vals: []V{v}}}
		m.lasts = []string{key}
		m.n = 1
		return old, false
	}
	c := m.chunks[ci]
	i, ok := slices.BinarySearch(c.keys, key)
	if ok {
		old, c.vals[i] = c.vals[i], v
		return old, true
	}
	c.keys = slices.Insert(c.keys, i, key)
	c.vals = slices.Insert(c.vals, i, v)
	m.n++
	if i == len(c.keys)-1 {
		m.lasts[ci] = key
	}
	if len(c.keys) > maxChunk {
		// Split in halves, except when keys arrive in order at the end
		// of the map: then leave the full chunk and start a new one, so
		// that a map loaded in key order is dense.
		at := len(c.keys) / 2
		if ci == len(m.chunks)-1 && i == len(c.keys)-1 {
			at = len(c.keys) - 1
		}
		next := &chunk[V]{keys: slices.Clone(c.keys[at:]), vals: slices.Clone(c.vals[at:])}
		clear(c.keys[at:])
		clear(c.vals[at:])
		c.keys, c.vals = slices.Clip(c.keys[:at]), slices.Clip(c.vals[:at])
		m.chunks = slices.Insert(m.chunks, ci+1, next)
		m.lasts = slices.Insert(m.lasts, ci, c.keys[at-1])
	}
	return old, false
}

// Delete removes key and returns its value, if it was there.
func (m *Map[V]) Delete(key string) (old V, ok bool) {
	ci := m.chunkFor(key)
	if ci < 0 {
		return old, false
	}
	c := m.chunks[ci]
	i, found := slices.BinarySearch(c.keys, key)
	if !found {
		return old, false
	}
	old = c.vals[i]
	c.keys = slices.Delete(c.keys, i, i+1)
	c.vals = slices.Delete(c.vals, i, i+1)
	m.n--
	switch {
	case len(c.keys) == 0:
		m.chunks = slices.Delete(m.chunks, ci, ci+1)
		m.lasts = slices.Delete(m.lasts, ci, ci+1)
		if len(m.chunks) == 0 {
			m.chunks, m.lasts = nil, nil
		}
		return old, true
	case i == len(c.keys):
		m.lasts[ci] = c.keys[i-1]
	}
	if len(c.keys) < maxChunk/4 {
		m.mergeAround(ci)
	}
	return old, true
}

// mergeAround merges a small chunk into a neighbour that has room, so that
// deletes do not leave a trail of near-empty chunks.
func (m *Map[V]) mergeAround(ci int) {
	c := m.chunks[ci]
	if ci+1 < len(m.chunks) && len(c.keys)+len(m.chunks[ci+1].keys) <= maxChunk {
		n := m.chunks[ci+1]
		c.keys = append(c.keys, n.keys...)
		c.vals = append(c.vals, n.vals...)
		m.chunks = slices.Delete(m.chunks, ci+1, ci+2)
		m.lasts = slices.Delete(m.lasts, ci, ci+1)
		return
	}
	if ci > 0 && len(c.keys)+len(m.chunks[ci-1].keys) <= maxChunk {
		p := m.chunks[ci-1]
		p.keys = append(p.keys, c.keys...)
		p.vals = append(p.vals, c.vals...)
		m.chunks = slices.Delete(m.chunks, ci, ci+1)
		m.lasts = slices.Delete(m.lasts, ci-1, ci)
	}
}

// Ascend calls fn for each key greater than after, in key order, until fn
// returns false. The map must not be changed during the call.
func (m *Map[V]) Ascend(after string, fn func(key string, v V) bool) {
	ci := m.chunkFor(after)
	if ci < 0 {
		return
	}
	c := m.chunks[ci]
	i, found := slices.BinarySearch(c.keys, after)
	if found {
		i++
	}
	for ; ci < len(m.chunks); ci, i = ci+1, 0 {
		c := m.chunks[ci]
		for ; i < len(c.keys); i++ {
			if !fn(c.keys[i], c.vals[i]) {
				return
			}
		}
	}
}

// Clear removes every key.
func (m *Map[V]) Clear() {
	m.chunks, m.lasts = nil, nil
	m.n = 0
}
