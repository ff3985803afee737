from __future__ import annotations

from sentra_shared.runtime import serve

from sentra_empowerment.app import create_app
from sentra_empowerment.config import EmpowermentSettings


def main() -> None:
    settings = EmpowermentSettings()  # type: ignore[call-arg]  # fields come from the environment
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
