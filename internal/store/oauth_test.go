package store_test

import (
	"testing"

	"github.com/bulwark-gw/bulwark/internal/store"
	"github.com/bulwark-gw/bulwark/internal/store/storetest"
)

func TestOAuthSQLite(t *testing.T) {
	storetest.RunOAuth(t, func(t *testing.T) *store.Store { return storetest.Open(t, storetest.SQLiteDSN(t)) })
}

func TestOAuthPostgres(t *testing.T) {
	storetest.RunOAuth(t, func(t *testing.T) *store.Store { return storetest.Open(t, storetest.PostgresDSN(t)) })
}
