"""Delivering notices to applicants: email over SMTP, SMS through a gateway, each message
exactly once where the channel honours an idempotency key (docs/delivery.md)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import asyncpg
from opentelemetry import trace
from sentra_shared.events import Channel
from sentra_shared.metrics import ServiceMetrics

from sentra_notifications.config import NotificationsSettings
from sentra_notifications.delivery.sms import SmsGateway
from sentra_notifications.delivery.smtp import SmtpTransport
from sentra_notifications.delivery.store import contact_of, schedule
from sentra_notifications.delivery.transports import Transport
from sentra_notifications.delivery.worker import AFTER_SEND_BEFORE_RECORD, DeliveryWorker

__all__ = [
    "AFTER_SEND_BEFORE_RECORD",
    "DeliveryWorker",
    "contact_of",
    "schedule",
    "transports_from",
    "worker_from",
]


def transports_from(settings: NotificationsSettings) -> dict[Channel, Transport]:
    """The channels this deployment can send on; the others' messages wait, pending."""
    transports: dict[Channel, Transport] = {}
    if settings.smtp_host:
        transports["email"] = SmtpTransport(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_sender,
            tls=settings.smtp_tls,
            username=settings.smtp_username,
            password=settings.smtp_password,
            timeout=settings.smtp_timeout_s,
            # One connection per slot: the worker never sends more emails at once.
            max_connections=settings.delivery_concurrency,
        )
    if settings.sms_url:
        transports["sms"] = SmsGateway(
            settings.sms_url, settings.sms_key, timeout=settings.sms_timeout_s
        )
    return transports


def worker_from(
    settings: NotificationsSettings,
    pool_of: Callable[[], asyncpg.Pool],
    tracer: trace.Tracer,
    metrics: ServiceMetrics | None = None,
) -> DeliveryWorker:
    return DeliveryWorker(
        pool_of,
        transports_from(settings),
        tracer,
        max_attempts=settings.delivery_max_attempts,
        backoff_base=timedelta(seconds=settings.delivery_backoff_base_s),
        backoff_cap=timedelta(seconds=settings.delivery_backoff_cap_s),
        lease=timedelta(seconds=settings.delivery_lease_s),
        poll_interval=settings.delivery_poll_interval_s,
        concurrency=settings.delivery_concurrency,
        metrics=metrics,
    )
