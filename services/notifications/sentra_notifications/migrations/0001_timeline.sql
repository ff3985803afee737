-- What each applicant has been told, in order. One row per applicant-facing event.
CREATE TABLE timeline (
    application_id uuid        NOT NULL,
    event_id       uuid        NOT NULL UNIQUE,
    event_type     text        NOT NULL,
    status         text        NOT NULL,
    message_id     text        NOT NULL,
    message_en     text        NOT NULL,
    final          boolean     NOT NULL,
    occurred_at    timestamptz NOT NULL,
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (application_id, event_id)
);
CREATE INDEX timeline_by_application ON timeline (application_id, occurred_at);
