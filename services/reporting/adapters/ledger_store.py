"""The ledger's own event store, read by the auditor to compare it with the
BENEFITS_LEDGER stream.

The store is opened read-only (no table is created) through the ledger's
Application class and read in notification order; each event is turned into
the envelope the ledger's relay would publish for it (the ledger's own codec),
so it can be compared with the stream's envelope at the same position. Only
the ledger's code knows how to read its store: this adapter is where the
reporting service depends on it.

Where the store is (``BENEFITS_LEDGER_STORE``, or a VerifyLedger request):

- ``none``: no comparison;
- a ``postgresql://`` DSN (``BENEFITS_LEDGER_STORE_SCHEMA`` for a schema);
- ``sqlite:PATH`` or a plain path to the ledger's SQLite file;
- unset: the store the stack gives the ledger, i.e. with BENEFITS_STORE=postgres
  the same DSN and schema as this service, else ``<data dir>/ledger/events.sqlite``
  when that file exists.

A store named in a request must be one the operator allows, so that a caller
cannot make the service open arbitrary files or connect to arbitrary servers:
a SQLite file inside the service's data directory or a directory listed in
``BENEFITS_AUDIT_STORE_DIRS`` (separated by ``os.pathsep``), or the PostgreSQL
DSN the service is configured with (``BENEFITS_LEDGER_STORE`` or its own).
Anything else is PERMISSION_DENIED.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benefits_platform.config import ServiceConfig, StoreConfig
from benefits_platform.domain_errors import FailedPrecondition, InvalidArgument, PermissionDenied
from benefits_platform.envelopes import ZERO_HASH, build_envelope, event_id
from benefits_platform.eventstore import eventsourcing_env
from benefits_platform.relay_process import EventLog
from ledger.adapters.event_codec import encode
from ledger.application import LedgerApplication
from reporting.adapters.codec import LEDGER, stored_event
from reporting.domain.audit import StoredEvent

NONE = "none"
AUDIT_DIRS_ENV = "BENEFITS_AUDIT_STORE_DIRS"
ENV = "BENEFITS_LEDGER_STORE"
SCHEMA_ENV = "BENEFITS_LEDGER_STORE_SCHEMA"
READ_BATCH = 2000


@dataclass(frozen=True)
class LedgerStoreSpec:
    """Where to find the ledger's store; ``store`` None: no comparison (``why``)."""

    store: StoreConfig | None
    why: str = ""

    @property
    def described(self) -> str:
        if self.store is None:
            return self.why
        if self.store.is_postgres:
            return "the ledger's PostgreSQL store"
        return f"the ledger's SQLite store {self.store.sqlite_path}"


MAX_STORE_TEXT = 1000


def _parse(text: str, field: str, schema: str = "") -> LedgerStoreSpec:
    text = text.strip()
    if len(text) > MAX_STORE_TEXT or any(ord(ch) < 32 for ch in text):
        raise InvalidArgument(
            field, f"must be at most {MAX_STORE_TEXT} characters, without control characters"
        )
    if text.lower() == NONE:
        return LedgerStoreSpec(None, "the comparison with the ledger's store was not asked for")
    if text.startswith(("postgresql://", "postgres://")):
        return LedgerStoreSpec(StoreConfig(kind="postgres", postgres_dsn=text,
                                           postgres_schema=schema))  # fmt: skip
    path = Path(text.removeprefix("sqlite:"))
    try:
        found = path.is_file()
    except (OSError, ValueError):  # a name too long for the file system, say
        found = False
    if not found:
        raise InvalidArgument(field, f"no SQLite file at {str(path)[:200]!r}")
    return LedgerStoreSpec(StoreConfig(kind="sqlite", sqlite_path=path))


