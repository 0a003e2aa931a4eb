// Command quickstart shows the policy package on its own: it builds an
// antivirus policy in code, validates it, prints its Graph JSON, decodes a
// policy exported from the admin portal (native export, with a byte-order
// mark), validates that one too, and asks the support matrix where each is
// delivered.
package main

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/secmgmt/secmgmt/policy"
)

//go:embed linux-antivirus.json
var linuxExport []byte

const (
	avTemplate = "804339ad-1553-4478-a742-138fb5807418_1"
	defender   = "device_vendor_msft_policy_config_defender_"
)

func main() {
	log.SetFlags(0)
	catalog := policy.Builtin()

	// 1. Build a Windows antivirus policy in code.
	built, err := policy.NewPolicy(catalog, avTemplate, "Workstations - antivirus",
		policy.Choice(defender+"allowrealtimemonitoring", defender+"allowrealtimemonitoring_1"),
		policy.Choice(defender+"cloudblocklevel", defender+"cloudblocklevel_2"),
		policy.Integer(defender+"avgcpuloadfactor", 40),
		policy.Strings(defender+"excludedpaths", `C:\Program Files\Contoso\data`),
	)
	if err != nil {
		log.Fatal(err)
	}
	built.Assignments = []*policy.Assignment{policy.Include("5e2f9c41-0d3a-4b8e-a716-2f4c9d0e1b73")}
	fmt.Printf("built %q from template %s: %d settings, valid\n", built.Name, built.TemplateReference.TemplateID, len(built.Settings))

	// 2. Its Graph JSON: the create shape.
	out, err := policy.EncodeGraph(built)
	if err != nil {
		log.Fatal(err)
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, out, "", "  "); err != nil {
		log.Fatal(err)
	}
	fmt.Println(pretty.String())

	// 3. A mistake is reported with its path and reason.
	built.Settings[2].Instance.Simple.Integer = 400
	var ve *policy.ValidationError
	if err := catalog.Validate(built); errors.As(err, &ve) {
		fmt.Println("after a bad edit:", ve.Problems[0])
	}

	// 4. Decode a native export from the portal.
	linux, err := policy.DecodeGraph(linuxExport)
	if err != nil {
		log.Fatal(err)
	}
	if err := catalog.Validate(linux); err != nil {
		log.Fatal(err)
	}
	known, total := catalog.Coverage(linux)
	fmt.Printf("\ndecoded %q (%s, %s): %d setting instances, %d known to the catalog\n",
		linux.Name, linux.Platforms, linux.Technologies, total, known)

	// 5. The support matrix for both policies.
	fmt.Println("\ndelivered through security settings management?")
	devices := []policy.DeviceClass{
		{Platform: policy.DeviceWindows},
		{Platform: policy.DeviceWindowsServer, DomainController: true},
		{Platform: policy.DeviceLinux},
	}
	for _, p := range []*policy.Policy{built, linux} {
		for _, d := range devices {
			for _, v := range []policy.Variant{policy.VariantLegacy, policy.VariantCurrent} {
				s := policy.Deliverable(p, d, v)
				answer := "yes"
				if !s.Supported {
					answer = "no (" + string(s.Reason) + ")"
				}
				device := string(d.Platform)
				if d.DomainController {
					device += " (DC)"
				}
				fmt.Fprintf(os.Stdout, "  %-38s %-19s %-8s %s\n", p.Name, device, v, answer)
			}
		}
	}
}
