package authz

import (
	"slices"
)

// Grant is an Authorizer's answer for one permission: who was allowed,
// and how far the permission reaches. An unscoped grant reaches every
// object; a scoped grant reaches the objects whose scope tags share one
// with the grant's. The zero Grant is scoped to no tag: it reaches
// nothing.
//
// A Grant is an immutable value, safe for concurrent use.
type Grant struct {
	principalID string
	unscoped    bool
	tags        []string // sorted, each once; nil when unscoped
}

// Unscoped returns a grant that reaches every object.
func Unscoped(principalID string) Grant {
	return Grant{principalID: principalID, unscoped: true}
}

// Scoped returns a grant limited to the scope tags given; none means the
// Default tag ("0") alone.
func Scoped(principalID string, tags ...string) Grant {
	if len(tags) == 0 {
		return Grant{principalID: principalID, tags: []string{DefaultScopeTag}}
	}
	t := slices.Clone(tags)
	slices.Sort(t)
	return Grant{principalID: principalID, tags: slices.Compact(t)}
}

// PrincipalID returns the id of the principal the grant was made to ("" when
// the caller is anonymous, as under AllowAll without a principal).
func (g Grant) PrincipalID() string { return g.principalID }

// IsUnscoped reports whether the grant reaches every object.
func (g Grant) IsUnscoped() bool { return g.unscoped }

// Tags returns the scope tags of a scoped grant, sorted; nil for an
// unscoped one.
func (g Grant) Tags() []string { return slices.Clone(g.tags) }

// Holds reports whether the grant reaches objects tagged tag: always for
// an unscoped grant.
func (g Grant) Holds(tag string) bool {
	if g.unscoped {
		return true
	}
	_, found := slices.BinarySearch(g.tags, tag)
	return found
}

// Sees reports whether the grant reaches an object with the given scope
// tags: an unscoped grant reaches every object, a scoped one the objects
// that share a tag with it. An object without tags carries the Default
// tag.
func (g Grant) Sees(objectTags []string) bool {
	if g.unscoped {
		return true
	}
	if len(objectTags) == 0 {
		return g.Holds(DefaultScopeTag)
	}
	for _, t := range objectTags {
		if g.Holds(t) {
			return true
		}
	}
	return false
}
