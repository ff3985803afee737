"""HTTP status query: GET /applications/{application_id}/timeline."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel
from sentra_shared.runtime import ServiceRuntime

from sentra_notifications import repository
from sentra_notifications.domain.notice import current_of

router = APIRouter()


class TimelineEntry(BaseModel):
    at: datetime
    event: str
    status: str
    message_id: str
    message_en: str
    final: bool


class Timeline(BaseModel):
    application_id: uuid.UUID
    status: str
    final: bool
    entries: list[TimelineEntry]


@router.get("/applications/{application_id}/timeline")
async def get_timeline(application_id: uuid.UUID, request: Request) -> Timeline:
    runtime: ServiceRuntime = request.app.state.runtime
    async with runtime.pool.acquire() as conn:
        rows = await repository.timeline(conn, application_id)
    if not rows:
        raise HTTPException(status_code=404, detail="unknown application")
    entries = [
        TimelineEntry(
            at=row["occurred_at"],
            event=row["event_type"],
            status=row["status"],
            message_id=row["message_id"],
            message_en=row["message_en"],
            final=row["final"],
        )
        for row in rows
    ]
    current = current_of(entries, status=lambda e: e.status, final=lambda e: e.final)
    return Timeline(
        application_id=application_id,
        status=(current or entries[-1]).status,
        final=any(entry.final for entry in entries),
        entries=entries,
    )
