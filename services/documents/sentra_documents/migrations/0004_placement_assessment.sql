-- Why a placement does not (yet) meet the rules, found when it was assessed. A flagged
-- application waits for an officer with these kept aside: once the flags are cleared
-- they still decide (rejected), so clearing a flag never waves a missing document through.
ALTER TABLE applications ADD COLUMN assessment_reasons jsonb NOT NULL DEFAULT '[]';

-- The SIP3MI registry (licensed P3MI placement companies), loaded by the operator
-- command `python -m sentra_documents.licences load FILE.csv`.
CREATE TABLE recruiter_licences (
    licence_number text        PRIMARY KEY,
    holder         text        NOT NULL,
    valid_from     date        NOT NULL,
    valid_until    date        NOT NULL,
    revoked_on     date,
    loaded_at      timestamptz NOT NULL,
    CHECK (valid_until >= valid_from)
);

-- Identifiers of placement applications, by keyed hash (HMAC-SHA256), never in
-- plaintext: the same NIK, passport, phone, bank account or personal fee payee on many
-- applicants points at a recruiting ring. `masked` is what an officer may see.
CREATE TABLE identifier_keys (
    application_id uuid  NOT NULL REFERENCES applications (application_id),
    kind           text  NOT NULL,  -- nik | passport | phone | bank_account | fee_payee
    key_hash       bytea NOT NULL,
    masked         text  NOT NULL,
    PRIMARY KEY (application_id, kind, key_hash)
);
CREATE INDEX identifier_keys_by_value ON identifier_keys (kind, key_hash);
