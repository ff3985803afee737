-- Who borrows and under which scheme: the worker (a placement loan), a family member of a
-- worker abroad, or a returnee; KUR or the regional development bank's programme. Cases
-- opened before families and returnees applied were the worker's, under KUR.
ALTER TABLE loan_cases
    ADD COLUMN borrower_role text NOT NULL DEFAULT 'worker'
        CHECK (borrower_role IN ('worker', 'family', 'returnee')),
    ADD COLUMN scheme        text NOT NULL DEFAULT 'kur'
        CHECK (scheme IN ('kur', 'regional')),
    -- A family member's loan: the worker's keyed pseudonym from documents, never the NIK.
    -- Not personal data on its own, so it stays when the case closes.
    ADD COLUMN worker_ref    text
        CHECK (worker_ref ~ '^[0-9a-f]{32}$');

CREATE INDEX loan_cases_by_worker ON loan_cases (worker_ref) WHERE worker_ref IS NOT NULL;
