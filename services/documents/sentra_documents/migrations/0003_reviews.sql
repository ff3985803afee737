-- Red-flag review cases: a flagged application waits here for an officer. One case per
-- application and flagging (a cleared application flagged again later gets a new case).
CREATE TABLE review_cases (
    case_id        uuid        PRIMARY KEY,
    application_id uuid        NOT NULL REFERENCES applications (application_id),
    flags          jsonb       NOT NULL,  -- the Reasons that fired, with their texts
    opened_at      timestamptz NOT NULL,
    review_due     timestamptz NOT NULL,
    status         text        NOT NULL DEFAULT 'open',  -- open | cleared | confirmed
    officer_id     text,                                -- who decided
    officer_reason text,                                -- why, in the officer's words
    decided_at     timestamptz
);
-- At most one open case per application.
CREATE UNIQUE INDEX review_cases_one_open ON review_cases (application_id) WHERE status = 'open';
CREATE INDEX review_cases_open ON review_cases (opened_at) WHERE status = 'open';
