-- The applicant's file. Personal data stays in this database; events carry only what
-- their readers need.
CREATE TABLE applications (
    application_id uuid        PRIMARY KEY,
    kind           text        NOT NULL,
    regency_code   text        NOT NULL,
    worker_ref     text        NOT NULL,
    form           jsonb       NOT NULL,
    status         text        NOT NULL DEFAULT 'submitted',
    reasons        jsonb       NOT NULL DEFAULT '[]',
    submitted_at   timestamptz NOT NULL,
    decided_at     timestamptz
);
