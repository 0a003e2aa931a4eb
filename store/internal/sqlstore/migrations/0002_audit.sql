-- The audit trail of administrative changes: append-only, and not tied to
-- the records it names, which it outlives.

CREATE TABLE audit (
	seq            {{serial}},
	at             TEXT NOT NULL,
	principal_id   {{key}} NOT NULL,
	operation      {{key}} NOT NULL,
	object_kind    {{key}} NOT NULL,
	object_id      {{key}} NOT NULL,
	before_version BIGINT NOT NULL,
	after_version  BIGINT NOT NULL,
	detail         TEXT NOT NULL
);
CREATE INDEX audit_by_at ON audit (at, seq);
CREATE INDEX audit_by_principal ON audit (principal_id, seq);
CREATE INDEX audit_by_object ON audit (object_kind, object_id, seq);
