-- The public transparency figures' read model, from the journey events (never from
-- another service's tables): one row per application, with no personal data. Columns
-- stay empty until an event tells them; events from different streams arrive in any
-- order, so each column keeps the first word it got.
CREATE TABLE public_applications (
    application_id uuid        PRIMARY KEY,
    kind           text,                   -- placement, kur_loan, insurance_refund
    regency_code   text,                   -- from ApplicationSubmitted
    submitted_at   timestamptz,
    outcome        text CHECK (outcome IN ('approved', 'rejected', 'referred')),
    decided_at     timestamptz,            -- when the final outcome was decided
    flagged        boolean     NOT NULL DEFAULT false,  -- a red flag was raised
    confirmed      boolean     NOT NULL DEFAULT false   -- an officer confirmed it
);
