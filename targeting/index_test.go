package targeting

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/secmgmt/secmgmt/identity"
)

func win(tags ...string) *identity.Device {
	return &identity.Device{DeviceOSType: "Windows", ManagementType: "MicrosoftSense", Tags: tags}
}

// must returns v, and panics on an error (a failed test set-up).
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func pairs(ms []Membership) string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Device+"∈"+m.Group)
	}
	return strings.Join(out, " ")
}

func checkDelta(t *testing.T, d Delta, added, removed string) {
	t.Helper()
	if got := pairs(d.Added); got != added {
		t.Errorf("added %q, want %q", got, added)
	}
	if got := pairs(d.Removed); got != removed {
		t.Errorf("removed %q, want %q", got, removed)
	}
}

func TestIndexDynamicGroup(t *testing.T) {
	x := NewIndex()
	checkDelta(t, x.UpsertDevice("d1", win("MDE-Management")), "", "")
	g := must(NewDynamicGroup("G-MDE", "MDE managed", `device.tags -any (_ -eq "MDE-Management")`))
	checkDelta(t, must(x.AddGroup(g)), "d1∈G-MDE", "")
	checkDelta(t, x.UpsertDevice("d2", win("mde-management")), "d2∈G-MDE", "")
	checkDelta(t, x.UpsertDevice("d3", win()), "", "")
	// A change of a property the rule reads moves the device.
	checkDelta(t, x.UpsertDevice("d1", win()), "", "d1∈G-MDE")
	checkDelta(t, x.UpsertDevice("d3", win("MDE-Management")), "d3∈G-MDE", "")
	// A change of another property changes nothing.
	d3 := win("MDE-Management")
	d3.DisplayName = "renamed"
	checkDelta(t, x.UpsertDevice("d3", d3), "", "")
	if got := slices.Collect(x.Members("g-mde")); !slices.Equal(got, []string{"d2", "d3"}) {
		t.Errorf("Members = %v", got)
	}
	if got := slices.Collect(x.GroupsOf("d2")); !slices.Equal(got, []string{"G-MDE"}) {
		t.Errorf("GroupsOf = %v", got)
	}
	if !x.IsMember("G-MDE", "d3") || x.IsMember("G-MDE", "d1") || x.IsMember("nope", "d3") || x.IsMember("G-MDE", "nope") {
		t.Error("IsMember")
	}
	// A dynamic group's members cannot be edited by hand.
	if _, err := x.AddMember("G-MDE", "d1"); !errors.Is(err, ErrStaticMembersOnDynamicGroup) {
		t.Errorf("AddMember on a dynamic group: %v", err)
	}
	if _, err := x.RemoveMember("G-MDE", "d2"); !errors.Is(err, ErrStaticMembersOnDynamicGroup) {
		t.Errorf("RemoveMember on a dynamic group: %v", err)
	}
	if d := x.Recompute(); !d.Empty() {
		t.Errorf("Recompute of an up-to-date index: %+v", d)
	}
}

func TestIndexSamePointerReevaluates(t *testing.T) {
	x := NewIndex()
	must(x.AddGroup(must(NewDynamicGroup("g", "", `device.deviceOSType -eq "Linux"`))))
	d := &identity.Device{DeviceOSType: "Windows"}
	x.UpsertDevice("d", d)
	d.DeviceOSType = "Linux" // modified in place: the index cannot diff, so it re-evaluates all
	checkDelta(t, x.UpsertDevice("d", d), "d∈g", "")
}

