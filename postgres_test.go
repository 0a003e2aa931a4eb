package secmgmt_test

// postgresBackends lists the PostgreSQL backend once store/postgres exists.
func postgresBackends() []backend { return nil }
