"""One PostgreSQL event store shared by several instances of a service.

A service that validates commands against state folded from its own log (the
ledger's book: budgets committed, what each member received) can run as several
instances on one store only if every group of commands is validated against
every event recorded before it. :class:`SharedPostgresRecorder` gives each
instance's writer that guarantee:

1. :meth:`~SharedPostgresRecorder.exclusive` opens a transaction on a pooled
   connection and takes a transaction-level advisory lock
   (``pg_advisory_xact_lock``) keyed by the events table: one writer of that log
   at a time, across every process and machine. One round trip::

       BEGIN; SET LOCAL lock_timeout = ...; SET LOCAL idle_in_transaction_session_timeout = ...;
       SELECT pg_advisory_xact_lock(<key>); SELECT max(notification_id) FROM <events>

2. the caller folds every event recorded since its position, if the last
   notification id (read in the same round trip, once the lock is held) is past
   it: a new statement on any connection sees every commit of the previous
   holder, since PostgreSQL releases a transaction's locks only after its commit
   is visible. Then it validates;
3. ``insert_events`` called inside the block (the application's ``events.put``,
   same thread) writes *in that transaction* and commits it, one round trip::

       SAVEPOINT; SET LOCAL lock_timeout; LOCK TABLE ... IN EXCLUSIVE MODE; NOTIFY;
       INSERT ... RETURNING notification_id; COMMIT

   (a group with more than PIPELINE_MAX_BYTES of event data: the same
   statements, one round trip each; see :func:`pipelined`).

   The commit releases the lock. A unique violation (a request id recorded
   before) rolls back to the savepoint only, so the caller keeps the lock and
   can run the group again knowing which ids exist. Leaving the block without
   a commit rolls back and releases the lock.

Bounded waits, whatever happens to the holder:

- a waiter gives up after ``wait_seconds`` (``lock_timeout``) with
  :class:`WriteLockTimeout`: the service answers UNAVAILABLE, retry with the same
  request id;
- a holder killed (``kill -9``) loses its connection, so PostgreSQL rolls its
  transaction back and frees the lock at once;
- a holder paused (SIGSTOP) or stuck with its transaction open and idle is cut
  off by PostgreSQL after ``hold_seconds`` (``idle_in_transaction_session_timeout``):
  its transaction is rolled back, the lock freed, and when it resumes its write
  fails and it reports UNAVAILABLE; its commands were not recorded, and a retry
  is judged against the log as it then is. A session lock on a dedicated
  connection would have stayed with a paused process until it resumed.

The recorder's own ``LOCK TABLE`` still serialises inserts, so notification ids
are issued in commit order and the outbox relay never steps over a gap that is
filled later. Outside :meth:`exclusive` the recorder is eventsourcing's
PostgresApplicationRecorder unchanged.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import psycopg
from eventsourcing.persistence import (
    IntegrityError,
    OperationalError,
    PersistenceError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import get_topic
from psycopg import sql
from psycopg.pq import TransactionStatus

PERSISTENCE_MODULE = "PERSISTENCE_MODULE"
POSTGRES_MODULE = "eventsourcing.postgres"
RECORDER_TOPIC = "APPLICATION_RECORDER_TOPIC"
SAVEPOINT = "benefits_write"
# At most this much event data goes out in pipeline mode (see pipelined()): the
# smallest default TCP send buffer on Linux (net.ipv4.tcp_wmem), so the whole of
# it leaves in the first send whatever the network.
PIPELINE_MAX_BYTES = 16 * 1024
EVENT_OVERHEAD_BYTES = 96  # an event's id, version and topic, roughly


class WriteLockTimeout(PersistenceError):  # type: ignore[misc]
    """Another instance held the store's write lock for longer than the wait."""


