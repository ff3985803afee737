-- The inbox remembers what it applied, so the same event id with another payload is
-- refused (dead-lettered) instead of silently ignored. Older rows have no hash.
ALTER TABLE inbox ADD COLUMN payload_sha256 bytea;
