"""A small SQL helper over sqlite3 and psycopg for the tables a service keeps
beside its event store (relay checkpoints, projections). Statements are written
with ``?`` placeholders and translated for PostgreSQL."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from benefits_platform.config import StoreConfig


class Database:
    """``scratch``: a throwaway SQLite database (rebuilt projections to compare
    or swap in): no fsync and an in-memory rollback journal, since a crash only
    means building it again."""

    def __init__(self, store: StoreConfig, sqlite_path: Path, *, scratch: bool = False) -> None:
        self.is_postgres = store.is_postgres
        self._lock = threading.RLock()
        if store.is_postgres:
            self._store = store
            self._pg = self._connect()
        else:
            sqlite_path.parent.mkdir(parents=True, exist_ok=True)
            self._sqlite = sqlite3.connect(
                str(sqlite_path), check_same_thread=False, isolation_level=None, timeout=30
            )
            self._sqlite.execute(f"PRAGMA journal_mode={'MEMORY' if scratch else 'WAL'}")
            self._sqlite.execute(f"PRAGMA synchronous={'OFF' if scratch else 'FULL'}")

    def _connect(self) -> Any:
        import psycopg

        conn = psycopg.connect(self._store.postgres_dsn, autocommit=False)
        if self._store.postgres_schema:
            with conn.cursor() as cur:
                cur.execute(f'CREATE SCHEMA IF NOT EXISTS "{self._store.postgres_schema}"')
                cur.execute(f'SET search_path TO "{self._store.postgres_schema}"')
            conn.commit()
        return conn

    def _sql(self, statement: str) -> str:
        return statement.replace("?", "%s") if self.is_postgres else statement

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Cursor]:
        """One transaction: everything inside commits together or not at all."""
        with self._lock:
            if self.is_postgres:
                if self._pg.closed or self._pg.broken:
                    # The server restarted or the connection dropped: the failed
                    # transaction was reported to its caller; this one reconnects.
                    self._pg.close()
                    self._pg = self._connect()
                with self._pg.transaction(), self._pg.cursor() as cur:
                    yield Cursor(self, cur)
            else:
                lite = self._sqlite.cursor()
                lite.execute("BEGIN IMMEDIATE")
                try:
                    yield Cursor(self, lite)
                except BaseException:
                    lite.execute("ROLLBACK")
                    raise
                else:
                    lite.execute("COMMIT")
                finally:
                    lite.close()

    @contextlib.contextmanager
    def serialized(self) -> Iterator[None]:
        """Several transactions with no other thread's in between: a consistent
        read across them when every writer goes through this Database."""
        with self._lock:
            yield

    def close(self) -> None:
        with self._lock:
            if self.is_postgres:
                self._pg.close()
            else:
                self._sqlite.close()


class Cursor:
    def __init__(self, db: Database, cur: Any) -> None:
        self._db = db
        self._cur = cur

    def execute(self, statement: str, params: Sequence[Any] = ()) -> Cursor:
        self._cur.execute(self._db._sql(statement), tuple(params))
        return self

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        self._cur.executemany(self._db._sql(statement), [tuple(r) for r in rows])

    def fetchone(self) -> Any:
        return self._cur.fetchone()

    def fetchall(self) -> list[Any]:
        return list(self._cur.fetchall())

    def fetchmany(self, size: int) -> list[Any]:
        return list(self._cur.fetchmany(size))


class RelayCheckpoints:
    """How far the outbox relay got: position in the store's log, the stream
    sequence of that event, and its hash (the head of the hash chain)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        blob = "BYTEA" if db.is_postgres else "BLOB"
        with db.transaction() as cur:
            if db.is_postgres:
                # Relays of several services on one database start together: two
                # CREATE TABLE IF NOT EXISTS at once collide in the catalog.
                cur.execute("SELECT pg_advisory_xact_lock(hashtext('benefits:relay_checkpoints'))")
            cur.execute(
                "CREATE TABLE IF NOT EXISTS relay_checkpoints ("
                " source TEXT PRIMARY KEY, position BIGINT NOT NULL,"
                f" stream_seq BIGINT NOT NULL, hash {blob} NOT NULL, updated_at TEXT NOT NULL)"
            )

    def load(self, source: str) -> tuple[int, int, bytes] | None:
        with self.db.transaction() as cur:
            row = cur.execute(
                "SELECT position, stream_seq, hash FROM relay_checkpoints WHERE source = ?",
                (source,),
            ).fetchone()
        return None if row is None else (int(row[0]), int(row[1]), bytes(row[2]))

    def save(self, source: str, position: int, stream_seq: int, hash_: bytes, now: str) -> None:
        with self.db.transaction() as cur:
            cur.execute(
                "INSERT INTO relay_checkpoints (source, position, stream_seq, hash, updated_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (source) DO UPDATE SET"
                " position = excluded.position, stream_seq = excluded.stream_seq,"
                " hash = excluded.hash, updated_at = excluded.updated_at",
                (source, position, stream_seq, hash_, now),
            )
