-- Who holds each file and until when, from the services' …AnswerRequested/…AnswerClosed
-- events: one row per answer owed (an agency's check, an officer's review, a bank's or an
-- insurer's answer). The status page shows an application's rows; the public figures
-- aggregate them per party. No personal data.
CREATE TABLE waits (
    request_id     uuid        PRIMARY KEY,
    application_id uuid        NOT NULL,
    owner          text        NOT NULL,  -- the service waiting: documents, credit, insurance
    step           text        NOT NULL,
    party          text        NOT NULL,
    requested_at   timestamptz NOT NULL,
    due_at         timestamptz NOT NULL,
    closed_at      timestamptz,           -- answered or withdrawn
    answered_at    timestamptz,           -- empty when withdrawn or still open
    on_time        boolean
);
CREATE INDEX waits_by_application ON waits (application_id, requested_at);
CREATE INDEX waits_by_party ON waits (party, requested_at);
