package fleetgen

import "math/rand/v2"

// The value pools devices draw their attributes from and group rules
// compare against. Sites and departments are weighted like a real
// organisation's: a few large sites, a long tail of small ones.

// site is an office or datacentre: its code (extensionAttribute1 and the
// prefix of device names) and its region (a device tag).
type site struct{ code, region string }

var sites = []site{
	{"NYC", "AMER"}, {"LON", "EMEA"}, {"AMS", "EMEA"}, {"SFO", "AMER"}, {"FRA", "EMEA"},
	{"SGP", "APAC"}, {"CHI", "AMER"}, {"PAR", "EMEA"}, {"TYO", "APAC"}, {"SEA", "AMER"},
	{"BER", "EMEA"}, {"SYD", "APAC"}, {"TOR", "AMER"}, {"DUB", "EMEA"}, {"BOS", "AMER"},
	{"MAD", "EMEA"}, {"BLR", "APAC"}, {"ATL", "AMER"}, {"MUC", "EMEA"}, {"HKG", "APAC"},
	{"DAL", "AMER"}, {"MIL", "EMEA"}, {"SEL", "APAC"}, {"DEN", "AMER"}, {"ZRH", "EMEA"},
	{"MEL", "APAC"}, {"AUS", "AMER"}, {"VIE", "EMEA"}, {"BOM", "APAC"}, {"MIA", "AMER"},
	{"WAW", "EMEA"}, {"OSA", "APAC"}, {"PHX", "AMER"}, {"PRG", "EMEA"}, {"DXB", "EMEA"},
	{"MEX", "AMER"}, {"CPT", "EMEA"}, {"VAN", "AMER"}, {"GRU", "AMER"}, {"HEL", "EMEA"},
}

// siteWeights falls off like 1/rank, so the first sites hold most devices.
var siteWeights = func() weights {
	w := make([]int, len(sites))
	for i := range w {
		w[i] = 1000 / (i + 2)
	}
	return newWeights(w)
}()

var departments = []string{
	"Engineering", "Sales", "Finance", "Operations", "Support", "Marketing",
	"HR", "Legal", "IT", "Research", "Facilities",
}
var departmentWeights = newWeights([]int{24, 18, 9, 10, 12, 7, 4, 3, 6, 5, 2})

// Server roles: the middle part of a server's name and extensionAttribute11.
var serverRoles = []string{"APP", "WEB", "SQL", "FS", "DC", "PRT", "RDS", "BLD"}
var serverRoleWeights = newWeights([]int{30, 20, 15, 10, 0, 5, 8, 12}) // DC is chosen separately

// Linux roles: the first part of a Linux host name.
var linuxRoles = []string{"web", "api", "db", "cache", "k8s", "batch", "log", "build"}
var linuxRoleWeights = newWeights([]int{20, 20, 10, 8, 22, 8, 5, 7})

// environments of servers (extensionAttribute10).
var environments = []string{"prod", "staging", "test", "dev"}
var environmentWeights = newWeights([]int{55, 15, 15, 15})

// Intune device categories of Entra-joined Windows devices.
var categories = []string{"Standard", "Developer", "Executive", "Kiosk", "Shared", "Lab"}
var categoryWeights = newWeights([]int{60, 18, 4, 6, 8, 4})

// Autopilot group tags ([OrderID]:tag physical ids) and profile names.
var groupTags = []string{"Standard", "Developer", "Kiosk", "Shared", "Executive"}
var groupTagWeights = newWeights([]int{65, 18, 7, 7, 3})

// hardware is a manufacturer and a model.
type hardware struct{ manufacturer, model string }

var windowsHardware = []hardware{
	{"Dell Inc.", "Latitude 7440"}, {"Dell Inc.", "Latitude 5540"}, {"Dell Inc.", "OptiPlex 7010"},
	{"HP", "HP EliteBook 840 G10"}, {"HP", "HP ProBook 450 G9"}, {"HP", "HP EliteDesk 800 G9"},
	{"LENOVO", "ThinkPad T14 Gen 4"}, {"LENOVO", "ThinkPad X1 Carbon Gen 11"}, {"LENOVO", "ThinkCentre M90q Gen 4"},
	{"Microsoft Corporation", "Surface Laptop 5"}, {"Microsoft Corporation", "Surface Pro 9"},
}
var windowsHardwareWeights = newWeights([]int{20, 12, 8, 12, 8, 5, 12, 6, 4, 8, 5})

var serverHardware = []hardware{
	{"Microsoft Corporation", "Virtual Machine"}, {"VMware, Inc.", "VMware7,1"},
	{"Dell Inc.", "PowerEdge R750"}, {"HPE", "ProLiant DL380 Gen10 Plus"},
}
var serverHardwareWeights = newWeights([]int{40, 35, 15, 10})

