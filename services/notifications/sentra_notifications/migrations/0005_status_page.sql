-- Attempts to open an applicant's status page, per fixed window, so the rate limit holds
-- across every instance. `key` is an HMAC of what is counted (a client address or a
-- tracking code): neither is kept. Rows of finished windows are deleted as new ones come.
CREATE TABLE status_attempts (
    key          bytea       NOT NULL,
    window_start timestamptz NOT NULL,
    attempts     integer     NOT NULL,
    PRIMARY KEY (key, window_start)
);
CREATE INDEX status_attempts_by_window ON status_attempts (window_start);
