"""The public transparency dashboard: figures per agency, per regency and on red flags,
from a read model the notifications consumer builds from the journey events. No personal
data; small numbers suppressed. See docs/transparency.md."""

from sentra_notifications.transparency.api import router
from sentra_notifications.transparency.facts import EVENTS
from sentra_notifications.transparency.store import record

__all__ = ["EVENTS", "record", "router"]
