from __future__ import annotations

from sentra_shared.runtime import serve

from sentra_insurance.app import create_app
from sentra_insurance.config import InsuranceSettings


def main() -> None:
    settings = InsuranceSettings()  # type: ignore[call-arg]  # fields come from the environment
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
