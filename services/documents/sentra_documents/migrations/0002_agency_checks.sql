-- One row per check asked of an agency for an application. `request_id` is the event id
-- of the request; the agency's answer names it, so a late or repeated answer finds its row.
CREATE TABLE agency_checks (
    application_id uuid        NOT NULL REFERENCES applications (application_id),
    agency         text        NOT NULL,
    request_id     uuid        NOT NULL UNIQUE,
    requested_at   timestamptz NOT NULL,
    outcome        text,
    reasons        jsonb,
    valid_until    date,
    completed_at   timestamptz,
    PRIMARY KEY (application_id, agency)
);
