-- A claim now moves through stages: the insurer confirms it (insurer_check), Sentra
-- assesses it (rejected / dormant / payout_requested), the insurer pays (paid) or refuses
-- (payout_refused). The outcome is set once assessed and never changes afterwards.
ALTER TABLE claims
    ALTER COLUMN outcome DROP NOT NULL,
    ALTER COLUMN reasons DROP NOT NULL,
    ALTER COLUMN decided_at DROP NOT NULL,
    ADD COLUMN status            text,
    -- The verified refund request: what the payout request needs (passport name, birth
    -- date, payee account). The account number is dropped once the claim is closed.
    ADD COLUMN request           jsonb,
    ADD COLUMN check_request_id  uuid,
    ADD COLUMN payout_request_id uuid,
    ADD COLUMN payout_due        date,
    ADD COLUMN paid_krw          bigint,
    ADD COLUMN paid_idr          bigint,
    ADD COLUMN paid_on           date,
    ADD COLUMN paid_late         boolean,
    ADD COLUMN payout_reasons    jsonb,
    ADD COLUMN closed_at         timestamptz;

UPDATE claims SET status = outcome WHERE status IS NULL;
UPDATE claims SET status = 'payout_requested' WHERE status = 'accepted';
ALTER TABLE claims ALTER COLUMN status SET NOT NULL;

-- "One paid claim per worker and type", enforced by the database too: two answers for
-- the same worker applied at once cannot both be accepted; the loser is retried and then
-- sees the winner (ALREADY_PAID).
CREATE UNIQUE INDEX one_claim_per_worker_and_type ON claims (worker_ref, claim_type)
    WHERE outcome IN ('accepted', 'dormant');
