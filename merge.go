package secmgmt

import (
	"strconv"
	"strings"
	"sync"

	"github.com/secmgmt/secmgmt/conflict"
	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/transport"
)

// The merge call site. The service prepares each policy once, when it
// loads it (prepare), and merges prepared policies for each device
// (mergeFor): these two functions and the preparedPolicy type are the only
// code that knows how the conflict package is called.

// preparedPolicy is a policy in the form mergeFor takes: resolved against
// the catalog, checked and hashed once, when the service loads it.
type preparedPolicy = *conflict.Prepared

// prepare turns a stored policy into the form mergeFor takes.
func (s *Service) prepare(p *policy.Policy) (preparedPolicy, error) { return s.merger.Prepare(p) }

// mergeFor computes a device's effective configuration from the policies
// assigned to it.
func (s *Service) mergeFor(d conflict.Device, ps []preparedPolicy) (*conflict.Result, error) {
	return s.merger.MergePrepared(d, ps)
}

// current returns the device's effective configuration, computing it again
// when it was invalidated. s.mu is held (for reading at least) and, when
// it is only read-locked, d.mu too.
func (s *Service) current(d *deviceEntry) (*configuration, error) {
	if !d.dirty && d.conf != nil {
		return d.conf, nil
	}
	c, err := s.configure(s.state, d)
	if err != nil {
		return nil, err
	}
	d.conf, d.dirty = c, false
	s.stats.recomputations.Add(1)
	return c, nil
}

// configure computes a device's effective configuration from the state,
// without caching it on the device: from the configuration cache when a
// device with the same merge inputs had it computed, by a merge otherwise.
func (s *Service) configure(st *state, d *deviceEntry) (*configuration, error) {
	pes := st.assignedTo(d.id)
	dev := conflict.Device{Class: d.class(), Variant: variant(st.tenant.Mode)}
	if d.facts != nil {
		dev.OSVersion = d.facts.OSVersion
	}
	key := mergeKey(dev, pes)
	if c := s.cache.get(key); c != nil {
		return c, nil
	}
	ps := make([]preparedPolicy, len(pes))
	for i, pe := range pes {
		ps[i] = pe.prepared
	}
	res, err := s.mergeFor(dev, ps)
	if err != nil {
		return nil, err
	}
	s.stats.merges.Add(1)
	msg := &transport.Configuration{Version: res.Version, Platform: res.Device.Class.Platform, Settings: res.Effective}
	for _, pi := range res.Policies {
		if pi.Support.Supported {
			msg.Policies = append(msg.Policies, transport.PolicyRef{ID: pi.ID, Name: pi.Name})
		}
	}
	c := &configuration{key: key, res: res, msg: msg}
	s.cache.put(key, c)
	return c, nil
}

// mergeKey identifies the inputs of a merge: the device as the merge sees
// it and the policies assigned to it, each by the generation of its entry
// (a new one for every version the service loads, so that a policy deleted
// and created again with the same id and version is not confused with the
// old one).
func mergeKey(d conflict.Device, pes []*policyEntry) string {
	var b strings.Builder
	b.WriteString(string(d.Class.Platform))
	if d.Class.DomainController {
		b.WriteString("+dc")
	}
	b.WriteByte('|')
	b.WriteString(d.OSVersion)
	b.WriteByte('|')
	b.WriteString(string(d.Variant))
	for _, pe := range pes {
		b.WriteByte('|')
		b.WriteString(strconv.FormatUint(pe.gen, 36))
	}
	return b.String()
}

// configCache shares effective configurations among devices whose merges
// have the same inputs. It holds at most size entries and starts afresh
// when full; keys name policy generations, so an entry never goes stale,
// it only stops being asked for.
type configCache struct {
	mu   sync.Mutex
	size int
	m    map[string]*configuration
}

func newConfigCache(size int) *configCache {
	return &configCache{size: size, m: map[string]*configuration{}}
}

func (c *configCache) get(key string) *configuration {
	if c.size == 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[key]
}

func (c *configCache) put(key string, conf *configuration) {
	if c.size == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.size {
		clear(c.m)
	}
	c.m[key] = conf
}

func (c *configCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.m)
}
