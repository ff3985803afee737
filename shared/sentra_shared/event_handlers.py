"""The events one consumer reacts to, each with its handler, and applying one of them
with its inbox row (`sentra_shared.consumer` applies whole batches)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

import asyncpg

from sentra_shared.envelope import decode
from sentra_shared.events import CATALOGUE, Event
from sentra_shared.inbox import first_delivery

E = TypeVar("E", bound=Event)
Handler = Callable[[asyncpg.Connection, Any], Awaitable[None]]


class EventHandlers:
    """The events one consumer reacts to, each with its handler."""

    def __init__(self, consumer: str) -> None:
        self.consumer = consumer
        self._handlers: dict[type[Event], Handler] = {}

    def on(
        self, event_type: type[E]
    ) -> Callable[[Callable[[asyncpg.Connection, E], Awaitable[None]]], Handler]:
        def register(handler: Callable[[asyncpg.Connection, E], Awaitable[None]]) -> Handler:
            self._handlers[event_type] = handler
            return handler

        return register

    @property
    def topics(self) -> list[str]:
        return sorted({event_type.topic for event_type in self._handlers})

    def handles(self, event: Event) -> bool:
        return type(event) in self._handlers

    @property
    def ignored_types(self) -> frozenset[str]:
        """The CloudEvents types on our topics that we do not handle: skipped by header."""
        handled = set(self._handlers)
        return frozenset(
            cls.ce_type() for cls in CATALOGUE if cls.topic in self.topics and cls not in handled
        )

    async def run(self, conn: asyncpg.Connection, event: Event) -> None:
        """The event's handler alone, for a caller that has recorded it in the inbox."""
        await self._handlers[type(event)](conn, event)

    async def apply(self, conn: asyncpg.Connection, event: Event) -> bool:
        """Apply one event in the caller's transaction; False when it was applied before."""
        if not await first_delivery(conn, self.consumer, event):
            return False
        await self.run(conn, event)
        return True

    async def handle(self, pool: asyncpg.Pool, headers: Mapping[str, str], body: bytes) -> bool:
        """Apply one message in a transaction of its own; False when not for us or seen."""
        event = decode(headers, body)
        if not self.handles(event):
            return False
        async with pool.acquire() as conn, conn.transaction():
            return await self.apply(conn, event)
