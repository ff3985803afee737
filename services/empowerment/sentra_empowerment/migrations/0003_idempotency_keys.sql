-- Idempotency keys of POST /businesses and POST /consultations (sentra_shared.idempotency,
-- docs/idempotency.md): a retry with the same `Idempotency-Key` gets the first answer back
-- instead of a second case. `application_id` is the case the first request opened (a
-- business or a consultation id).
CREATE TABLE idempotency_keys (
    key            text        PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 255),
    request_hash   bytea       NOT NULL CHECK (length(request_hash) = 32),
    application_id uuid        NOT NULL,
    tracking_code  text        NOT NULL,
    created_at     timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL,
    CHECK (expires_at > created_at)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
