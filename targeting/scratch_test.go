package targeting

import (
	"testing"
	"fmt"
	"github.com/secmgmt/secmgmt/identity"
)

func TestScratch(t *testing.T) {
	for _, s := range []string{
		`(device.deviceOSType -eq "Windows") -and (device.managementType -eq "MicrosoftSense") -and (device.tags -any (_ -eq "MDE-Management"))`,
		`device.devicePhysicalIDs -any _ -startsWith "[ZTDId]"`,
		`device.memberof -any (group.objectId -in ['a', 'b'])`,
		`device.accountEnabled -contains true`,
		`device.x -eq "a"`,
		`(device.deviceOSType -eq "a") (device.deviceOSType -eq "b")`,
		`device.displayName -match "*@x"`,
		`device.displayName –eq “Rob” or not device.isRooted -eq true and device.systemLabels -contains "m365"`,
		`device.deviceOSType-eq "a"`,
		`device.deviceOSType -endsWith"a"`,
	} {
		r, err := Parse(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(r.String(), "|", exprSource(r.root), r.Requirements())
		d := &identity.Device{DeviceOSType: "Windows", ManagementType: "MicrosoftSense", Tags: []string{"x", "MDE-management"}}
		fmt.Println(r.Match(d), r.MatchEnv(NewEnv(d)), NewEvaluator().Match(MustParse(s, WithEngine(EngineExpr)), NewEnv(d)))
	}
}
