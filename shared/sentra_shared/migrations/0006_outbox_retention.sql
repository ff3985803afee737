-- Published outbox rows are purged after a retention (outbox.py); find the oldest fast.
CREATE INDEX outbox_published ON outbox (published_at) WHERE published_at IS NOT NULL;
