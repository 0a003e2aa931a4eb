package transport_test

import (
	"errors"
	"fmt"

	"github.com/secmgmt/secmgmt/transport"
)

func ExampleCheckIn_Validate() {
	fmt.Println(transport.CheckIn{DeviceID: "db-7", ConfigurationVersion: "v1"}.Validate())
	err := transport.CheckIn{}.Validate()
	fmt.Println(errors.Is(err, transport.ErrBadRequest), err)
	// Output:
	// <nil>
	// true transport: bad request: the check-in names no device
}
