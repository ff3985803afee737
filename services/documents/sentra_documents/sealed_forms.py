"""The applicant's form as stored: its identity numbers sealed, everything else as it is.

Sealed are the numbers that open a person's identity or money: the NIK, the passport
number, the worker's bank account, the accounts fees were paid into and the refund's payee
account. Names, birth date, phone and email stay readable (docs/data-at-rest.md says why).
Each value is sealed with its application id and field as associated data.

A form stored before sealing existed holds plaintext numbers; it still opens, and
`python -m sentra_documents.rekey` seals them.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from sentra_documents.forms import ApplicationForm, read_stored_form
from sentra_documents.sealing import Sealer, is_sealed, key_id

# Where identity numbers sit in a form's JSON; "*" is every item of a list.
SEALED_FIELDS: tuple[tuple[str, ...], ...] = (
    ("applicant", "nik"),
    ("placement", "passport_number"),
    ("placement", "bank_account"),
    ("placement", "fees", "*", "payee_account"),
    ("refund", "payee_account_number"),
    # Not an identity number, but with the worker's birth date it opens their status page.
    ("credit", "worker_tracking_code"),
)


def context(application_id: uuid.UUID, path: tuple[str, ...]) -> bytes:
    """The associated data of a value: the row and the field it belongs to."""
    field = ".".join(p for p in path if p != "*")
    return f"sentra-documents/applications/{application_id}/{field}".encode()


def seal_form(form: ApplicationForm, application_id: uuid.UUID, sealer: Sealer) -> str:
    data = json.loads(form.model_dump_json())
    _each_value(data, lambda path, value: sealer.seal(value, context(application_id, path)))
    return json.dumps(data)


def open_form(stored: str, application_id: uuid.UUID, sealer: Sealer) -> ApplicationForm:
    """The form as it was accepted; `SealingError` when a value does not open."""
    data = json.loads(stored)

    def opened(path: tuple[str, ...], value: str) -> str:
        return sealer.open(value, context(application_id, path)) if is_sealed(value) else value

    _each_value(data, opened)
    return read_stored_form(json.dumps(data))


def reseal_form(stored: str, application_id: uuid.UUID, sealer: Sealer) -> tuple[str, int]:
    """The stored form with every value sealed under the current key, and how many values
    that changed (0: nothing to write). Plaintext values are sealed as well."""
    data = json.loads(stored)
    changed = 0

    def resealed(path: tuple[str, ...], value: str) -> str:
        nonlocal changed
        if not sealer.needs_resealing(value):
            return value
        changed += 1
        where = context(application_id, path)
        plain = sealer.open(value, where) if is_sealed(value) else value
        return sealer.seal(plain, where)

    _each_value(data, resealed)
    return json.dumps(data), changed


def key_ids(stored: str) -> list[str | None]:
    """The key of each identity number in a stored form (None: plaintext)."""
    found: list[str | None] = []

    def note(_: tuple[str, ...], value: str) -> str:
        found.append(key_id(value))
        return value

    _each_value(json.loads(stored), note)
    return found


def _each_value(data: Any, change: Callable[[tuple[str, ...], str], str]) -> None:
    """Replace each present identity number of a form's JSON by `change(path, value)`."""
    for path in SEALED_FIELDS:
        _walk(data, path, (), change)


def _walk(
    node: Any,
    rest: tuple[str, ...],
    done: tuple[str, ...],
    change: Callable[[tuple[str, ...], str], str],
) -> None:
    step, *more = rest
    if step == "*":
        for item in node if isinstance(node, list) else ():
            _walk(item, tuple(more), (*done, step), change)
        return
    if not isinstance(node, dict) or node.get(step) is None:
        return
    if more:
        _walk(node[step], tuple(more), (*done, step), change)
    elif isinstance(node[step], str):
        node[step] = change((*done, step), node[step])
