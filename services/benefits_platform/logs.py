"""structlog, configured once per process: JSON lines on stderr.

The request id travels in a context variable (bound from gRPC metadata by the
RPC wrapper, with the method and the caller: :func:`bind_call`; carried on NATS
headers by the relay). Personal data never goes into
a log line: log member ids and entry ids, never names, national ID numbers or
tokens. Keys named in REDACTED_KEYS are masked as a last line of defence.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import sys
import time
from collections.abc import Callable, MutableMapping
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


# The call being served: (rpc, request id, caller id), added to every line
# written while it runs. One context variable set and reset per call: structlog's
# bind_contextvars/unbind_contextvars (a variable per key) cost several times
# as much, on every unary call of a service.
_call: contextvars.ContextVar[tuple[str, str, str] | None] = contextvars.ContextVar(
    "benefits_call", default=None
)


def bind_call(rpc: str, request_id: str, caller: str) -> contextvars.Token[Any]:
    """Log lines written from here on (in this task and tasks it starts) carry
    ``rpc``, ``request_id`` and ``caller``, until :func:`unbind_call`."""
    return _call.set((rpc, request_id, caller))


def unbind_call(token: contextvars.Token[Any]) -> None:
    """Unbind after a call; a streaming call's generator closed from another
    context (the call's task ended) has nothing left to unbind."""
    with contextlib.suppress(ValueError):
        _call.reset(token)


def _merge_call(_logger: Any, _method: str, event_dict: MutableMapping[str, Any]) -> Any:
    call = _call.get()
    if call is not None:
        event_dict.setdefault("rpc", call[0])
        event_dict.setdefault("request_id", call[1])
        event_dict.setdefault("caller", call[2])
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
            _merge_call,
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


class Summary:
    """One INFO line for many occurrences of an event: ``add`` sums counts, and
    the line (the sums since the last one) is written at most every ``seconds``;
    the first occurrence after a quiet spell is written at once. For what
    happens thousands of times a second (the ledger's group commits), where a
    line each cost more than a tenth of the work it reports."""

    def __init__(
        self,
        logger: Any,
        event: str,
        seconds: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.logger = logger
        self.event = event
        self.seconds = seconds
        self.clock = clock
        self._counts: dict[str, int] = {}
        self._written = -float("inf")

    def add(self, **counts: int) -> None:
        sums = self._counts
        for key, value in counts.items():
            sums[key] = sums.get(key, 0) + value
        if self.clock() - self._written >= self.seconds:
            self.flush()

    def flush(self) -> None:
        """Write what was added since the last line, if anything; nothing while
        the interpreter shuts down (an owner never closed is closed by its
        __del__ then, when logging can no longer import)."""
        if self._counts and not sys.is_finalizing():
            counts, self._counts = self._counts, {}
            self.logger.info(self.event, **counts)
            self._written = self.clock()
