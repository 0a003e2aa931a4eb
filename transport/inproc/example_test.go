package inproc_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/secmgmt/secmgmt/transport"
	"github.com/secmgmt/secmgmt/transport/inproc"
	"github.com/secmgmt/secmgmt/transport/transporttest"
)

func ExampleNew() {
	srv := transporttest.NewFakeServer() // any transport.Server, e.g. the root secmgmt.Service
	cred := srv.AddDevice("dev-1", "s3cr3t")
	tr := inproc.New(srv, cred)

	ctx := context.Background()
	resp, err := tr.CheckIn(ctx, transport.CheckIn{DeviceID: "dev-1"})
	fmt.Println(resp.Configuration.Version, err)

	_, err = tr.CheckIn(ctx, transport.CheckIn{DeviceID: "dev-2"})
	fmt.Println(errors.Is(err, transport.ErrForbidden))

	_, isSync := tr.(transport.SyncTransport)
	fmt.Println("carries policy sync:", isSync)
	// Output:
	// empty <nil>
	// true
	// carries policy sync: true
}
