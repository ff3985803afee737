CREATE TABLE screenings (
    application_id uuid        PRIMARY KEY,
    product        text        NOT NULL,
    amount_idr     bigint      NOT NULL,
    outcome        text        NOT NULL,
    reasons        jsonb       NOT NULL,
    decided_at     timestamptz NOT NULL
);
