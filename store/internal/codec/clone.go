package codec

import (
	"slices"

	"github.com/secmgmt/secmgmt/enrollment"
)

// CloneTransition returns a deep copy of t.
func CloneTransition(t *enrollment.Transition) *enrollment.Transition {
	c := *t
	c.Event.On = cloneBool(t.Event.On)
	if t.Event.Fault != nil {
		f := *t.Event.Fault
		c.Event.Fault = &f
	}
	if s := t.Event.Scope; s != nil {
		u := *s
		for _, p := range []**enrollment.ScopeSetting{&u.WindowsClient, &u.WindowsServer, &u.MacOS, &u.Linux, &u.DomainControllers} {
			if *p != nil {
				v := **p
				*p = &v
			}
		}
		c.Event.Scope = &u
	}
	c.Changes = slices.Clone(t.Changes)
	for i := range c.Changes {
		c.Changes[i].Device = c.Changes[i].Device.Clone()
	}
	return &c
}
