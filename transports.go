package secmgmt

import (
	"net/http"

	"github.com/secmgmt/secmgmt/transport"
	"github.com/secmgmt/secmgmt/transport/httptransport"
	"github.com/secmgmt/secmgmt/transport/inproc"
)

// Transport returns the in-process transport of the device holding cred:
// what an agent in the same program calls. Every request authenticates the
// credential and may concern only its own device. It implements
// transport.SyncTransport.
func (s *Service) Transport(cred transport.Credential) transport.Transport {
	return inproc.New(s, cred)
}

// HTTPHandler returns the service side of the HTTP transport (see package
// transport/httptransport for the routes, authentication and limits), to
// mount on an http.Server.
func (s *Service) HTTPHandler(opts ...httptransport.Option) http.Handler {
	if s.log != nil {
		opts = append([]httptransport.Option{httptransport.WithLogger(s.log)}, opts...)
	}
	return httptransport.NewHandler(s, opts...)
}
