package secmgmt_test

// postgresBackends lists the PostgreSQL backend once store/postgres exists.
func postgresBackends() []backend { return nil }

// postgresShared lists the shared PostgreSQL backend once store/postgres
// exists.
func postgresShared() []sharedBackend { return nil }
