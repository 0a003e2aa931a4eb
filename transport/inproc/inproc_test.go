package inproc_test

import (
	"testing"

	"github.com/secmgmt/secmgmt/transport"
	"github.com/secmgmt/secmgmt/transport/inproc"
	"github.com/secmgmt/secmgmt/transport/transporttest"
)

func TestConformance(t *testing.T) {
	transporttest.Run(t, func(t *testing.T, srv transport.Server, cred transport.Credential) transport.Transport {
		return inproc.New(srv, cred)
	})
}