func TestIndexStaticGroup(t *testing.T) {
	x := NewIndex()
	x.UpsertDevice("a", win())
	x.UpsertDevice("b", win())
	if _, err := x.AddGroup(Group{ID: "s", Members: []string{"a", "zz"}}); !errors.Is(err, ErrUnknownDevice) {
		t.Fatalf("unknown static member: %v", err)
	}
	if x.GroupCount() != 0 {
		t.Fatal("a failed AddGroup left a group")
	}
	g := must(NewStaticGroup("s", "static", "a"))
	checkDelta(t, must(x.AddGroup(g)), "a∈s", "")
	if _, err := x.AddGroup(g); !errors.Is(err, ErrGroupExists) {
		t.Errorf("duplicate group: %v", err)
	}
	if _, err := x.AddGroup(Group{ID: "S"}); !errors.Is(err, ErrGroupExists) {
		t.Errorf("group ids are case-insensitive: %v", err)
	}
	checkDelta(t, must(x.AddMember("S", "b")), "b∈s", "")
	checkDelta(t, must(x.AddMember("s", "b")), "", "")
	checkDelta(t, must(x.RemoveMember("s", "a")), "", "a∈s")
	if _, err := x.AddMember("s", "nope"); !errors.Is(err, ErrUnknownDevice) {
		t.Errorf("unknown device: %v", err)
	}
	if _, err := x.AddMember("nope", "a"); !errors.Is(err, ErrUnknownGroup) {
		t.Errorf("unknown group: %v", err)
	}
	// Deleting a device removes its static memberships; re-adding it does
	// not restore them.
	checkDelta(t, x.RemoveDevice("b"), "", "b∈s")
	checkDelta(t, x.UpsertDevice("b", win()), "", "")
	if x.IsMember("s", "b") {
		t.Error("re-adding a device restored a static membership")
	}
	checkDelta(t, x.RemoveDevice("nope"), "", "")
	// Replacing the members of a static group.
	checkDelta(t, must(x.UpdateGroup(Group{ID: "s", Members: []string{"a", "b"}})), "a∈s b∈s", "")
	checkDelta(t, must(x.UpdateGroup(Group{ID: "s", DisplayName: "renamed"})), "", "")
	if g, _ := x.Group("s"); g.DisplayName != "renamed" {
		t.Errorf("UpdateGroup did not rename: %+v", g)
	}
	checkDelta(t, must(x.UpdateGroup(Group{ID: "s", Members: []string{"b"}})), "", "a∈s")
	checkDelta(t, must(x.RemoveGroup("S")), "", "b∈s")
	if _, err := x.RemoveGroup("s"); !errors.Is(err, ErrUnknownGroup) {
		t.Errorf("RemoveGroup twice: %v", err)
	}
	if _, err := x.UpdateGroup(Group{ID: "s"}); !errors.Is(err, ErrUnknownGroup) {
		t.Errorf("UpdateGroup of an unknown group: %v", err)
	}
}

func TestIndexRemoveAndReAddDevice(t *testing.T) {
	x := NewIndex()
	must(x.AddGroup(must(NewDynamicGroup("dyn", "", `device.deviceOSType -eq "Windows"`))))
	must(x.AddGroup(must(NewStaticGroup("st", ""))))
	x.UpsertDevice("d", win())
	must(x.AddMember("st", "d"))
	checkDelta(t, x.RemoveDevice("d"), "", "d∈dyn d∈st")
	if x.DeviceCount() != 0 {
		t.Error("device still counted")
	}
	if _, ok := x.Device("d"); ok {
		t.Error("device still present")
	}
	checkDelta(t, x.UpsertDevice("d", win()), "d∈dyn", "")
	if got := slices.Collect(x.GroupsOf("d")); !slices.Equal(got, []string{"dyn"}) {
		t.Errorf("GroupsOf after re-adding = %v", got)
	}
}

