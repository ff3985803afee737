-- A family member's loan names the worker by the tracking code the worker got for their
-- placement application and the worker's birth date. Kept of the code: a keyed hash
-- (HMAC-SHA256 under the identifier key), never the code. NULL for applications
-- submitted before it was kept: those cannot be named.
ALTER TABLE applications ADD COLUMN tracking_key bytea;
CREATE INDEX applications_placement_by_tracking_key
    ON applications (tracking_key) WHERE kind = 'placement';
-- The worker a family member's loan named, by the worker's pseudonym (the `worker_ref`
-- of the worker's placement application): what credit receives, never the NIK.
ALTER TABLE applications ADD COLUMN linked_worker_ref text;
