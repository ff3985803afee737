"""python -m sentra_shared.contract generate | check | release"""

from __future__ import annotations

import argparse
import shutil
import sys

from sentra_shared.contract import AGENCIES_DIR, ASYNCAPI_FILE, RELEASED_DIR, SCHEMAS_DIR
from sentra_shared.contract.agency_documents import agency_documents
from sentra_shared.contract.asyncapi import asyncapi_document
from sentra_shared.contract.compat import breaking_changes
from sentra_shared.contract.schemas import current_schemas, read_schemas, render


def expected_files() -> dict[str, str]:
    """Every generated file (relative to shared/contracts/) with the text it must have."""
    files = {ASYNCAPI_FILE.name: render(asyncapi_document())}
    for agency, document in agency_documents().items():
        files[f"{AGENCIES_DIR.name}/{agency}.json"] = render(document)
    for name, schema in current_schemas().items():
        files[f"{SCHEMAS_DIR.name}/{name}.json"] = render(schema)
    return files


def drifted() -> list[str]:
    """Generated files missing, stale or left over."""
    base = ASYNCAPI_FILE.parent
    expected = expected_files()
    problems = [
        path
        for path, text in expected.items()
        if not (base / path).exists() or (base / path).read_text() != text
    ]
    present = {
        f"{directory.name}/{p.name}"
        for directory in (SCHEMAS_DIR, AGENCIES_DIR)
        for p in directory.glob("*.json")
    }
    leftovers = present - set(expected)
    return problems + sorted(leftovers)


def generate() -> None:
    base = ASYNCAPI_FILE.parent
    for directory in (SCHEMAS_DIR, AGENCIES_DIR):
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
    for path, text in expected_files().items():
        (base / path).write_text(text)


def release() -> None:
    """Record the current schemas as released (after a version is published to agencies)."""
    RELEASED_DIR.mkdir(parents=True, exist_ok=True)
    for name, schema in current_schemas().items():
        (RELEASED_DIR / f"{name}.json").write_text(render(schema))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sentra_shared.contract")
    parser.add_argument("command", choices=["generate", "check", "release"])
    args = parser.parse_args(argv)
    if args.command == "generate":
        generate()
        print(f"wrote {ASYNCAPI_FILE.parent}")
        return 0
    if args.command == "release":
        breaking = breaking_changes(read_schemas(RELEASED_DIR), current_schemas())
        if breaking:
            print("refusing to release incompatible changes:\n  " + "\n  ".join(breaking))
            return 1
        release()
        print(f"released the current schemas to {RELEASED_DIR}")
        return 0
    problems = [f"out of date: {path} (run `make contracts`)" for path in drifted()]
    problems += breaking_changes(read_schemas(RELEASED_DIR), current_schemas())
    print("\n".join(problems) or "contract up to date and compatible with the released one")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
