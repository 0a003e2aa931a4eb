package inproc

import (
	"context"
	"errors"
	"fmt"

	"github.com/secmgmt/secmgmt/transport"
)

// errNoServer is what a transport built without a server answers.
var errNoServer = errors.New("inproc: no server")

// Transport is a device's transport to a server in the same process. It
// is safe for concurrent use.
type Transport struct {
	server transport.Server
	cred   transport.Credential
}

// SyncTransport is a Transport to a server that carries policy sync.
type SyncTransport struct {
	Transport
	sync transport.SyncServer
}

// New returns the transport of the device holding cred to server. When the
// server is a transport.SyncServer the result is a *SyncTransport, which
// implements transport.SyncTransport; otherwise a *Transport.
func New(server transport.Server, cred transport.Credential) transport.Transport {
	t := Transport{server: server, cred: cred}
	if s, ok := server.(transport.SyncServer); ok {
		return &SyncTransport{Transport: t, sync: s}
	}
	return &t
}

// authorize checks the context, the credential, and that the request is
// for the credential's own device.
func (t *Transport) authorize(ctx context.Context, deviceID string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if t.server == nil {
		return errNoServer
	}
	if err := t.server.Authenticate(ctx, t.cred); err != nil {
		return err
	}
	if deviceID != t.cred.DeviceID {
		return fmt.Errorf("%w: device %s may not act for device %s", transport.ErrForbidden, t.cred.DeviceID, deviceID)
	}
	return nil
}

// CheckIn authenticates the device and asks the server for its
// configuration. The response is a deep copy: the device may change it.
func (t *Transport) CheckIn(ctx context.Context, req transport.CheckIn) (*transport.CheckInResponse, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	if err := t.authorize(ctx, req.DeviceID); err != nil {
		return nil, err
	}
	resp, err := t.server.CheckIn(ctx, req)
	if err != nil {
		return nil, err
	}
	return resp.Clone(), nil
}

// ReportStatus authenticates the device and delivers a copy of its report.
func (t *Transport) ReportStatus(ctx context.Context, rep transport.StatusReport) error {
	if err := rep.Validate(); err != nil {
		return err
	}
	if err := t.authorize(ctx, rep.DeviceID); err != nil {
		return err
	}
	return t.server.ReportStatus(ctx, rep.Clone())
}

// WaitSync authenticates the device and waits for the server to ask it to
// check in.
func (t *SyncTransport) WaitSync(ctx context.Context) error {
	if err := t.authorize(ctx, t.cred.DeviceID); err != nil {
		return err
	}
	return t.sync.WaitSync(ctx, t.cred.DeviceID)
}
