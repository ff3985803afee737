-- The tamper-evident audit log of a deciding service (see sentra_shared/audit.py and
-- docs/audit.md). Every decision appends one row in the transaction that makes it. Each
-- row holds the SHA-256 of its canonical content, which includes the previous row's hash:
-- changing, removing or reordering any row breaks the chain from there on, and a head
-- (position + hash) published to sentra.audit.heads.v1 lets a witness prove that the
-- history it saw was not rewritten afterwards, even by someone who recomputes hashes.
CREATE TABLE audit_log (
    position       bigint      PRIMARY KEY CHECK (position > 0),  -- 1..n, no gaps
    application_id uuid        NOT NULL,
    decision       text        NOT NULL,  -- a stable code, e.g. documents.verified
    reasons        jsonb       NOT NULL DEFAULT '[]',  -- [{code, text: {id, en}}]
    rules_version  text        NOT NULL,  -- fingerprint of the rule tables that decided
    actor          text        NOT NULL,  -- system:<service>, officer:<id>, scheduler
    trace_id       text,                  -- hex trace id of the deciding span, if any
    recorded_at    timestamptz NOT NULL,
    prev_hash      text        NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
    hash           text        NOT NULL UNIQUE CHECK (hash ~ '^[0-9a-f]{64}$')
);

CREATE INDEX audit_log_by_application ON audit_log (application_id, position);

-- Append-only in the database too. The owner can still disable the trigger (or set
-- session_replication_role = replica); the hash chain is what catches that.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
