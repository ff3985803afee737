CREATE TABLE claims (
    application_id uuid        PRIMARY KEY,
    worker_ref     text        NOT NULL,
    claim_type     text        NOT NULL,
    amount_krw     bigint,
    amount_idr     bigint,
    outcome        text        NOT NULL,
    reasons        jsonb       NOT NULL,
    decided_at     timestamptz NOT NULL
);
-- "One paid claim per worker and type" looks claims up by worker.
CREATE INDEX claims_by_worker ON claims (worker_ref, claim_type);
