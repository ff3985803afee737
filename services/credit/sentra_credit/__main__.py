from __future__ import annotations

from sentra_shared.runtime import serve

from sentra_credit.app import create_app
from sentra_credit.config import CreditSettings


def main() -> None:
    settings = CreditSettings()  # type: ignore[call-arg]  # fields come from the environment
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
