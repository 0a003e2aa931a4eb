package codec

import (
	"encoding/json"

	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/store"
)

// EncodePolicy checks a policy and returns its Graph JSON, without its
// assignments (the AssignmentStore keeps them).
func EncodePolicy(p *store.Policy) (id string, doc []byte, err error) {
	const rec = "policy"
	if p == nil || p.Policy == nil {
		return "", nil, &store.InvalidError{Record: rec, Reason: "nil"}
	}
	id = p.Policy.ID
	if err := CheckKey(rec, "Policy.ID", id); err != nil {
		return "", nil, err
	}
	if err := CheckVersion(rec, id, p.Version); err != nil {
		return "", nil, err
	}
	pol := p.Policy
	if pol.Assignments != nil {
		c := *pol
		c.Assignments = nil
		pol = &c
	}
	doc, err = policy.EncodeGraph(pol)
	if err != nil {
		return "", nil, &store.InvalidError{Record: rec, Key: id, Field: "Policy", Err: err}
	}
	return id, doc, nil
}

// DecodePolicy reads a policy.
func DecodePolicy(id string, data []byte, version int64) (*store.Policy, error) {
	p, err := policy.DecodeGraph(data)
	if err != nil {
		return nil, &Corrupt{Record: "policy", Key: id, Err: err}
	}
	// A policy decoded from an export with expanded assignments keeps an
	// (empty) "assignments" member in its JSON; the set itself is the
	// AssignmentStore's.
	p.Assignments = nil
	return &store.Policy{Policy: p, Version: version}, nil
}

// CanonicalPolicy checks a policy and returns it as it reads back.
func CanonicalPolicy(p *store.Policy) (*store.Policy, error) {
	id, doc, err := EncodePolicy(p)
	if err != nil {
		return nil, err
	}
	c, err := DecodePolicy(id, doc, p.Version)
	if err != nil {
		return nil, unreadable("policy", id, err)
	}
	return c, nil
}

// EncodeAssignments checks an assignment set and returns the body of the
// Graph assign action that sets it.
func EncodeAssignments(a *store.Assignments) ([]byte, error) {
	const rec = "assignments"
	if a == nil {
		return nil, &store.InvalidError{Record: rec, Reason: "nil"}
	}
	if err := CheckKey(rec, "PolicyID", a.PolicyID); err != nil {
		return nil, err
	}
	if err := CheckVersion(rec, a.PolicyID, a.Version); err != nil {
		return nil, err
	}
	doc, err := policy.EncodeAssignments(a.Assignments)
	if err != nil {
		return nil, &store.InvalidError{Record: rec, Key: a.PolicyID, Field: "Assignments", Err: err}
	}
	return doc, nil
}

// DecodeAssignments reads an assignment set. An empty doc is a policy never
// assigned.
func DecodeAssignments(policyID string, data []byte, version int64) (*store.Assignments, error) {
	a := &store.Assignments{PolicyID: policyID, Version: version}
	if len(data) == 0 {
		return a, nil
	}
	as, err := policy.DecodeAssignments(data)
	if err != nil {
		return nil, &Corrupt{Record: "assignments", Key: policyID, Err: err}
	}
	if len(as) > 0 {
		a.Assignments = as
	}
	return a, nil
}

// CanonicalAssignments checks an assignment set and returns it as it reads
// back.
func CanonicalAssignments(a *store.Assignments) (*store.Assignments, error) {
	doc, err := EncodeAssignments(a)
	if err != nil {
		return nil, err
	}
	c, err := DecodeAssignments(a.PolicyID, doc, a.Version)
	if err != nil {
		return nil, unreadable("assignments", a.PolicyID, err)
	}
	return c, nil
}

// EncodeTenant checks a tenant configuration and returns its JSON form.
func EncodeTenant(t *store.Tenant) ([]byte, error) {
	const rec = "tenant"
	if t == nil {
		return nil, &store.InvalidError{Record: rec, Reason: "nil"}
	}
	if err := CheckVersion(rec, "", t.Version); err != nil {
		return nil, err
	}
	if err := t.Config.Validate(); err != nil {
		return nil, &store.InvalidError{Record: rec, Field: "Config", Err: err}
	}
	doc, err := json.Marshal(t.Config)
	if err != nil {
		return nil, &store.InvalidError{Record: rec, Field: "Config", Err: err}
	}
	return doc, nil
}

// DecodeTenant reads a tenant configuration.
func DecodeTenant(data []byte, version int64) (*store.Tenant, error) {
	t := &store.Tenant{Version: version}
	if err := json.Unmarshal(data, &t.Config); err != nil {
		return nil, &Corrupt{Record: "tenant", Err: err}
	}
	return t, nil
}

// CanonicalTenant checks a tenant configuration and returns it as it reads
// back.
func CanonicalTenant(t *store.Tenant) (*store.Tenant, error) {
	doc, err := EncodeTenant(t)
	if err != nil {
		return nil, err
	}
	c, err := DecodeTenant(doc, t.Version)
	if err != nil {
		return nil, unreadable("tenant", "", err)
	}
	return c, nil
}

// DefaultTenant is the tenant configuration of a store that was never
// given one, as it reads back.
func DefaultTenant() *store.Tenant {
	t, err := CanonicalTenant(&store.Tenant{Config: enrollment.DefaultTenant()})
	if err != nil {
		panic("codec: the default tenant does not round-trip: " + err.Error())
	}
	return t
}