func TestIndexPausedGroup(t *testing.T) {
	x := NewIndex()
	x.UpsertDevice("a", win("x"))
	g := must(NewDynamicGroup("g", "", `device.tags -contains "x"`))
	must(x.AddGroup(g))
	g.MembershipRuleProcessingState = ProcessingPaused
	checkDelta(t, must(x.UpdateGroup(g)), "", "")
	// While paused the group keeps its members and takes no new ones.
	checkDelta(t, x.UpsertDevice("a", win()), "", "")
	checkDelta(t, x.UpsertDevice("b", win("x")), "", "")
	if !x.IsMember("g", "a") || x.IsMember("g", "b") {
		t.Error("a paused group changed")
	}
	if d := x.Recompute(); !d.Empty() {
		t.Errorf("Recompute changed a paused group: %+v", d)
	}
	if _, err := x.AddMember("g", "b"); !errors.Is(err, ErrStaticMembersOnDynamicGroup) {
		t.Errorf("AddMember on a paused dynamic group: %v", err)
	}
	// A deleted device leaves even a paused group.
	x.UpsertDevice("c", win("x"))
	g.MembershipRuleProcessingState = ProcessingOn
	checkDelta(t, must(x.UpdateGroup(g)), "b∈g c∈g", "a∈g")
	g.MembershipRuleProcessingState = ProcessingPaused
	must(x.UpdateGroup(g))
	checkDelta(t, x.RemoveDevice("c"), "", "c∈g")
	if got, _ := x.Group("g"); !got.Paused() {
		t.Error("Group does not report the paused state")
	}
}

func TestIndexGroupConversions(t *testing.T) {
	x := NewIndex()
	x.UpsertDevice("a", win("x"))
	x.UpsertDevice("b", win())
	x.UpsertDevice("c", win("x"))
	must(x.AddGroup(must(NewStaticGroup("g", "", "a", "b"))))
	// Static to dynamic: members meeting the rule stay, the others leave,
	// matching devices join.
	dyn := Group{ID: "g", MembershipRule: `device.tags -contains "x"`}
	checkDelta(t, must(x.UpdateGroup(dyn)), "c∈g", "b∈g")
	if got, _ := x.Group("g"); got.MembershipRuleProcessingState != ProcessingOn || got.Rule() == nil {
		t.Errorf("a dynamic group defaults to On with its rule: %+v", got)
	}
	// The same rule again changes nothing; a new rule re-evaluates.
	checkDelta(t, must(x.UpdateGroup(dyn)), "", "")
	checkDelta(t, must(x.UpdateGroup(Group{ID: "g", MembershipRule: `device.tags -notContains "x"`})), "b∈g", "a∈g c∈g")
	// Dynamic to static keeps the members as static members.
	checkDelta(t, must(x.UpdateGroup(Group{ID: "g"})), "", "")
	checkDelta(t, x.UpsertDevice("b", win("x")), "", "")
	checkDelta(t, must(x.AddMember("g", "a")), "a∈g", "")
	// Dynamic members given with a rule are refused.
	if _, err := x.UpdateGroup(Group{ID: "g", MembershipRule: `device.tags -contains "x"`, Members: []string{"a"}}); !errors.Is(err, ErrStaticMembersOnDynamicGroup) {
		t.Errorf("members on a dynamic group: %v", err)
	}
	// Static to dynamic, paused: the members stay as they were.
	checkDelta(t, must(x.UpdateGroup(Group{ID: "g", MembershipRule: `device.tags -contains "zzz"`, MembershipRuleProcessingState: ProcessingPaused})), "", "")
	if got := slices.Collect(x.Members("g")); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("members = %v", got)
	}
}

func TestIndexInvalidGroups(t *testing.T) {
	x := NewIndex(WithRuleOptions(Strict()))
	cases := []struct {
		g    Group
		want error
	}{
		{Group{}, ErrInvalidGroup},
		{Group{ID: "s", MembershipRuleProcessingState: ProcessingPaused}, ErrInvalidGroup},
		{Group{ID: "d", MembershipRule: `device.deviceOSType -eq "x"`, MembershipRuleProcessingState: "Stopped"}, ErrInvalidGroup},
	}
	for _, c := range cases {
		if _, err := x.AddGroup(c.g); !errors.Is(err, c.want) {
			t.Errorf("AddGroup(%+v) = %v, want %v", c.g, err, c.want)
		}
	}
	var re *RuleError
	if _, err := x.AddGroup(Group{ID: "r", MembershipRule: `device.deviceOSType -eq`}); !errors.As(err, &re) {
		t.Errorf("bad rule: %v", err)
	}
	// The index parses with its own options: Strict rejects the extensions
	// even in a group built without it.
	g := must(NewDynamicGroup("t", "", `device.tags -contains "x"`))
	if _, err := x.AddGroup(g); !errors.As(err, &re) || re.Kind != KindUnknownProperty {
		t.Errorf("extension under Strict: %v", err)
	}
	if x.GroupCount() != 0 {
		t.Error("failed AddGroup calls left groups")
	}
}

