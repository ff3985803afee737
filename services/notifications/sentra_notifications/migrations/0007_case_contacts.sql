-- The empowerment service's cases keep their contact here too (kind 'business' or
-- 'consultation'); a consultation belongs to no regency.
ALTER TABLE applicants ALTER COLUMN regency_code DROP NOT NULL;
