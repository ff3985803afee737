-- One row per KUR application: where it stands and everything decided on it. Stages:
--   awaiting_slik  the bank was asked for the applicant's SLIK credit history
--   awaiting_bank  screened (approved or referred) and referred to the bank for its decision
--   screened       screened before the bank step existed; never referred to a bank
--   closed         rejected by the screening, or decided by the bank
CREATE TABLE loan_cases (
    application_id       uuid        PRIMARY KEY,
    stage                text        NOT NULL
        CHECK (stage IN ('awaiting_slik', 'screened', 'awaiting_bank', 'closed')),
    product              text        NOT NULL,
    amount_idr           bigint      NOT NULL,
    -- The credit request without the borrower (NULL for cases screened before the bank step).
    request              jsonb,
    -- NIK, name and birth date, which the bank needs for SLIK and the loan file. Personal
    -- data: erased when the case closes.
    borrower             jsonb,
    opened_at            timestamptz NOT NULL,
    slik_request_id      uuid,
    slik_collectibility  smallint    CHECK (slik_collectibility BETWEEN 1 AND 5),
    slik_answered_at     timestamptz,
    screening_outcome    text,
    screening_reasons    jsonb,
    screened_at          timestamptz,
    bank_decision_due    date,
    loan_request_id      uuid,
    loan_outcome         text,
    amount_disbursed_idr bigint,
    loan_reasons         jsonb,
    decided_late         boolean,
    loan_decided_at      timestamptz,
    closed_at            timestamptz,
    CHECK ((stage = 'closed') = (closed_at IS NOT NULL)),
    CHECK (stage <> 'closed' OR borrower IS NULL)
);

INSERT INTO loan_cases (application_id, stage, product, amount_idr, opened_at,
                        screening_outcome, screening_reasons, screened_at, closed_at)
SELECT application_id,
       CASE WHEN outcome = 'rejected' THEN 'closed' ELSE 'screened' END,
       product, amount_idr, decided_at, outcome,
       -- Those rows kept reason codes only; new rows keep each reason with its texts.
       coalesce((SELECT jsonb_agg(jsonb_build_object('code', code))
                 FROM jsonb_array_elements_text(reasons) AS code), '[]'::jsonb),
       decided_at,
       CASE WHEN outcome = 'rejected' THEN decided_at END
FROM screenings;

DROP TABLE screenings;

-- Screening outcomes as the operator tools (fleet checks, demo report) read them.
CREATE VIEW screenings AS
SELECT application_id, product, amount_idr, screening_outcome AS outcome,
       screening_reasons AS reasons, screened_at AS decided_at
FROM loan_cases
WHERE screened_at IS NOT NULL;
