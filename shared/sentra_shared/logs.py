"""What a service's logs may hold: never a whole Kafka record."""

from __future__ import annotations

import logging

# Loggers that print whole Kafka records (key and value) at DEBUG: aiokafka's producer
# logs every record it sends. Events carry NIKs, names and account numbers for the agency
# that needs them, so these stay at INFO even when a deployment turns DEBUG on
# (SENTRA_LOG_LEVEL); tests/e2e/test_personal_data.py logs everything else at DEBUG.
RECORD_PRINTING_LOGGERS = ("aiokafka.producer.producer",)


def _not_debug(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.INFO


def keep_records_out_of_logs() -> None:
    """Drop those loggers' DEBUG records (a filter, so their other levels are untouched)."""
    for name in RECORD_PRINTING_LOGGERS:
        logger = logging.getLogger(name)
        if _not_debug not in logger.filters:
            logger.addFilter(_not_debug)
