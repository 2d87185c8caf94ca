"""The eventsourcing environment for a service's event store: SQLite by
default, PostgreSQL when BENEFITS_STORE=postgres."""

from __future__ import annotations

import contextlib
import json
import weakref
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from json import encoder as json_encoder
from typing import Any, NamedTuple, Protocol
from urllib.parse import unquote, urlparse
from uuid import UUID

import psycopg
from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder, Mapper, StoredEvent
from eventsourcing.postgres import PostgresAggregateRecorder
from eventsourcing.sqlite import SQLiteAggregateRecorder
from eventsourcing.utils import get_topic
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

from benefits_platform import logs
from benefits_platform.config import StoreConfig
from benefits_platform.shared_store import SharedPostgresRecorder, translated

log = logs.get("benefits.eventstore")


def eventsourcing_env(store: StoreConfig) -> dict[str, str]:
    if not store.is_postgres:
        store.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(store.sqlite_path),
            "SQLITE_LOCK_TIMEOUT": "30",
        }
    url = urlparse(store.postgres_dsn)
    if url.scheme not in ("postgres", "postgresql"):
        raise ValueError("BENEFITS_POSTGRES_DSN must be a postgresql:// URL")
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": (url.path or "/").lstrip("/") or "postgres",
        "POSTGRES_HOST": url.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(url.port or 5432),
        "POSTGRES_USER": unquote(url.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(url.password or ""),
        "POSTGRES_POOL_SIZE": "5",
        "POSTGRES_MAX_OVERFLOW": "5",
        "POSTGRES_LOCK_TIMEOUT": "10",
        "POSTGRES_CONNECT_TIMEOUT": "10",
    }
    if store.postgres_schema:
        env["POSTGRES_SCHEMA"] = store.postgres_schema
    return env


def renew_connections(recorder: Any) -> None:
    """After a PostgreSQL connection failed (the server restarted, the network
    dropped): test the idle connections of the recorder's pool and replace
    the dead ones, so the next attempt does not draw one of them. A pool
    hands out its idle connections as they are, and after a restart every one
    of them is dead. Nothing for SQLite. Blocking: call it from a worker
    thread."""
    pool = getattr(getattr(recorder, "datastore", None), "pool", None)
    check = getattr(pool, "check", None)
    if check is not None:
        try:
            check()
        except Exception as error:  # the server may still be down: the next attempt says
            log.info("store.connections_unchecked", error=type(error).__name__)


# Ids looked up per query by recorded_events (SQLite allows 32,766 parameters).
IDS_PER_QUERY = 2000


def recorded_events(recorder: Any, ids: Sequence[UUID]) -> dict[UUID, list[StoredEvent]]:
    """The stored events of those of ``ids`` that have any, in version order.
    One query per IDS_PER_QUERY ids on eventsourcing's SQLite and PostgreSQL
    recorders (on a shared store, in the write lock's transaction when this
    thread holds it); ``select_events`` per id on any other recorder."""
    unique = list(dict.fromkeys(ids))
    chunks = [unique[i : i + IDS_PER_QUERY] for i in range(0, len(unique), IDS_PER_QUERY)]
    found: dict[UUID, list[StoredEvent]] = {}

    def take(rows: Sequence[Any], key_of: Callable[[Any], UUID]) -> None:
        for oid, version, topic, state in rows:
            key = key_of(oid)
            found.setdefault(key, []).append(StoredEvent(key, version, topic, bytes(state)))

    columns = "originator_id, originator_version, topic, state"
    by_uuid = getattr(getattr(recorder, "datastore", None), "originator_id_type", "") == "uuid"
    if isinstance(recorder, SQLiteAggregateRecorder) and by_uuid:
        for chunk in chunks:
            text = (
                f"SELECT {columns} FROM {recorder.events_table_name} "
                f"WHERE originator_id IN ({','.join('?' * len(chunk))}) "
                "ORDER BY originator_id, originator_version"
            )
            with recorder.datastore.transaction(commit=False) as cursor:
                cursor.execute(text, [i.hex for i in chunk])
                take(cursor.fetchall(), UUID)
        return found
    if isinstance(recorder, PostgresAggregateRecorder) and by_uuid:
        statement = SQL(
            "SELECT " + columns + " FROM {}.{} WHERE originator_id = ANY(%s) "
            "ORDER BY originator_id, originator_version"
        ).format(Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name))
        held = (
            recorder.held_connection() if isinstance(recorder, SharedPostgresRecorder) else None
        )
        for chunk in chunks:
            connection = (
                contextlib.nullcontext(held)
                if held is not None
                else recorder.datastore.get_connection()
            )
            try:
                with connection as conn, conn.cursor(row_factory=tuple_row) as curs:
                    curs.execute(statement, (chunk,))
                    take(curs.fetchall(), lambda oid: oid)
            except psycopg.Error as error:  # on the held connection, untranslated
                raise translated(error) from error
        return found
    for i in unique:
        events = list(recorder.select_events(i))
        if events:
            found[i] = events
    return found


