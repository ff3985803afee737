-- Consultations (package 4): a question routed to a desk, and what became of it. The
-- asker's contact is not kept here: it travels once, on ConsultationReceived, to
-- notifications, which tells the asker.
CREATE TABLE consultations (
    consultation_id uuid        PRIMARY KEY,
    asker_role      text        NOT NULL CHECK (asker_role IN ('worker', 'family', 'buyer')),
    subject         text        NOT NULL
                                CHECK (subject IN ('placement', 'credit', 'refund', 'product')),
    -- The desk (an agency id) the question was routed to, and the request it was sent.
    desk            text        NOT NULL,
    request_id      uuid        NOT NULL UNIQUE,
    question        text        NOT NULL,
    language        text        NOT NULL CHECK (language IN ('id', 'en')),
    -- A product question about a listed business. No foreign key: the question stays
    -- on record whatever becomes of the business's listing.
    business_id     uuid,
    asked_at        timestamptz NOT NULL,
    answer_due      timestamptz NOT NULL,
    -- The desk's reply: passed (answered) or failed (it could not: its reason is what
    -- the asker is told).
    reply_outcome   text        CHECK (reply_outcome IN ('passed', 'failed')),
    answer          text,
    answered_at     timestamptz,
    answered_late   boolean,
    -- Set when the missed deadline went to the desk's supervisor.
    escalated_at    timestamptz,
    CHECK ((answered_at IS NULL) = (answer IS NULL)),
    CHECK ((answered_at IS NULL) = (reply_outcome IS NULL)),
    CHECK ((answered_at IS NULL) = (answered_late IS NULL))
);
