CREATE TABLE claims (
    application_id uuid        PRIMARY KEY,
    claim_type     text        NOT NULL,
    amount_krw     bigint      NOT NULL,
    outcome        text        NOT NULL,
    reasons        jsonb       NOT NULL,
    decided_at     timestamptz NOT NULL
);
