"""The recruiter licence (SIP3MI) registry's sample data, loaded into the local documents
database with the documents service's own operator command."""

from __future__ import annotations

import csv
import importlib.util
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from sentra_local.processes import StartupError
from sentra_local.samples import Licences
from sentra_local.stack import Stack


def sample_licences_file() -> Path:
    spec = importlib.util.find_spec("sentra_documents")
    if spec is None or not spec.submodule_search_locations:
        raise StartupError("the documents service package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "sample_data" / "sip3mi_licences.csv"


def load_sample_licences(stack: Stack) -> str:
    """Run `python -m sentra_documents.licences load` on the sample file; its report."""
    env = {**os.environ, "SENTRA_DOCUMENTS_DATABASE_URL": stack.database_url("documents")}
    done = subprocess.run(
        [sys.executable, "-m", "sentra_documents.licences", "load", str(sample_licences_file())],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise StartupError(f"loading the sample licences failed:\n{done.stdout}{done.stderr}")
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "loaded"


def sample_licences(on: date | None = None) -> Licences:
    """Licence numbers of the sample registry: those valid on `on`, and a revoked one."""
    on = on or date.today()
    valid: list[str] = []
    revoked: list[str] = []
    with sample_licences_file().open(newline="") as file:
        for row in csv.DictReader(file):
            number = row["licence_number"]
            if row.get("revoked_on"):
                revoked.append(number)
            elif (
                date.fromisoformat(row["valid_from"])
                <= on
                <= date.fromisoformat(row["valid_until"])
            ):
                valid.append(number)
    if not valid or not revoked:
        raise StartupError("the sample licence registry needs valid and revoked licences")
    return Licences(valid=tuple(valid), revoked=revoked[0])