def resolve(requested: str, config: ServiceConfig) -> LedgerStoreSpec:
    """The store a VerifyLedger request means (see the module docstring)."""
    if len(requested) > MAX_STORE_TEXT:
        raise InvalidArgument("ledger_store", f"must be at most {MAX_STORE_TEXT} characters")
    if requested.strip():
        spec = _parse(requested, "ledger_store", os.environ.get(SCHEMA_ENV, "").strip())
        _check_allowed(spec, config)
        return spec
    configured = os.environ.get(ENV, "").strip()
    if configured:
        return _parse(configured, ENV, os.environ.get(SCHEMA_ENV, "").strip())
    if config.store.is_postgres:
        return LedgerStoreSpec(config.store)
    default = config.data_dir / LEDGER / "events.sqlite"
    if default.is_file():
        return LedgerStoreSpec(StoreConfig(kind="sqlite", sqlite_path=default))
    return LedgerStoreSpec(
        None, f"no ledger store configured ({ENV}) nor found at {default}: not compared"
    )


def _check_allowed(spec: LedgerStoreSpec, config: ServiceConfig) -> None:
    """A store named by a caller must be one the operator allows (see above)."""
    store = spec.store
    if store is None:
        return
    if store.is_postgres:
        allowed_dsns = {os.environ.get(ENV, "").strip()}
        if config.store.is_postgres:
            allowed_dsns.add(config.store.postgres_dsn)
        if store.postgres_dsn in allowed_dsns:
            return
        raise PermissionDenied(
            "ledger_store: only the PostgreSQL store this service is configured with may be "
            "compared (BENEFITS_LEDGER_STORE or the service's own DSN)"
        )
    path = store.sqlite_path.resolve()
    extra = os.environ.get(AUDIT_DIRS_ENV, "").strip()
    roots = [config.data_dir, *(Path(d) for d in extra.split(os.pathsep) if d.strip())]
    if any(path.is_relative_to(root.resolve()) for root in roots):
        return
    raise PermissionDenied(
        "ledger_store: a SQLite store must lie inside the service's data directory or a "
        f"directory listed in {AUDIT_DIRS_ENV}"
    )


def open_store(spec: LedgerStoreSpec) -> EventLog:
    assert spec.store is not None
    env = eventsourcing_env(spec.store)
    env["CREATE_TABLE"] = "false"
    try:
        log = EventLog(LedgerApplication, env)
    except Exception as error:
        raise FailedPrecondition(
            f"ledger_store: cannot open {spec.described}: {type(error).__name__}"
        ) from None
    try:
        log.recorder.max_notification_id()  # a file that is no event store fails here
    except Exception as error:
        log.close()
        raise FailedPrecondition(
            f"ledger_store: {spec.described} is not a readable event store: {type(error).__name__}"
        ) from None
    return log


def _raw(state: Any) -> bytes:
    return state if isinstance(state, bytes) else str(state).encode()


def stored_events(log: Any, batch: int = READ_BATCH) -> Iterator[StoredEvent]:
    """Every event of the store in position order, as the stream should hold it
    (an event the ledger's code cannot read gives a digest of its raw state, so
    it shows as edited)."""
    recorder, mapper = log.recorder, log.mapper
    position = 0
    while True:
        notifications = recorder.select_notifications(
            start=position, limit=batch, inclusive_of_start=False
        )
        if not notifications:
            return
        for notification in notifications:
            position = notification.id
            try:
                event = mapper.to_domain_event(notification)
                envelope = build_envelope(
                    source=LEDGER,
                    position=position,
                    aggregate_id=event.originator_id,
                    aggregate_version=event.originator_version,
                    recorded_at=event.timestamp,
                    parts=encode(event),
                    prev_hash=ZERO_HASH,
                )
            except Exception:
                yield StoredEvent(
                    position,
                    event_id(notification.originator_id, notification.originator_version),
                    notification.topic.rsplit(".", 1)[-1],
                    hashlib.sha256(_raw(notification.state)).digest(),
                )
                continue
            yield stored_event(envelope)
