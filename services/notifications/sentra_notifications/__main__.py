from __future__ import annotations

from sentra_shared.runtime import serve

from sentra_notifications.app import create_app
from sentra_notifications.config import NotificationsSettings


def main() -> None:
    settings = NotificationsSettings()  # type: ignore[call-arg]  # fields come from the environment
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
