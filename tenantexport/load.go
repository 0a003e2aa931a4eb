package tenantexport

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	secmgmt "github.com/secmgmt/secmgmt"
	"github.com/secmgmt/secmgmt/authz"
	"github.com/secmgmt/secmgmt/identity"
	"github.com/secmgmt/secmgmt/policy"
)

// Load builds a Service on the in-memory store holding the export: the
// tenant, every device onboarded (the enrollment flow registers it) with
// the directory attributes of its Graph object, the groups (memberOf
// groups last, a paused group paused once its rule has been applied), and
// the policies with their assignments. opts are passed to secmgmt.New
// after the package's own (a fixed seed, and authz.AllowAll(): the Service
// is the caller's own copy of an export, with no principals of its own),
// so a caller may add a clock or a catalog, or set another authorizer.
//
// A problem the service finds (a rule that does not parse, a policy the
// catalog refuses) is an *Error naming the file and the JSON path of the
// offending value. The Service is the caller's to Close.
func (e *Export) Load(ctx context.Context, opts ...secmgmt.Option) (*secmgmt.Service, error) {
	svc, err := secmgmt.New(append([]secmgmt.Option{secmgmt.WithSeed(1), secmgmt.WithAuthorizer(authz.AllowAll())}, opts...)...)
	if err != nil {
		return nil, err
	}
	if err := e.load(ctx, svc); err != nil {
		svc.Close()
		return nil, err
	}
	return svc, nil
}

func (e *Export) load(ctx context.Context, svc *secmgmt.Service) error {
	if _, err := svc.SetTenant(ctx, e.Tenant, 0); err != nil {
		return &Error{File: "tenant.json", Err: err}
	}
	for _, d := range e.Devices {
		id := strings.ToLower(d.Object.DeviceID)
		loc := e.pathOf(id)
		var opts []secmgmt.OnboardOption
		if d.Object.DisplayName != "" {
			opts = append(opts, secmgmt.DisplayName(d.Object.DisplayName))
		}
		if _, err := svc.Onboard(ctx, id, d.Facts, opts...); err != nil {
			return loc.err("", "cannot onboard the device", err)
		}
		src := d.Object
		_, err := svc.UpdateDeviceObject(ctx, id, func(o *identity.Device) error {
			copyAttributes(o, src)
			return nil
		})
		if err != nil && !errors.Is(err, secmgmt.ErrNotFound) {
			return loc.err("", "cannot set the device's attributes", err)
		}
	}
	// memberOf groups name other groups, which must exist first.
	order := make([]int, len(e.Groups))
	for i := range order {
		order[i] = i
	}
	memberOf := func(g secmgmt.Group) bool {
		return strings.Contains(strings.ToLower(g.MembershipRule), "device.memberof")
	}
	slices.SortStableFunc(order, func(a, b int) int {
		ma, mb := memberOf(e.Groups[a]), memberOf(e.Groups[b])
		switch {
		case ma == mb:
			return 0
		case ma:
			return 1
		}
		return -1
	})
	for _, i := range order {
		g := e.Groups[i]
		loc := e.pathOf(e.groupKey(i))
		paused := g.Dynamic() && g.Processing == "Paused"
		if paused {
			g.Processing = "On"
		}
		if _, err := svc.CreateGroup(ctx, g); err != nil {
			sub := ""
			if g.Dynamic() {
				sub = "membershipRule"
			} else if len(g.Members) > 0 {
				sub = "members"
			}
			return loc.err(sub, "", err)
		}
		if paused {
			if _, err := svc.PauseGroup(ctx, g.ID); err != nil {
				return loc.err("membershipRuleProcessingState", "", err)
			}
		}
	}
	for _, p := range e.Policies {
		data, err := policy.EncodeGraph(p)
		if err != nil {
			return e.pathOf(p).err("", "", err)
		}
		if _, err := svc.ImportPolicies(ctx, data); err != nil {
			return e.pathOf(p).err("", fmt.Sprintf("policy %q refused", p.ID), err)
		}
	}
	return nil
}

// copyAttributes sets on a directory object the attributes of the Graph
// object, those the enrollment flow decides excepted (the object id, the
// trust type, the management type and the system labels). The OS type and
// version are Graph's, as rules compare them.
func copyAttributes(o, src *identity.Device) {
	if src.DeviceOSType != "" {
		o.DeviceOSType, o.DeviceOSVersion = src.DeviceOSType, src.DeviceOSVersion
	}
	o.DisplayName, o.AccountEnabled, o.DeviceCategory = src.DisplayName, src.AccountEnabled, src.DeviceCategory
	o.DeviceManufacturer, o.DeviceModel, o.DeviceOwnership = src.DeviceManufacturer, src.DeviceModel, src.DeviceOwnership
	o.DevicePhysicalIDs, o.EnrollmentProfileName = slices.Clone(src.DevicePhysicalIDs), src.EnrollmentProfileName
	o.ExtensionAttributes, o.IsRooted, o.ProfileType = src.ExtensionAttributes, src.IsRooted, src.ProfileType
	if src.DeviceManagementAppID != "" {
		o.DeviceManagementAppID = src.DeviceManagementAppID
	}
}
