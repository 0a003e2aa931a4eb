package httptransport_test

import (
	"net/http/httptest"
	"testing"

	"github.com/secmgmt/secmgmt/transport"
	"github.com/secmgmt/secmgmt/transport/httptransport"
	"github.com/secmgmt/secmgmt/transport/transporttest"
)

func TestConformance(t *testing.T) {
	transporttest.Run(t, func(t *testing.T, srv transport.Server, cred transport.Credential) transport.Transport {
		ts := httptest.NewServer(httptransport.NewHandler(srv))
		t.Cleanup(ts.Close)
		c, err := httptransport.NewClient(ts.URL, cred)
		if err != nil {
			t.Fatal(err)
		}
		return c
	})
}