var macHardware = []hardware{
	{"Apple", "MacBook Pro (14-inch, 2023)"}, {"Apple", "MacBook Air (M2, 2022)"},
	{"Apple", "MacBook Pro (16-inch, 2024)"}, {"Apple", "Mac mini (2023)"},
}
var macHardwareWeights = newWeights([]int{40, 35, 15, 10})

// osVersion is an OS or agent version with its share among the devices of
// a platform; supported tells whether security settings management
// accepts it (the tests check this against the enrollment package).
type osVersion struct {
	version   string
	weight    int
	supported bool
}

// Windows client builds: Windows 10 22H2, Windows 11 22H2, 23H2 and 24H2 at
// current revisions, and a few the prerequisites refuse (Windows 10 21H2
// before KB5023773, Windows 11 21H2).
var windowsVersions = []osVersion{
	{"10.0.19045.5247", 14, true},
	{"10.0.19045.5371", 10, true},
	{"10.0.19045.5487", 6, true},
	{"10.0.22621.4602", 8, true},
	{"10.0.22631.4602", 16, true},
	{"10.0.22631.4751", 18, true},
	{"10.0.22631.4890", 8, true},
	{"10.0.26100.2894", 10, true},
	{"10.0.26100.3194", 8, true},
	{"10.0.19044.2486", 1, false},
	{"10.0.22000.2538", 1, false},
}

// Windows Server: 2012 R2, 2016, 2019, 2022 and 2025, and 2019 before
// KB5025229.
var serverVersions = []osVersion{
	{"6.3.9600.21620", 3, true},
	{"10.0.14393.7699", 14, true},
	{"10.0.17763.6775", 33, true},
	{"10.0.20348.3091", 38, true},
	{"10.0.26100.2894", 10, true},
	{"10.0.17763.4010", 2, false},
}

var macVersions = []osVersion{
	{"13.7.2", 10, true},
	{"14.7.2", 35, true},
	{"15.2", 40, true},
	{"15.3", 15, true},
}

// linuxDistro is a distribution, its version and the kernel it runs.
type linuxDistro struct {
	distribution, version, kernel string
	weight                        int
}

var linuxDistros = []linuxDistro{
	{"ubuntu", "22.04", "5.15.0", 34}, {"ubuntu", "24.04", "6.8.0", 18}, {"ubuntu", "20.04", "5.4.0", 8},
	{"rhel", "9.4", "5.14.0", 16}, {"rhel", "8.10", "4.18.0", 8}, {"debian", "12", "6.1.0", 8},
	{"sles", "15.6", "6.4.0", 4}, {"amzn", "2023", "6.1.0", 4},
}

// Agent versions of the endpoint-protection agent on macOS and Linux, the
// last entry older than the minimum security settings management needs.
var macAgents = []osVersion{
	{"101.24092.0004", 30, true},
	{"101.24112.0003", 40, true},
	{"101.25012.0006", 29, true},
	{"101.22122.0013", 1, false},
}
var linuxAgents = []osVersion{
	{"101.24092.0004", 30, true},
	{"101.24102.0002", 40, true},
	{"101.25012.0001", 29, true},
	{"101.23042.0003", 1, false},
}

// faults are the enrollment failures of the documented codes a small share
// of devices meets at registration: connectivity, hybrid join, tenant
// mismatch, DNS and clock problems.
var faults = []int{13, 10, 15, 38, 40}

// weights draws indexes with given relative weights.
type weights struct{ cum []int }

func newWeights(ws []int) weights {
	c := make([]int, len(ws))
	total := 0
	for i, w := range ws {
		total += w
		c[i] = total
	}
	return weights{cum: c}
}

// pick returns an index drawn with the weights.
func (w weights) pick(r *rand.Rand) int {
	n := r.IntN(w.cum[len(w.cum)-1])
	lo, hi := 0, len(w.cum)-1
	for lo < hi {
		m := (lo + hi) / 2
		if n < w.cum[m] {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}

func versionWeights(vs []osVersion) weights {
	w := make([]int, len(vs))
	for i, v := range vs {
		w[i] = v.weight
	}
	return newWeights(w)
}

var (
	windowsVersionWeights = versionWeights(windowsVersions)
	serverVersionWeights  = versionWeights(serverVersions)
	macVersionWeights     = versionWeights(macVersions)
	macAgentWeights       = versionWeights(macAgents)
	linuxAgentWeights     = versionWeights(linuxAgents)
	linuxDistroWeights    = func() weights {
		w := make([]int, len(linuxDistros))
		for i, d := range linuxDistros {
			w[i] = d.weight
		}
		return newWeights(w)
	}()
)

// chance reports true with probability p.
func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }
