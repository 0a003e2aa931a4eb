package conflict

import (
	"time"

	"github.com/secmgmt/secmgmt/policy"
)

// Resolver decides a conflict instead of withholding the setting. A merge
// without a resolver withholds every conflicting setting, as the service
// does by default.
//
// Resolve gets one dispute at a time and returns the index of the
// candidate whose value is delivered, or ok false to withhold the setting.
// Candidates whose value equals the winner's report succeeded, the others
// conflict. A Resolver must be deterministic and safe for concurrent use;
// it must not keep or modify the dispute.
type Resolver interface {
	Resolve(d *Dispute) (winner int, ok bool)
}

// ResolverFunc adapts a function to the Resolver interface.
type ResolverFunc func(d *Dispute) (winner int, ok bool)

// Resolve calls f.
func (f ResolverFunc) Resolve(d *Dispute) (int, bool) { return f(d) }

// Dispute is one setting that policies set to different values on one
// device.
type Dispute struct {
	// SettingID is the setting key: a definition id (a child's, for
	// settings that merge per child).
	SettingID string
	// Definition is the setting's definition.
	Definition *policy.Definition
	// Candidates holds one entry per policy, in policy id order.
	Candidates []Candidate
	// Values is the number of distinct values among the candidates (at
	// least two).
	Values int
}

// Candidate is one policy's value in a dispute.
type Candidate struct {
	PolicyID     string
	PolicyName   string
	LastModified time.Time
	// Value is the policy's setting instance (for a child that merges on
	// its own, the child's instance). Read only.
	Value *policy.SettingInstance
	// Group numbers the distinct values, 0 to Values-1 in order of first
	// appearance: candidates with the same Group have equal values.
	Group int
}
