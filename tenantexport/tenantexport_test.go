package tenantexport

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/secmgmt/secmgmt/policy"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// golden compares got with testdata/golden/name, or rewrites it with
// -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	file := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; got:\n%s", name, got)
	}
}

func analyzeTestTenant(t *testing.T) *Analysis {
	t.Helper()
	e, err := ReadDir(filepath.Join("testdata", "tenant"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := AnalyzeExport(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestAnalysisGolden(t *testing.T) {
	a := analyzeTestTenant(t)
	for _, f := range []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"analysis.txt", func(b *bytes.Buffer) error { return a.WriteText(b) }},
		{"analysis.json", func(b *bytes.Buffer) error { return a.WriteJSON(b) }},
		{"analysis.csv", func(b *bytes.Buffer) error { return a.WriteCSV(b) }},
	} {
		t.Run(f.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := f.write(&b); err != nil {
				t.Fatal(err)
			}
			golden(t, f.name, b.Bytes())
		})
	}
}

// TestAnalysisFacts checks the analysis of the test tenant against what
// its files say, independently of the golden files.
func TestAnalysisFacts(t *testing.T) {
	a := analyzeTestTenant(t)
	const (
		fin1, fin2, ops, srv, mac = "de71ce00-0000-4000-8000-000000000001", "de71ce00-0000-4000-8000-000000000002",
			"de71ce00-0000-4000-8000-000000000003", "de71ce00-0000-4000-8000-000000000004", "de71ce00-0000-4000-8000-000000000005"
		base, fin, pilot = "5a1e0000-0000-4000-8000-000000000001", "5a1e0000-0000-4000-8000-000000000002", "5a1e0000-0000-4000-8000-000000000003"
		cbl              = "device_vendor_msft_policy_config_defender_cloudblocklevel"
	)
	dev := map[string]DeviceAnalysis{}
	for _, d := range a.Devices {
		dev[d.DeviceID] = d
	}
	if len(dev) != 5 {
		t.Fatalf("%d managed devices, want 5 (the iOS device is left out)", len(dev))
	}
	if len(a.Skipped) != 1 || a.Skipped[0].OperatingSystem != "iOS" {
		t.Errorf("skipped %+v, want the iOS device", a.Skipped)
	}
	// Finance AV reaches FIN-LT-001 and conflicts with the baseline on the
	// cloud block level; FIN-LT-002 is in the pilot ring, which Finance AV
	// excludes and the pilot policy includes.
	if c := dev[fin1].Conflicts; len(c) != 1 || c[0].SettingID != cbl || strings.Join(c[0].Policies, ",") != base+","+fin {
		t.Errorf("FIN-LT-001 conflicts %+v", c)
	}
	if got := strings.Join(dev[fin2].Delivered, ","); got != base+","+pilot {
		t.Errorf("FIN-LT-002 receives %s", got)
	}
	if got := strings.Join(dev[ops].Delivered, ","); got != base {
		t.Errorf("OPS-LT-001 receives %s", got)
	}
	// The paused Servers group took the server when its rule was applied.
	if got := strings.Join(dev[srv].Groups, ","); got != "9e0c1a10-0000-4000-8000-000000000004" {
		t.Errorf("SRV-SQL-01 groups %s", got)
	}
	if len(dev[mac].Delivered) != 0 || len(dev[mac].Settings) != 0 {
		t.Errorf("the Mac receives %v", dev[mac].Delivered)
	}
	for _, p := range a.Policies {
		if p.PolicyID == fin && (len(p.InConflict) != 1 || p.InConflict[0] != fin1) {
			t.Errorf("Finance AV in conflict on %v", p.InConflict)
		}
	}
}

// testTenant returns the test tenant's files, for tests that change one.
func testTenant(t *testing.T) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	root := filepath.Join("testdata", "tenant")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		m[filepath.ToSlash(rel)] = &fstest.MapFile{Data: data}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestLayouts(t *testing.T) {
	ctx := context.Background()
	want := analyzeTestTenant(t)
	var wantText bytes.Buffer
	_ = want.WriteText(&wantText)

	// One policies.json list file instead of a folder, bare arrays instead
	// of list responses, a byte-order mark.
	m := testTenant(t)
	one, _ := os.ReadFile(filepath.Join("testdata", "tenant", "policies", "windows-av-baseline.json"))
	two, _ := os.ReadFile(filepath.Join("testdata", "tenant", "policies", "finance.json"))
	list, err := policy.DecodeGraphList(two)
	if err != nil {
		t.Fatal(err)
	}
	p1, err := policy.DecodeGraph(one)
	if err != nil {
		t.Fatal(err)
	}
	page, err := policy.EncodeGraphPage(&policy.Page{Policies: append([]*policy.Policy{p1}, list...)})
	if err != nil {
		t.Fatal(err)
	}
	delete(m, "policies/windows-av-baseline.json")
	delete(m, "policies/finance.json")
	m["policies.json"] = &fstest.MapFile{Data: page}
	m["devices.json"] = &fstest.MapFile{Data: append([]byte("\xef\xbb\xbf"), bareArray(t, m["devices.json"].Data)...)}
	m["groups.json"] = &fstest.MapFile{Data: bareArray(t, m["groups.json"].Data)}
	e, err := Read(m)
	if err != nil {
		t.Fatal(err)
	}
	got, err := AnalyzeExport(ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	var gotText bytes.Buffer
	_ = got.WriteText(&gotText)
	if gotText.String() != wantText.String() {
		t.Errorf("the other layout gives another analysis:\n%s", gotText.String())
	}
}

// bareArray turns {"value": [...]} into [...].
func bareArray(t *testing.T, data []byte) []byte {
	t.Helper()
	i, j := bytes.IndexByte(data, '['), bytes.LastIndexByte(data, ']')
	if i < 0 || j < i {
		t.Fatal("no array")
	}
	return data[i : j+1]
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name       string
		edit       func(m fstest.MapFS)
		file, path string
		is         error
	}{
		{"no policies", func(m fstest.MapFS) {
			delete(m, "policies/windows-av-baseline.json")
			delete(m, "policies/finance.json")
		}, "policies", "", nil},
		{"no devices file", func(m fstest.MapFS) { delete(m, "devices.json") }, "devices.json", "", fs.ErrNotExist},
		{"not JSON", func(m fstest.MapFS) { m["groups.json"].Data = []byte("{oops") }, "groups.json", "", nil},
		{"not a list", func(m fstest.MapFS) { m["groups.json"].Data = []byte(`{"id": "g"}`) }, "groups.json", "", nil},
		{"a policy setting of the wrong shape", func(m fstest.MapFS) {
			replace(t, m, "policies/finance.json", `"value": 30`, `"value": "thirty"`)
		}, "policies/finance.json", "value[1].settings[0].settingInstance.simpleSettingValue.value", nil},
		{"a setting the catalog does not know", func(m fstest.MapFS) {
			replace(t, m, "policies/finance.json", "defender_avgcpuloadfactor", "defender_nosuchsetting")
		}, "policies/finance.json", "value[1].settings[0].settingInstance", nil},
		{"an assignment to a group the export lacks", func(m fstest.MapFS) {
			replace(t, m, "policies/finance.json", `"groupId": "9e0c1a10-0000-4000-8000-000000000003"`, `"groupId": "9e0c1a10-0000-4000-8000-0000000000ff"`)
		}, "policies/finance.json", "value[0].assignments[1].target.groupId", nil},
		{"a policy twice", func(m fstest.MapFS) {
			m["policies/zz-copy.json"] = &fstest.MapFile{Data: m["policies/windows-av-baseline.json"].Data}
		}, "policies/zz-copy.json", "id", nil},
		{"a device property of the wrong type", func(m fstest.MapFS) {
			replace(t, m, "devices.json", `"accountEnabled": true`, `"accountEnabled": "yes"`)
		}, "devices.json", "value[0].accountEnabled", nil},
		{"a device without deviceId", func(m fstest.MapFS) {
			replace(t, m, "devices.json", `"deviceId": "de71ce00-0000-4000-8000-000000000003",`, ``)
		}, "devices.json", "value[2].deviceId", nil},
		{"a rule that does not parse", func(m fstest.MapFS) {
			replace(t, m, "groups.json", `device.extensionAttribute1 -eq \"FIN\"`, `device.extensionAttribute1 -eq`)
		}, "groups.json", "value[1].membershipRule", nil},
		{"a processing state that does not exist", func(m fstest.MapFS) {
			replace(t, m, "groups.json", `"Paused"`, `"Sleeping"`)
		}, "groups.json", "value[3].membershipRuleProcessingState", nil},
		{"a static member that is not a device of the export", func(m fstest.MapFS) {
			replace(t, m, "groups.json", `"deviceId": "de71ce00-0000-4000-8000-000000000002"`, `"deviceId": "de71ce00-0000-4000-8000-0000000000ff"`)
		}, "groups.json", "value[2].members[0]", nil},
		{"a tenant that is not one", func(m fstest.MapFS) {
			m["tenant.json"] = &fstest.MapFile{Data: []byte(`{"scope": {"macOS": "sometimes"}}`)}
		}, "tenant.json", "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := testTenant(t)
			tc.edit(m)
			e, err := Read(m)
			if err == nil {
				var svc any
				svc, err = e.Load(ctx)
				if err == nil {
					t.Fatalf("read and loaded: %v", svc)
				}
			}
			var xe *Error
			if !errors.As(err, &xe) {
				t.Fatalf("%v is not an *Error", err)
			}
			if !errors.Is(err, ErrUnreadable) {
				t.Errorf("%v does not wrap ErrUnreadable", err)
			}
			if xe.File != tc.file || xe.Path != tc.path {
				t.Errorf("error at %q %q, want %q %q: %v", xe.File, xe.Path, tc.file, tc.path, err)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("%v is not %v", err, tc.is)
			}
			if !strings.HasPrefix(err.Error(), tc.file) {
				t.Errorf("%q does not start with the file", err)
			}
		})
	}
}

func replace(t *testing.T, m fstest.MapFS, file, old, new string) {
	t.Helper()
	s := string(m[file].Data)
	if !strings.Contains(s, old) {
		t.Fatalf("%s lacks %q", file, old)
	}
	m[file] = &fstest.MapFile{Data: []byte(strings.Replace(s, old, new, 1))}
}

func TestPlatformOf(t *testing.T) {
	for os, want := range map[string]string{
		"Windows": "windows", "windows": "windows", "Windows Server": "windowsServer", "Windows Server 2022 Datacenter": "windowsServer",
		"macOS": "macOS", "MacMDM": "macOS", "Linux": "linux", "Ubuntu": "linux", "iOS": "", "Android": "", "": "",
	} {
		got, ok := platformOf(os)
		if string(got) != want || ok != (want != "") {
			t.Errorf("platformOf(%q) = %q, %v; want %q", os, got, ok, want)
		}
	}
}
