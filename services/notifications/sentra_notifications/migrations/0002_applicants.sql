-- How to reach each applicant and what opens their status page, from ApplicationSubmitted.
-- Personal data (phone, email, birth date): read by the delivery worker and the status
-- page only, never logged. The tracking code itself is not kept: only its SHA-256, so a
-- copy of this table does not open anyone's page.
CREATE TABLE applicants (
    application_id     uuid        PRIMARY KEY,
    kind               text        NOT NULL,
    regency_code       text        NOT NULL,
    language           text        NOT NULL CHECK (language IN ('id', 'en')),
    channels           text[]      NOT NULL,
    phone              text,
    email              text,
    tracking_code_hash bytea       NOT NULL UNIQUE,
    date_of_birth      date        NOT NULL,
    submitted_at       timestamptz NOT NULL
);