def lock_key(schema: str, table: str) -> int:
    """A stable signed 64-bit advisory lock key for one events table."""
    digest = hashlib.blake2b(f"benefits-write:{schema}.{table}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


def shared_store_env(env: Mapping[str, str] | None) -> dict[str, str] | None:
    """``env`` with :class:`SharedPostgresRecorder` as the application recorder
    when it selects PostgreSQL (read from the process environment when ``env``
    does not say); unchanged otherwise."""
    module = (env or {}).get(PERSISTENCE_MODULE) or os.environ.get(PERSISTENCE_MODULE, "")
    if module != POSTGRES_MODULE:
        return None if env is None else dict(env)
    return {**(env or {}), RECORDER_TOPIC: get_topic(SharedPostgresRecorder)}


def translated(error: psycopg.Error) -> PersistenceError:
    """eventsourcing's error for a psycopg error raised outside its recorders."""
    if isinstance(error, psycopg.IntegrityError):
        return IntegrityError(str(error))
    if isinstance(error, psycopg.OperationalError | psycopg.InterfaceError):
        return OperationalError(str(error))
    return PersistenceError(str(error))


def pipelined(stored_events: Sequence[StoredEvent]) -> bool:
    """Whether an insert of ``stored_events`` may be sent in pipeline mode (all
    its statements in one round trip): only while what it sends fits in any
    socket's send buffer at once (PIPELINE_MAX_BYTES).

    psycopg 3.3 (binary and pure Python alike) stops sending a pipelined
    statement that does not fit: the server waits for the rest of the message
    (``ClientRead``) and the client for a result, for ever, holding the write
    lock. On loopback that took an INSERT of ~6,000 payouts; with a 16 KiB send
    buffer, as to a server on another host, 1,000 (tests/test_ledger_shared_store.py
    shows both). A larger insert is sent statement by statement: a few more
    round trips, once per group."""
    size = 0
    for event in stored_events:
        size += len(event.state) + EVENT_OVERHEAD_BYTES
        if size > PIPELINE_MAX_BYTES:
            return False
    return True


class _Unpipelined(contextlib.nullcontext["_Unpipelined"]):
    """In place of ``conn.pipeline()``: each statement sent and answered in turn."""

    def __init__(self) -> None:
        super().__init__(self)

    def sync(self) -> None:
        """Nothing to send: every statement has been answered."""


class SharedPostgresRecorder(PostgresApplicationRecorder):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lock_key = lock_key(self.datastore.schema, self.events_table_name)
        self._held = threading.local()

    # -- the write lock ---------------------------------------------------------------

    @contextlib.contextmanager
    def exclusive(self, wait_seconds: float, hold_seconds: float) -> Iterator[int]:
        """Hold the log's write lock in a transaction that ``insert_events`` (in
        this thread, inside the block) joins and commits. Yields the last
        notification id once the lock is held (read in the same round trip), so
        a caller whose state is already there need not look for more."""
        if self.held_connection() is not None:
            raise RuntimeError("the write lock is already held by this thread")
        take = self._take_statement(wait_seconds, hold_seconds)
        with self.datastore.get_connection() as conn:
            try:
                with conn.cursor() as curs:
                    # One simple query, one round trip; its last result is the head.
                    curs.execute(take, prepare=False)
                    while curs.nextset():
                        pass
                    row = curs.fetchone()
                head = int((row or {}).get("max") or 0)
            except psycopg.errors.LockNotAvailable:
                self._end(conn)
                raise WriteLockTimeout(
                    f"the write lock was held by another writer for more than {wait_seconds:g} s"
                ) from None
            except psycopg.Error as error:
                self._end(conn)
                raise translated(error) from error
            self._held.conn = conn
            try:
                yield head
            finally:
                self._held.conn = None
                self._end(conn)

    @functools.lru_cache(maxsize=8)  # noqa: B019 (a few settings per recorder, for its life)
    def _take_statement(self, wait_seconds: float, hold_seconds: float) -> bytes:
        wait_ms, hold_ms = max(1, int(wait_seconds * 1000)), max(1, int(hold_seconds * 1000))
        return (
            sql.SQL(
                "BEGIN; SET LOCAL lock_timeout = {wait}; "
                "SET LOCAL idle_in_transaction_session_timeout = {hold}; "
                "SELECT pg_advisory_xact_lock({key}); {head}"
            )
            .format(
                wait=sql.Literal(f"{wait_ms}ms"),
                hold=sql.Literal(f"{hold_ms}ms"),
                key=sql.Literal(self.lock_key),
                head=self.max_notification_id_statement,
            )
            .as_bytes(None)
        )

    def held_connection(self) -> Any:
        """The write lock's connection while this thread holds the lock, else None."""
        return getattr(self._held, "conn", None)

    @staticmethod
    def _end(conn: Any) -> None:
        """Roll back whatever is still open (releasing the lock)."""
        status = conn.info.transaction_status
        if status in (TransactionStatus.INTRANS, TransactionStatus.INERROR):
            with contextlib.suppress(psycopg.Error):
                conn.execute("ROLLBACK", prepare=False)

    # -- writes -----------------------------------------------------------------------

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        conn = self.held_connection()
        if conn is None:
            if pipelined(stored_events):
                return super().insert_events(stored_events, **kwargs)  # type: ignore[no-any-return]
            with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
                self._insert_events(curs, stored_events, **kwargs)
                self._insert_stored_events(curs, stored_events, **kwargs)
                return self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)  # type: ignore[no-any-return]
        if conn.info.transaction_status != TransactionStatus.INTRANS:
            raise RuntimeError("the write lock's transaction has ended: take the lock again")
        if not stored_events:
            return []
        error: psycopg.Error | None = None
        ids: Sequence[int] | None = None
        try:
            with conn.pipeline() if pipelined(stored_events) else _Unpipelined() as pipeline:
                with conn.cursor() as curs:
                    curs.execute(f"SAVEPOINT {SAVEPOINT}", prepare=False)
                    self._insert_events(curs, stored_events, **kwargs)
                with conn.cursor() as curs:
                    try:
                        self._insert_stored_events(curs, stored_events, **kwargs)
                        with conn.cursor() as commit:
                            commit.execute("COMMIT", prepare=False)
                        pipeline.sync()
                        ids = self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
                    except psycopg.Error as e:
                        error = e  # raised once the pipeline has ended
        except psycopg.Error as e:
            error = error or e
        if error is None:
            return ids
        if isinstance(error, psycopg.IntegrityError):
            # Only the savepoint is lost: the lock and the transaction stay.
            try:
                conn.execute(f"ROLLBACK TO SAVEPOINT {SAVEPOINT}", prepare=False)
            except psycopg.Error as rollback_error:
                raise translated(rollback_error) from error
        raise translated(error) from error
