-- One message owed to an applicant on one channel about one event, and what became of it.
-- Written with the timeline row in the consumer's transaction; the delivery worker claims
-- due rows (FOR UPDATE SKIP LOCKED), sends outside any transaction and records the result.
-- The recipient and the rendered text are personal data: read by the worker only, never
-- logged; `last_error` holds a status code or an error class, never the recipient.
CREATE TABLE deliveries (
    id              uuid        PRIMARY KEY,  -- derived from (event_id, channel)
    application_id  uuid        NOT NULL,
    event_id        uuid        NOT NULL,     -- the event the applicant is told about
    about           text        NOT NULL,     -- its CloudEvents type
    final           boolean     NOT NULL,
    channel         text        NOT NULL CHECK (channel IN ('sms', 'email')),
    recipient       text        NOT NULL,
    language        text        NOT NULL CHECK (language IN ('id', 'en')),
    subject         text        NOT NULL,
    body            text        NOT NULL,
    status          text        NOT NULL DEFAULT 'pending'
                                CHECK (status IN ('pending', 'sent', 'failed')),
    -- Attempts started (counted when claimed, so a sender that crashed counts too).
    attempts        integer     NOT NULL DEFAULT 0,
    -- When a pending row may be claimed: now, after a backoff, or when a claim's lease ends.
    next_attempt_at timestamptz NOT NULL,
    last_error      text,
    -- The gateway's Idempotency-Key; the email's Message-ID is <key@sentra.local>.
    idempotency_key text        NOT NULL UNIQUE,
    traceparent     text,
    sent_at         timestamptz,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    UNIQUE (application_id, event_id, channel)
);
CREATE INDEX deliveries_due ON deliveries (channel, next_attempt_at) WHERE status = 'pending';