class LogFold(Protocol):
    """In-memory state folded from an application's own log (the ledger's book,
    the members registry)."""

    position: int

    def apply(self, event: Any, position: int, /) -> None: ...


def catch_up(app: Any, state: LogFold, batch: int = 2000) -> int:
    """Fold every event ``app`` recorded after ``state.position`` into ``state``;
    returns how many were folded."""
    folded = 0
    while True:
        notifications = app.recorder.select_notifications(
            start=state.position, limit=batch, inclusive_of_start=False
        )
        if not notifications:
            return folded
        for notification in notifications:
            state.apply(app.mapper.to_domain_event(notification), notification.id)
        folded += len(notifications)


# An event class's own writer of the JSON of its stored state: the text the
# transcoder writes for it, or None to leave that state to the transcoder.
StateJSON = Callable[[dict[str, Any], Callable[[Any], str]], str | None]


class _Lean(NamedTuple):
    encode: Callable[[Any], str]
    # Whether the transcoder writes what a StateJSON assumes: non-ASCII as is,
    # compact separators, datetimes as datetime_iso.
    plain: bool


# mapper -> its lean encoding, when it has one (see stored_events).
_LEAN: weakref.WeakKeyDictionary[Mapper[Any], _Lean | None] = weakref.WeakKeyDictionary()


def _lean(mapper: Mapper[Any]) -> _Lean | None:
    """The C encoder the mapper's JSONTranscoder builds afresh for every event
    (JSONEncoder.encode -> iterencode), built once. None when the mapper does
    more than JSON (a cipher, a compressor) or its transcoder is not the plain
    JSONTranscoder."""
    transcoder = mapper.transcoder
    if mapper.cipher is not None or mapper.compressor is not None:
        return None
    if type(transcoder) is not JSONTranscoder:
        return None
    encoder = transcoder.encoder
    make = getattr(json_encoder, "c_make_encoder", None)  # None without the C accelerator
    if type(encoder) is not json.JSONEncoder or make is None or encoder.indent is not None:
        return None
    iterencode = make(
        # No circular-reference markers: event state is a tree (a cycle would
        # still fail, with RecursionError instead of ValueError).
        None,
        encoder.default,
        json_encoder.encode_basestring_ascii
        if encoder.ensure_ascii
        else json_encoder.encode_basestring,
        encoder.indent,
        encoder.key_separator,
        encoder.item_separator,
        encoder.sort_keys,
        encoder.skipkeys,
        encoder.allow_nan,
    )

    def encode(state: Any) -> str:
        return "".join(iterencode(state, 0))

    dates = transcoder.types.get(datetime)
    plain = (
        not encoder.ensure_ascii
        and not encoder.sort_keys
        and (encoder.item_separator, encoder.key_separator) == (",", ":")
        and type(dates) is DatetimeAsISO
        and dates.name == "datetime_iso"
    )
    return _Lean(encode, plain)


def stored_events(
    mapper: Mapper[Any],
    events: Sequence[Any],
    state_json: Mapping[type, StateJSON] | None = None,
) -> list[StoredEvent]:
    """``[mapper.to_stored_event(e) for e in events]``: the same stored events, byte
    for byte, with the JSON encoder built once rather than once per event (a
    group writes thousands of events), and the state of the classes in
    ``state_json`` written by their own writer."""
    try:
        lean = _LEAN[mapper]
    except KeyError:
        lean = _LEAN[mapper] = _lean(mapper)
    if lean is None:
        return [mapper.to_stored_event(event) for event in events]
    encode = lean.encode
    own = state_json if state_json and lean.plain else {}
    stored = []
    for event in events:
        cls = type(event)
        state = dict(event.__dict__)
        originator_id = state.pop("originator_id")
        originator_version = state.pop("originator_version")
        class_version = getattr(cls, "class_version", 1)
        if class_version > 1:
            state["class_version"] = class_version
        writer = own.get(cls)
        text = writer(state, encode) if writer is not None else None
        stored.append(
            StoredEvent(
                originator_id=originator_id,
                originator_version=originator_version,
                topic=get_topic(cls),
                state=(encode(state) if text is None else text).encode("utf8"),
            )
        )
    return stored
