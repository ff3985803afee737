"""How every HTTP app answers a request it cannot validate: 422, naming the fields.

FastAPI's default answer echoes each offending `input` (and a `ctx`) back. That puts
personal data (a NIK, an account number) into responses and their logs, and it makes the
error answer itself fail when the input cannot be written as JSON (an infinite or NaN
number, a lone surrogate): the client then gets a 500 for a 4xx mistake. Here each
error keeps only where (`loc`), what (`msg`) and which rule (`type`), each made
encodable, so the answer can always be written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

# A `loc` part may be a key the client invented; a megabyte of key is not worth echoing.
_LONGEST_PART = 100


def install_validation_errors(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_failed)


async def _validation_failed(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    return JSONResponse({"detail": render_errors(error.errors())}, status_code=422)


def render_errors(errors: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "loc": [_loc_part(part) for part in error.get("loc", ())],
            "msg": _encodable(str(error.get("msg", ""))),
            "type": _encodable(str(error.get("type", ""))),
        }
        for error in errors
    ]


def _loc_part(part: object) -> str | int:
    if isinstance(part, int) and not isinstance(part, bool):
        return part
    named = _encodable(str(part))
    return named if len(named) <= _LONGEST_PART else named[: _LONGEST_PART - 1] + "…"


def _encodable(value: str) -> str:
    # Lone surrogates cannot be encoded as UTF-8; show them as \udXXX escapes instead.
    return value.encode("utf-8", "backslashreplace").decode("utf-8")
