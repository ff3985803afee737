-- Businesses of returnees and workers' families. (The programmes, enrolments, progress
-- and award tables are added to this file while it is being built.)
CREATE TABLE businesses (
    business_id   uuid        PRIMARY KEY,
    name          text        NOT NULL,
    -- What the owner agreed to in the public catalogue.
    catalogue     text        NOT NULL CHECK (catalogue IN ('none', 'listing', 'listing_and_contact')),
    registered_at timestamptz NOT NULL
);
