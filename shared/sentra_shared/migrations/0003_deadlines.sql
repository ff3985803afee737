-- Deadlines are data, not timers: every request to a party that owes an answer is stored
-- with its due time in the transaction that makes the request. The scheduler claims due
-- rows with SKIP LOCKED and fires through the outbox; a restart loses nothing.
CREATE TABLE deadlines (
    id             bigserial   PRIMARY KEY,
    application_id uuid        NOT NULL,
    step           text        NOT NULL,  -- what is owed: agency_check, officer_review, ...
    request_id     uuid        NOT NULL,  -- the request (or case) the answer will name
    party          text        NOT NULL,  -- who owes it: an agency, "officer", ...
    supervisor     text        NOT NULL,  -- who hears of it at the second threshold
    requested_at   timestamptz NOT NULL,
    due_at         timestamptz NOT NULL,
    escalate_at    timestamptz NOT NULL,
    stage          smallint    NOT NULL DEFAULT 0,  -- 0 open, 1 overdue fired, 2 escalated
    next_fire_at   timestamptz,                     -- NULL once answered or escalated
    overdue_at     timestamptz,                     -- when the overdue event fired
    escalated_at   timestamptz,
    answered_at    timestamptz,
    cancelled_at   timestamptz,
    failed_attempts integer    NOT NULL DEFAULT 0,
    traceparent    text,
    UNIQUE (step, request_id),
    CHECK (escalate_at >= due_at)
);

-- The scheduler only looks for rows that still have something to fire.
CREATE INDEX deadlines_to_fire ON deadlines (next_fire_at) WHERE next_fire_at IS NOT NULL;
CREATE INDEX deadlines_by_application ON deadlines (application_id);
