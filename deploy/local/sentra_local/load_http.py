"""The end-to-end benchmark's HTTP client: keep-alive HTTP/1.1 over asyncio streams.

Why not httpx: the load generator runs on the machine it measures, so its CPU is taken
from the system under test. Measured on the 2-core development machine, 1,000 POSTs at
200/s to a trivial server: httpx cost 2.5-3 ms of CPU per POST (its transport, pool and
header models), this client 0.3 ms, the open-loop scheduling included. It does only what
intake needs: a POST with a Content-Length body, then the status line, the headers and a
Content-Length (or chunked) answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from urllib.parse import urlsplit


class HttpError(Exception):
    """The request could not be made or its answer could not be read."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


_Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]
IDLE_REUSE_S = 2.0


class KeepAliveClient:
    """A bounded pool of keep-alive connections to one origin.

    At most `connections` requests are on the wire at once; a caller beyond that waits
    for a free connection (the open-loop generator still *schedules* on time: the wait
    is part of the latency it measures, as it would be for a real client).
    """

    def __init__(self, base_url: str, connections: int = 64, timeout: float = 30.0) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"only http://host:port URLs are supported, not {base_url!r}")
        self.host = parts.hostname
        self.port = parts.port or 80
        self.prefix = parts.path.rstrip("/")
        self.timeout = timeout
        self._idle: list[tuple[_Connection, float]] = []
        self._slots = asyncio.Semaphore(connections)
        self._host_header = f"{self.host}:{self.port}".encode()

    async def post(self, path: str, body: bytes, content_type: str = "application/json") -> Answer:
        head = (
            b"POST " + (self.prefix + path).encode() + b" HTTP/1.1\r\n"
            b"Host: " + self._host_header + b"\r\n"
            b"Content-Type: " + content_type.encode() + b"\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n"
        )
        async with self._slots:
            connection = self._reuse()
            try:
                if connection is None:
                    connection = await asyncio.wait_for(
                        asyncio.open_connection(self.host, self.port), self.timeout
                    )
                answer, keep = await asyncio.wait_for(
                    self._exchange(connection, head + body), self.timeout
                )
            except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as e:
                if connection is not None:
                    _close(connection)
                raise HttpError(f"{type(e).__name__}: {e}") from e
            if keep:
                self._idle.append((connection, time.monotonic()))
            else:
                _close(connection)
            return answer

    def _reuse(self) -> _Connection | None:
        """The most recently used idle connection, unless the server may have closed it:
        a POST sent into a close is lost or, worse, done without an answer, and a POST is
        never sent twice. uvicorn closes a connection idle for 5 s; we stop at 2 s."""
        while self._idle:
            connection, since = self._idle.pop()
            if time.monotonic() - since < IDLE_REUSE_S:
                return connection
            _close(connection)
        return None

    @staticmethod
    async def _exchange(connection: _Connection, request: bytes) -> tuple[Answer, bool]:
        reader, writer = connection
        writer.write(request)
        await writer.drain()
        status_line = await reader.readuntil(b"\r\n")
        parts = status_line.split(b" ", 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
            raise ValueError(f"not an HTTP/1.x status line: {status_line[:40]!r}")
        status = int(parts[1])
        keep = parts[0] == b"HTTP/1.1"
        length: int | None = None
        chunked = False
        while (line := await reader.readuntil(b"\r\n")) != b"\r\n":
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                keep = value.strip().lower() == b"keep-alive" or (
                    keep and value.strip().lower() != b"close"
                )
        if chunked:
            body = await _read_chunked(reader)
        elif length is not None:
            body = await reader.readexactly(length)
        else:  # no length: the body runs to the end of the connection
            body = await reader.read()
            keep = False
        return Answer(status, body), keep

    async def close(self) -> None:
        while self._idle:
            _close(self._idle.pop()[0])


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers
                pass
            return bytes(body)
        body += await reader.readexactly(size)
        await reader.readexactly(2)


def _close(connection: _Connection) -> None:
    with contextlib.suppress(Exception):
        connection[1].close()
