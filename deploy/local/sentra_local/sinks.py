"""Where the local runner's notifications go: a real SMTP server (aiosmtpd) and an SMS
gateway sink speaking Sentra's gateway interface (docs/delivery.md), both keeping what
they receive (in memory and in a JSON-lines journal, reloaded at start).

HTTP, on the sink's port:
  POST /messages   the SMS gateway: bearer key, Idempotency-Key (a replayed key gets the
                   first answer with 200 and stores nothing; the same key with another
                   message 409), 201 for a new message
  GET  /received   {"emails": [...], "sms": [...], "counts": {...}}
  POST /modes      {"sms"|"smtp": {"fail_next": n, "fail_always": b, "delay_s": s}}
  GET  /health

Failing mode: the gateway answers 503, the SMTP server 451 (both transient). Runs in
process (`async with Sinks(...)`, for tests) or as a process:
`python -m sentra_local.sinks --smtp-port 8025 --sms-port 8006`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import uuid
from collections import Counter
from dataclasses import asdict, dataclass
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import uvicorn
import uvloop
from aiosmtpd.smtp import SMTP, Envelope, Session
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

DEVELOPMENT_SMS_KEY = "sentra-local-sms-key"


@dataclass
class Mode:
    """How a sink misbehaves, for tests: fail the next n requests or all; answer slowly."""

    fail_next: int = 0
    fail_always: bool = False
    delay_s: float = 0.0

    def failing(self) -> bool:
        if self.fail_always:
            return True
        if self.fail_next > 0:
            self.fail_next -= 1
            return True
        return False


class Sinks:
    def __init__(
        self,
        *,
        smtp_port: int,
        http_port: int,
        host: str = "127.0.0.1",
        sms_key: str = DEVELOPMENT_SMS_KEY,
        journal: Path | None = None,
    ) -> None:
        self.host = host
        self.smtp_port = smtp_port
        self.http_port = http_port
        self.sms_key = sms_key
        self.journal = journal
        self.emails: list[dict[str, Any]] = []
        self.sms: list[dict[str, Any]] = []
        # Every gateway request per idempotency key, replays and refusals included.
        self.sms_requests: Counter[str] = Counter()
        self._answers: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
        self.sms_mode = Mode()
        self.smtp_mode = Mode()
        self._smtp_server: asyncio.Server | None = None
        self._http: uvicorn.Server | None = None
        self._http_task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.http_port}"

    def notifications_env(self) -> dict[str, str]:
        """What notifications needs to send here."""
        prefix = "SENTRA_NOTIFICATIONS_"
        return {
            prefix + "SMTP_HOST": self.host,
            prefix + "SMTP_PORT": str(self.smtp_port),
            prefix + "SMS_URL": self.url,
            prefix + "SMS_KEY": self.sms_key,
        }

    def emails_with(self, message_id: str) -> list[dict[str, Any]]:
        return [e for e in self.emails if e["message_id"] == message_id]

    def counts(self) -> dict[str, int]:
        return {
            "emails": len(self.emails),
            "sms": len(self.sms),
            "sms_requests": sum(self.sms_requests.values()),
        }

    # --- lifecycle ---------------------------------------------------------------------

    async def __aenter__(self) -> Sinks:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    async def start(self) -> None:
        self._reload()
        loop = asyncio.get_running_loop()
        self._smtp_server = await loop.create_server(
            lambda: SMTP(_SmtpHandler(self), hostname="sentra-sink.local"),
            self.host,
            self.smtp_port,
        )
        config = uvicorn.Config(
            self._app(), host=self.host, port=self.http_port, log_level="warning", lifespan="off"
        )
        self._http = uvicorn.Server(config)
        self._http_task = asyncio.create_task(self._http.serve())
        while not self._http.started:
            if self._http_task.done():
                self._http_task.result()
                raise RuntimeError("the sink's HTTP server stopped during startup")
            await asyncio.sleep(0.02)

    async def stop(self) -> None:
        if self._http is not None and self._http_task is not None:
            self._http.should_exit = True
            await self._http_task
        if self._smtp_server is not None:
            self._smtp_server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._smtp_server.wait_closed(), 5)

    def _reload(self) -> None:
        """Keep idempotency across a restart of the sink: what was received stays received."""
        if self.journal is None or not self.journal.exists():
            return
        for line in self.journal.read_text().splitlines():
            record = json.loads(line)
            if record["kind"] == "email":
                self.emails.append(record)
            else:
                self.sms.append(record)
                self._answers[record["key"]] = (record["request"], record["answer"])

    def _keep(self, record: dict[str, Any]) -> None:
        if self.journal is not None:
            self.journal.parent.mkdir(parents=True, exist_ok=True)
            with self.journal.open("a") as journal:
                journal.write(json.dumps(record) + "\n")

    # --- the SMS gateway ---------------------------------------------------------------

    def _app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/messages", self._messages, methods=["POST"]),
                Route("/received", self._received, methods=["GET"]),
                Route("/modes", self._modes, methods=["POST"]),
                Route("/health", lambda _: JSONResponse({"sinks": "ok"}), methods=["GET"]),
            ]
        )

    async def _messages(self, request: Request) -> JSONResponse:
        if request.headers.get("authorization") != f"Bearer {self.sms_key}":
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        key = request.headers.get("idempotency-key", "")
        if not key:
            return JSONResponse({"error": "Idempotency-Key is required"}, status_code=400)
        self.sms_requests[key] += 1
        try:
            body = await request.json()
            sms = {name: str(body[name]) for name in ("to", "text", "reference")}
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"error": "expected JSON {to, text, reference}"}, status_code=422)
        if self.sms_mode.delay_s:
            await asyncio.sleep(self.sms_mode.delay_s)
        if self.sms_mode.failing():
            return JSONResponse({"error": "unavailable, try again"}, status_code=503)
        if key in self._answers:
            first, answer = self._answers[key]
            if first != sms:
                return JSONResponse({"error": "key used for another message"}, status_code=409)
            return JSONResponse(answer, status_code=200, headers={"Idempotent-Replayed": "true"})
        answer = {"id": str(uuid.uuid4()), "status": "accepted"}
        self._answers[key] = (sms, answer)
        record = {"kind": "sms", "key": key, **sms, "request": sms, "answer": answer}
        self.sms.append(record)
        self._keep(record)
        return JSONResponse(answer, status_code=201)

    async def _received(self, _: Request) -> JSONResponse:
        sms = [{k: v for k, v in s.items() if k not in ("request", "answer")} for s in self.sms]
        requests = dict(self.sms_requests)
        return JSONResponse(
            {"emails": self.emails, "sms": sms, "sms_requests": requests, "counts": self.counts()}
        )

    async def _modes(self, request: Request) -> JSONResponse:
        body = await request.json()
        for name, mode in (("sms", self.sms_mode), ("smtp", self.smtp_mode)):
            for field, value in body.get(name, {}).items():
                setattr(mode, field, type(getattr(mode, field))(value))
        return JSONResponse({"sms": asdict(self.sms_mode), "smtp": asdict(self.smtp_mode)})


class _SmtpHandler:
    """aiosmtpd handler: keeps every message it accepts, duplicates included (SMTP has no
    idempotency key; a resent message arrives twice, with the same Message-ID)."""

    def __init__(self, sinks: Sinks) -> None:
        self._sinks = sinks

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        mode = self._sinks.smtp_mode
        if mode.delay_s:
            await asyncio.sleep(mode.delay_s)
        if mode.failing():
            return "451 4.3.0 Temporarily unavailable, try again later"
        raw = envelope.content if isinstance(envelope.content, bytes) else b""
        parsed = message_from_bytes(raw, policy=policy.default)
        body = parsed.get_body(("plain",))
        record = {
            "kind": "email",
            "message_id": str(parsed["Message-ID"]),
            "from": envelope.mail_from,
            "to": list(envelope.rcpt_tos),
            "subject": str(parsed["Subject"]),
            "language": str(parsed["Content-Language"]),
            "text": body.get_content().strip() if body is not None else "",
        }
        self._sinks.emails.append(record)
        self._sinks._keep(record)
        return "250 2.0.0 OK"


async def _serve(sinks: Sinks) -> None:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    async with sinks:
        print(f"sinks: smtp {sinks.host}:{sinks.smtp_port}, sms gateway {sinks.url}", flush=True)
        await stopping.wait()


def main(argv: list[str] | None = None) -> None:
    env = os.environ.get
    parser = argparse.ArgumentParser(prog="python -m sentra_local.sinks", description=__doc__)
    parser.add_argument("--host", default=env("SENTRA_SINKS_HTTP_HOST", "127.0.0.1"))
    parser.add_argument("--smtp-port", type=int, default=int(env("SENTRA_SINKS_SMTP_PORT", "8025")))
    parser.add_argument("--sms-port", type=int, default=int(env("SENTRA_SINKS_HTTP_PORT", "8006")))
    parser.add_argument("--sms-key", default=env("SENTRA_SINKS_SMS_KEY", DEVELOPMENT_SMS_KEY))
    parser.add_argument("--journal", type=Path, default=env("SENTRA_SINKS_JOURNAL"))
    args = parser.parse_args(argv)
    sinks = Sinks(
        smtp_port=args.smtp_port,
        http_port=args.sms_port,
        host=args.host,
        sms_key=args.sms_key,
        journal=args.journal,
    )
    uvloop.run(_serve(sinks))  # as the services (sentra_shared.runtime.serve)


if __name__ == "__main__":
    main()
