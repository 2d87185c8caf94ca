"""structlog, configured once per process: JSON lines on stderr.

The request id travels in contextvars (bound from gRPC metadata by the RPC
wrapper, carried on NATS headers by the relay). Personal data never goes into
a log line: log member ids and entry ids, never names, national ID numbers or
tokens. Keys named in REDACTED_KEYS are masked as a last line of defence.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

REDACTED_KEYS = frozenset(
    {"name", "name_zh", "full_name", "national_id", "id_number", "token", "api_key", "password"}
)

_configured = False
_level = logging.INFO


def _redact(_logger: Any, _method: str, event_dict: MutableMapping[str, Any]) -> Any:
    for key in REDACTED_KEYS.intersection(event_dict):
        event_dict[key] = "[redacted]"
    return event_dict


def configure(level: str | None = None) -> None:
    """Configure structlog once; later calls are no-ops."""
    global _configured, _level
    if _configured:
        return
    level_name = (level or os.environ.get("BENEFITS_LOG_LEVEL", "INFO")).upper()
    _level = logging.getLevelNamesMapping().get(level_name, logging.INFO)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _redact,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(_level),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    _configured = True


def debug_enabled() -> bool:
    """Whether DEBUG lines are written (to skip building them when not)."""
    return _level <= logging.DEBUG


def get(name: str) -> Any:
    return structlog.get_logger(name)
