-- Agency answers that cannot be applied (see sentra_shared/answers.py). The answer is
-- well-formed, so a dead letter would only be replayed into the same state: it is kept
-- here instead, beside the applications it names, written in the consumer's transaction
-- (never lost, never twice: keyed by the answer's event id) until an operator resolves it
-- with `sentra-answers resolve`.
CREATE TABLE unexpected_answers (
    event_id       uuid        PRIMARY KEY,  -- the answer's own id (ce_id)
    service        text        NOT NULL,     -- the deciding service that received it
    agency         text        NOT NULL,
    application_id uuid        NOT NULL,
    request_id     uuid        NOT NULL,     -- the request the answer says it answers
    ce_type        text        NOT NULL,
    outcome        text        NOT NULL,
    reason_codes   jsonb       NOT NULL DEFAULT '[]',
    kind           text        NOT NULL
        CHECK (kind IN ('unknown_application', 'not_asked', 'contradicts_final',
                        'answered_twice')),
    detail         text        NOT NULL,
    received_at    timestamptz NOT NULL,
    resolved_at    timestamptz,
    resolved_by    text,
    note           text,
    CHECK ((resolved_at IS NULL) = (resolved_by IS NULL)),
    CHECK (resolved_at IS NULL OR note IS NOT NULL)
);

-- /health counts the open ones; `sentra-answers list` shows them oldest first.
CREATE INDEX unexpected_answers_open ON unexpected_answers (received_at)
    WHERE resolved_at IS NULL;
CREATE INDEX unexpected_answers_by_application ON unexpected_answers (application_id);

-- The first answer applied to each request, so that a later answer to the same request
-- can be told apart: the same content under a new id (answered twice) or another outcome
-- (a contradiction). Services whose own tables keep the answer (documents' agency_checks)
-- need not write here.
CREATE TABLE applied_answers (
    request_id      uuid        PRIMARY KEY,
    answer_event_id uuid        NOT NULL,
    agency          text        NOT NULL,
    application_id  uuid        NOT NULL,
    outcome         text        NOT NULL,
    reason_codes    jsonb       NOT NULL DEFAULT '[]',
    applied_at      timestamptz NOT NULL
);