func TestIndexMemberOf(t *testing.T) {
	x := NewIndex()
	for _, k := range []string{"a", "b", "c"} {
		x.UpsertDevice(k, win())
	}
	// The memberOf group comes first; a group it names arrives later.
	mo := must(NewDynamicGroup("mo", "", `device.memberOf -any (group.objectId -in ['S1', 's2'])`))
	checkDelta(t, must(x.AddGroup(mo)), "", "")
	checkDelta(t, must(x.AddGroup(must(NewStaticGroup("s1", "", "a")))), "a∈mo a∈s1", "")
	checkDelta(t, must(x.AddGroup(Group{ID: "s2", MembershipRule: `device.tags -contains "t"`})), "", "")
	checkDelta(t, x.UpsertDevice("b", win("t")), "b∈mo b∈s2", "")
	checkDelta(t, must(x.AddMember("s1", "b")), "b∈s1", "")
	checkDelta(t, must(x.RemoveMember("s1", "a")), "", "a∈mo a∈s1")
	checkDelta(t, x.UpsertDevice("b", win()), "", "b∈s2")
	checkDelta(t, must(x.RemoveGroup("s1")), "", "b∈mo b∈s1")
	if d := x.Recompute(); !d.Empty() {
		t.Errorf("Recompute: %+v", d)
	}
	// Chaining memberOf groups is refused.
	if _, err := x.AddGroup(Group{ID: "mo2", MembershipRule: `device.memberOf -any (group.objectId -in ['mo'])`}); !errors.Is(err, ErrMemberOfChain) {
		t.Errorf("chained memberOf: %v", err)
	}
	if _, err := x.UpdateGroup(Group{ID: "s2", MembershipRule: `device.memberOf -any (group.objectId -in ['x'])`}); !errors.Is(err, ErrMemberOfChain) {
		t.Errorf("a named group given a memberOf rule: %v", err)
	}
	if _, err := x.AddGroup(Group{ID: "self", MembershipRule: `device.memberOf -any (group.objectId -in ['SELF'])`}); !errors.Is(err, ErrMemberOfChain) {
		t.Errorf("a memberOf group naming itself: %v", err)
	}
	// Paused, then resumed.
	x.UpsertDevice("c", win("t"))
	if !x.IsMember("mo", "c") {
		t.Fatal("c should be in mo through s2")
	}
	mo.MembershipRuleProcessingState = ProcessingPaused
	must(x.UpdateGroup(mo))
	checkDelta(t, x.UpsertDevice("c", win()), "", "c∈s2")
	mo.MembershipRuleProcessingState = ProcessingOn
	checkDelta(t, must(x.UpdateGroup(mo)), "", "c∈mo")
}

func TestIndexTargets(t *testing.T) {
	x := NewIndex()
	x.UpsertDevice("a", win("x"))
	x.UpsertDevice("b", win())
	must(x.AddGroup(must(NewDynamicGroup("inc", "", `device.deviceOSType -eq "Windows"`))))
	must(x.AddGroup(must(NewDynamicGroup("exc", "", `device.tags -contains "x"`))))
	a := &Assignment{IncludeGroups: []string{"INC"}, ExcludeGroups: []string{"exc"}}
	if x.Targets(a, "a") || !x.Targets(a, "b") || x.Targets(a, "nope") {
		t.Error("exclusion must win over inclusion")
	}
	all := &Assignment{AllDevices: true, ExcludeGroups: []string{"exc"}}
	if x.Targets(all, "a") || !x.Targets(all, "b") {
		t.Error("all devices with an exclusion")
	}
}

