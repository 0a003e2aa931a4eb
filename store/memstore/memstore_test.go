package memstore_test

import (
	"testing"

	"github.com/secmgmt/secmgmt/store"
	"github.com/secmgmt/secmgmt/store/memstore"
	"github.com/secmgmt/secmgmt/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s := memstore.New()
		t.Cleanup(func() { s.Close() })
		return s
	})
}
