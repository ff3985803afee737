-- Idempotency keys of POST /applications: a client that retries after a timeout, with the
-- same `Idempotency-Key` header, gets the first answer back instead of a second
-- application. The primary key is what makes concurrent retries safe: the second
-- transaction's insert waits on the first's uncommitted row, then finds it.
CREATE TABLE idempotency_keys (
    key            text        PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 255),
    -- SHA-256 of the validated form in its canonical JSON: the same key with another
    -- body is refused (409), not replayed.
    request_hash   bytea       NOT NULL CHECK (length(request_hash) = 32),
    -- The first answer, replayed as it was. The key is claimed before the application row
    -- is written, in the same transaction, hence the deferred check.
    application_id uuid        NOT NULL REFERENCES applications (application_id)
                                   DEFERRABLE INITIALLY DEFERRED,
    tracking_code  text        NOT NULL,
    created_at     timestamptz NOT NULL,
    -- After this a key is forgotten (purged at a later submission) and may be used anew.
    expires_at     timestamptz NOT NULL,
    CHECK (expires_at > created_at)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
