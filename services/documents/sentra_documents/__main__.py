from __future__ import annotations

from sentra_shared.runtime import serve

from sentra_documents.app import create_app
from sentra_documents.config import DocumentsSettings


def main() -> None:
    settings = DocumentsSettings()  # type: ignore[call-arg]  # fields come from the environment
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
