-- The schema of the store, written once for SQLite and PostgreSQL.
-- {{key}} is a text key that sorts bytewise, {{blob}} binary data,
-- {{serial}} an increasing integer primary key the database assigns.
-- Documents are JSON text; times are fixed-width UTC text
-- (2006-01-02T15:04:05.000000000Z), which sorts as time.

CREATE TABLE tenant (
	id      INTEGER PRIMARY KEY CHECK (id = 1),
	doc     TEXT NOT NULL,
	version BIGINT NOT NULL
);

CREATE TABLE devices (
	id      {{key}} PRIMARY KEY,
	doc     TEXT NOT NULL,
	version BIGINT NOT NULL
);

CREATE TABLE device_groups (
	id      {{key}} PRIMARY KEY,
	doc     TEXT NOT NULL,
	version BIGINT NOT NULL
);

CREATE TABLE memberships (
	group_id  {{key}} NOT NULL REFERENCES device_groups (id) ON DELETE CASCADE,
	device_id {{key}} NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
	PRIMARY KEY (group_id, device_id)
);
CREATE INDEX memberships_by_device ON memberships (device_id, group_id);

CREATE TABLE policies (
	id                  {{key}} PRIMARY KEY,
	doc                 TEXT NOT NULL,
	version             BIGINT NOT NULL,
	assignments         TEXT NOT NULL DEFAULT '',
	assignments_version BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE enrollments (
	id      {{key}} PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
	doc     TEXT NOT NULL,
	version BIGINT NOT NULL
);

CREATE TABLE history (
	seq       {{serial}},
	device_id {{key}} NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
	doc       TEXT NOT NULL
);
CREATE INDEX history_by_device ON history (device_id, seq);

CREATE TABLE status_reports (
	device_id             {{key}} PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
	report_id             {{key}} NOT NULL,
	configuration_version {{key}} NOT NULL,
	reported_at           TEXT NOT NULL
);

CREATE TABLE status_results (
	device_id {{key}} NOT NULL REFERENCES status_reports (device_id) ON DELETE CASCADE,
	policy_id {{key}} NOT NULL,
	doc       TEXT NOT NULL,
	PRIMARY KEY (device_id, policy_id)
);
CREATE INDEX status_results_by_policy ON status_results (policy_id, device_id);

CREATE TABLE credentials (
	device_id  {{key}} PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
	hash       {{blob}} NOT NULL,
	issued_at  TEXT NOT NULL,
	revoked_at TEXT NOT NULL
);

CREATE TABLE checkins (
	device_id             {{key}} PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
	at                    TEXT NOT NULL,
	configuration_version {{key}} NOT NULL
);

CREATE TABLE changes (
	seq  BIGINT PRIMARY KEY,
	kind {{key}} NOT NULL,
	keys TEXT NOT NULL
);

-- The last sequence number handed out. Appending a change updates this one
-- row, whose lock is held until the transaction ends: numbers are taken in
-- commit order.
CREATE TABLE change_counter (
	id   INTEGER PRIMARY KEY CHECK (id = 1),
	last BIGINT NOT NULL
);
INSERT INTO change_counter (id, last) VALUES (1, 0);
