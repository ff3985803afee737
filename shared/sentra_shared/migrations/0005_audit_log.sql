-- The tamper-evident audit log of a deciding service (see sentra_shared/audit.py and
-- docs/audit.md). Every decision appends one row in the transaction that makes it. Each
-- chained row holds the SHA-256 of its canonical content, which includes the previous row's hash:
-- changing, removing or reordering any row breaks the chain from there on, and a head
-- (position + hash) published to sentra.audit.heads.v1 lets a witness prove that the
-- history it saw was not rewritten afterwards, even by someone who recomputes hashes.
--
-- A decision's row is inserted by its transaction with its content only; the service's
-- chainer then gives committed rows, in the order it sees them, their position, the
-- previous row's hash and their own (write-once, see the trigger). So no decision waits
-- on a chain-wide lock: only the chainer takes it, for a moment.
CREATE TABLE audit_log (
    id             bigserial   PRIMARY KEY,  -- insertion order, not the chain's
    position       bigint      UNIQUE CHECK (position > 0),  -- 1..n, no gaps, once chained
    application_id uuid        NOT NULL,
    decision       text        NOT NULL,  -- a stable code, e.g. documents.verified
    reasons        jsonb       NOT NULL DEFAULT '[]',  -- [{code, text: {id, en}}]
    rules_version  text        NOT NULL,  -- fingerprint of the rule tables that decided
    actor          text        NOT NULL,  -- system:<service>, officer:<id>, scheduler
    trace_id       text,                  -- hex trace id of the deciding span, if any
    recorded_at    timestamptz NOT NULL,
    prev_hash      text        CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
    hash           text        UNIQUE CHECK (hash ~ '^[0-9a-f]{64}$'),
    CHECK ((position IS NULL) = (hash IS NULL) AND (hash IS NULL) = (prev_hash IS NULL))
);

CREATE INDEX audit_log_unchained ON audit_log (id) WHERE hash IS NULL;
CREATE INDEX audit_log_by_application ON audit_log (application_id, position);

-- Append-only in the database too. The owner can still disable the trigger (or set
-- session_replication_role = replica); the hash chain is what catches that.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The one change allowed: the chainer linking a row not yet chained, its content
    -- untouched.
    IF TG_OP = 'UPDATE' AND OLD.hash IS NULL AND NEW.hash IS NOT NULL
       AND (NEW.id, NEW.application_id, NEW.decision, NEW.reasons, NEW.rules_version,
            NEW.actor, NEW.trace_id, NEW.recorded_at)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.application_id, OLD.decision, OLD.reasons, OLD.rules_version,
            OLD.actor, OLD.trace_id, OLD.recorded_at) THEN
        RETURN NEW;
    END IF;
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