// TestIndexAgainstModel applies random operations to an index and checks,
// after each, that its memberships are those computed from scratch and that
// the delta is exactly the difference.
func TestIndexAgainstModel(t *testing.T) {
	rules := []string{
		`device.deviceOSType -eq "Windows"`,
		`device.deviceOSType -in ["Windows", "Linux"] -and device.managementType -eq "MicrosoftSense"`,
		`device.tags -any (_ -eq "t1")`,
		`device.deviceOSType -startsWith "win" -or device.tags -contains "t2"`,
		`-not (device.managementType -eq "MDM")`,
		`device.memberOf -any (group.objectId -in ['g0', 'g1'])`,
		`device.memberOf -any (group.objectId -in ['g2'])`,
		`device.deviceType -eq "WindowsServer"`,
		`device.managementType -eq null -and device.tags -contains "t"`,
		`device.deviceOSType -in ["macOS", "linux"] -and device.managementType -in ["MDM", "MicrosoftSense"]`,
	}
	oses := []string{"Windows", "Windows Server", "Linux", "macOS", ""}
	mgmts := []string{"MicrosoftSense", "MDM", ""}
	tagPool := []string{"t1", "t2", "T1"}
	for seed := range uint64(30) {
		rng := rand.New(rand.NewPCG(seed, 7))
		x := NewIndex()
		m := newModel()
		for step := range 300 {
			before := x.snapshot()
			var d Delta
			var err error
			op := rng.IntN(10)
			dk := fmt.Sprintf("d%d", rng.IntN(8))
			gid := fmt.Sprintf("g%d", rng.IntN(6))
			switch op {
			case 0, 1, 2:
				dev := &identity.Device{DeviceOSType: oses[rng.IntN(len(oses))], ManagementType: mgmts[rng.IntN(len(mgmts))]}
				for _, tg := range tagPool {
					if rng.IntN(3) == 0 {
						dev.Tags = append(dev.Tags, tg)
					}
				}
				d = x.UpsertDevice(dk, dev)
				m.upsert(dk, dev)
			case 3:
				d = x.RemoveDevice(dk)
				m.remove(dk)
			case 4, 5:
				g := Group{ID: gid}
				switch rng.IntN(3) {
				case 0:
					for k := range 8 {
						if rng.IntN(3) == 0 && m.devices[fmt.Sprintf("d%d", k)] != nil {
							g.Members = append(g.Members, fmt.Sprintf("d%d", k))
						}
					}
				default:
					g.MembershipRule = rules[rng.IntN(len(rules))]
					if rng.IntN(4) == 0 {
						g.MembershipRuleProcessingState = ProcessingPaused
					}
				}
				if m.groups[gid] == nil {
					d, err = x.AddGroup(g)
				} else {
					d, err = x.UpdateGroup(g)
				}
				if err == nil {
					m.setGroup(x, g)
				} else if !errors.Is(err, ErrMemberOfChain) {
					t.Fatalf("seed %d step %d: %v", seed, step, err)
				}
			case 6:
				d, err = x.RemoveGroup(gid)
				if err == nil {
					m.removeGroup(gid)
				}
			case 7, 8:
				add := rng.IntN(2) == 0
				if add {
					d, err = x.AddMember(gid, dk)
				} else {
					d, err = x.RemoveMember(gid, dk)
				}
				if err == nil {
					m.editMember(gid, dk, add)
				}
			case 9:
				d = x.Recompute()
				if !d.Empty() {
					t.Fatalf("seed %d step %d: Recompute changed an up-to-date index: %+v", seed, step, d)
				}
			}
			after := x.snapshot()
			want := m.memberships()
			if !slices.Equal(after, want) {
				t.Fatalf("seed %d step %d op %d:\n got %v\nwant %v", seed, step, op, after, want)
			}
			if got := applyDelta(before, d); !slices.Equal(got, after) {
				t.Fatalf("seed %d step %d op %d: delta %+v does not turn %v into %v", seed, step, op, d, before, after)
			}
			if !slices.IsSortedFunc(d.Added, cmpMembership) || !slices.IsSortedFunc(d.Removed, cmpMembership) {
				t.Fatalf("delta not sorted: %+v", d)
			}
		}
	}
}

