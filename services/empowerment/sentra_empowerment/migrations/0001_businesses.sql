-- Businesses of returnees and workers' families, the programmes they enrol in, what the
-- organisers report, and the award assessments.
CREATE TABLE businesses (
    business_id   uuid        PRIMARY KEY,
    name          text        NOT NULL,
    -- What the owner agreed to in the public catalogue.
    catalogue     text        NOT NULL CHECK (catalogue IN ('none', 'listing', 'listing_and_contact')),
    registered_at timestamptz NOT NULL,
    owner_name    text        NOT NULL,
    owner_role    text        NOT NULL CHECK (owner_role IN ('returnee', 'family')),
    sector        text        NOT NULL,
    regency_code  text        NOT NULL,
    stage         text        NOT NULL,
    -- [{"name", "description", "price_idr"}], as the owner gave them.
    products      jsonb       NOT NULL,
    -- How to reach the owner (phone, email, channels, language, tracking code, birth
    -- date): shown in the catalogue only with 'listing_and_contact'.
    contact       jsonb       NOT NULL
);
CREATE INDEX businesses_listed ON businesses (regency_code, sector) WHERE catalogue <> 'none';

-- One row per programme that has had an enrolment: the row whose lock serialises the
-- seats of one programme (the programme itself comes from the programmes file).
CREATE TABLE programme_seats (
    programme_id text PRIMARY KEY
);

CREATE TABLE enrolments (
    business_id       uuid        NOT NULL REFERENCES businesses (business_id),
    programme_id      text        NOT NULL,
    organiser         text        NOT NULL,
    -- The participation request sent to the organiser: only its answer applies.
    request_id        uuid        NOT NULL UNIQUE,
    enrolled_at       timestamptz NOT NULL,
    report_due        timestamptz NOT NULL,
    reported_at       timestamptz,
    completed         boolean,
    sessions_held     integer,
    sessions_attended integer,
    milestones        jsonb,
    reasons           jsonb,
    reported_late     boolean,
    PRIMARY KEY (business_id, programme_id)
);
CREATE INDEX enrolments_programme ON enrolments (programme_id);

-- The latest award assessment of each business, with its score per criterion.
CREATE TABLE award_assessments (
    business_id      uuid        PRIMARY KEY REFERENCES businesses (business_id),
    award            text        NOT NULL,
    criteria_version text        NOT NULL,
    scores           jsonb       NOT NULL,
    total            numeric     NOT NULL,
    threshold        numeric     NOT NULL,
    nominated        boolean     NOT NULL,
    assessed_at      timestamptz NOT NULL
);
CREATE INDEX award_assessments_nominated ON award_assessments (total DESC) WHERE nominated;
