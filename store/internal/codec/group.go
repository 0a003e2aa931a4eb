package codec

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/secmgmt/secmgmt/store"
)

type groupDoc struct {
	DisplayName     string   `json:"displayName"`
	Description     string   `json:"description,omitempty"`
	MembershipRule  string   `json:"membershipRule,omitempty"`
	ProcessingState string   `json:"processingState"`
	Members         []string `json:"members,omitempty"`
	RoleScopeTagIDs []string `json:"roleScopeTagIds,omitempty"`
}

// EncodeGroup checks a group and returns its document. An empty
// processing state is stored as On; static members and scope tags are
// sorted and deduplicated.
func EncodeGroup(g *store.Group) ([]byte, error) {
	const rec = "group"
	if g == nil {
		return nil, &store.InvalidError{Record: rec, Reason: "nil"}
	}
	if err := CheckKey(rec, "ID", g.ID); err != nil {
		return nil, err
	}
	if err := CheckVersion(rec, g.ID, g.Version); err != nil {
		return nil, err
	}
	doc := groupDoc{
		DisplayName:     g.DisplayName,
		Description:     g.Description,
		MembershipRule:  g.MembershipRule,
		ProcessingState: string(g.ProcessingState),
	}
	if g.ProcessingState == "" {
		doc.ProcessingState = string(store.ProcessingOn)
	} else if !g.ProcessingState.Valid() {
		return nil, &store.InvalidError{Record: rec, Key: g.ID, Field: "ProcessingState",
			Reason: fmt.Sprintf("%q is neither On nor Paused", string(g.ProcessingState))}
	}
	if g.MembershipRule != "" && len(g.Members) > 0 {
		return nil, &store.InvalidError{Record: rec, Key: g.ID, Field: "Members",
			Reason: "a dynamic group has no static members"}
	}
	for i, m := range g.Members {
		if p := keyProblem(m, false); p != "" {
			return nil, &store.InvalidError{Record: rec, Key: g.ID, Field: fmt.Sprintf("Members[%d]", i), Reason: p}
		}
	}
	if len(g.Members) > 0 {
		doc.Members = slices.Compact(slices.Sorted(slices.Values(g.Members)))
	}
	for i, t := range g.RoleScopeTagIDs {
		if p := keyProblem(t, false); p != "" {
			return nil, &store.InvalidError{Record: rec, Key: g.ID, Field: fmt.Sprintf("RoleScopeTagIDs[%d]", i), Reason: p}
		}
	}
	if len(g.RoleScopeTagIDs) > 0 {
		doc.RoleScopeTagIDs = slices.Compact(slices.Sorted(slices.Values(g.RoleScopeTagIDs)))
	}
	return json.Marshal(doc)
}

// DecodeGroup reads a group.
func DecodeGroup(id string, data []byte, version int64) (*store.Group, error) {
	var doc groupDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, &Corrupt{Record: "group", Key: id, Err: err}
	}
	return &store.Group{
		ID:              id,
		DisplayName:     doc.DisplayName,
		Description:     doc.Description,
		MembershipRule:  doc.MembershipRule,
		ProcessingState: store.ProcessingState(doc.ProcessingState),
		Members:         doc.Members,
		RoleScopeTagIDs: doc.RoleScopeTagIDs,
		Version:         version,
	}, nil
}

// CanonicalGroup checks a group and returns it as it reads back.
func CanonicalGroup(g *store.Group) (*store.Group, error) {
	doc, err := EncodeGroup(g)
	if err != nil {
		return nil, err
	}
	c, err := DecodeGroup(g.ID, doc, g.Version)
	if err != nil {
		return nil, unreadable("group", g.ID, err)
	}
	return c, nil
}

// CheckMemberships checks a membership delta: keys, and no pair both added
// and removed.
func CheckMemberships(d store.MembershipDelta) error {
	const rec = "membership"
	removed := make(map[store.Membership]struct{}, len(d.Removed))
	for i, m := range d.Removed {
		if err := checkMembership(rec, fmt.Sprintf("Removed[%d]", i), m); err != nil {
			return err
		}
		removed[m] = struct{}{}
	}
	for i, m := range d.Added {
		field := fmt.Sprintf("Added[%d]", i)
		if err := checkMembership(rec, field, m); err != nil {
			return err
		}
		if _, ok := removed[m]; ok {
			return &store.InvalidError{Record: rec, Field: field,
				Reason: fmt.Sprintf("device %q and group %q are both added and removed", m.DeviceID, m.GroupID)}
		}
	}
	return nil
}

func checkMembership(rec, field string, m store.Membership) error {
	if p := keyProblem(m.DeviceID, false); p != "" {
		return &store.InvalidError{Record: rec, Field: field + ".DeviceID", Reason: p}
	}
	if p := keyProblem(m.GroupID, false); p != "" {
		return &store.InvalidError{Record: rec, Field: field + ".GroupID", Reason: p}
	}
	return nil
}
