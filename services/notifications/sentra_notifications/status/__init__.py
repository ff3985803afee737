"""The applicant's status page (server-rendered, Bahasa Indonesia and English)."""

from sentra_notifications.status.routes import status_router
from sentra_notifications.status.settings import StatusSettings

__all__ = ["StatusSettings", "status_router"]