func cmpMembership(a, b Membership) int {
	if c := strings.Compare(a.Device, b.Device); c != 0 {
		return c
	}
	return strings.Compare(strings.ToLower(a.Group), strings.ToLower(b.Group))
}

func (x *Index) snapshot() []string {
	var out []string
	for g := range x.Groups() {
		for d := range x.Members(g.ID) {
			out = append(out, d+"∈"+g.ID)
		}
	}
	slices.Sort(out)
	return out
}

func (x *Index) snapshotGroup(id string) map[string]bool {
	out := map[string]bool{}
	for d := range x.Members(id) {
		out[d] = true
	}
	return out
}

func applyDelta(before []string, d Delta) []string {
	set := map[string]bool{}
	for _, s := range before {
		set[s] = true
	}
	for _, m := range d.Removed {
		if !set[m.Device+"∈"+m.Group] {
			return []string{"removed a pair that was not there: " + m.Device + "∈" + m.Group}
		}
		delete(set, m.Device+"∈"+m.Group)
	}
	for _, m := range d.Added {
		if set[m.Device+"∈"+m.Group] {
			return []string{"added a pair that was there: " + m.Device + "∈" + m.Group}
		}
		set[m.Device+"∈"+m.Group] = true
	}
	var out []string
	for s := range set {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// model computes memberships from scratch: static and paused groups keep
// recorded member sets, rule groups are evaluated on every query.
type model struct {
	devices map[string]*identity.Device
	groups  map[string]*Group
	rules   map[string]*Rule
	static  map[string]map[string]bool // static members, and the frozen members of paused groups
}

func newModel() *model {
	return &model{devices: map[string]*identity.Device{}, groups: map[string]*Group{}, rules: map[string]*Rule{}, static: map[string]map[string]bool{}}
}

func (m *model) upsert(k string, d *identity.Device) { m.devices[k] = d }

func (m *model) remove(k string) {
	delete(m.devices, k)
	for _, s := range m.static {
		delete(s, k)
	}
}

func (m *model) setGroup(x *Index, g Group) {
	m.groups[g.ID] = &g
	if g.Dynamic() {
		m.rules[g.ID] = MustParse(g.MembershipRule)
	} else {
		delete(m.rules, g.ID)
	}
	// A static group or a paused one keeps what the index now has; the
	// transitions themselves are checked by the unit tests above.
	if !g.Dynamic() || g.Paused() {
		m.static[g.ID] = x.snapshotGroup(g.ID)
	} else {
		delete(m.static, g.ID)
	}
}

func (m *model) removeGroup(id string) {
	delete(m.groups, id)
	delete(m.rules, id)
	delete(m.static, id)
}

func (m *model) editMember(g, d string, add bool) {
	if add {
		m.static[g][d] = true
	} else {
		delete(m.static[g], d)
	}
}

func (m *model) members(id string, memberOfPass bool) map[string]bool {
	g := m.groups[id]
	if g == nil {
		return nil
	}
	if s, ok := m.static[id]; ok {
		return s
	}
	r := m.rules[id]
	out := map[string]bool{}
	if refs := r.MemberOfGroups(); refs != nil {
		if !memberOfPass {
			return nil
		}
		for k := range m.devices {
			for _, ref := range refs {
				if m.members(strings.ToLower(ref), false)[k] {
					out[k] = true
				}
			}
		}
		return out
	}
	for k, d := range m.devices {
		if r.Match(d) {
			out[k] = true
		}
	}
	return out
}

func (m *model) memberships() []string {
	var out []string
	for id := range m.groups {
		for d := range m.members(id, true) {
			out = append(out, d+"∈"+id)
		}
	}
	slices.Sort(out)
	return out
}
