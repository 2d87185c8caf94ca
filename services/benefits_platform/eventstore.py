"""The eventsourcing environment for a service's event store: SQLite by
default, PostgreSQL when BENEFITS_STORE=postgres."""

from __future__ import annotations

from typing import Any, Protocol
from urllib.parse import unquote, urlparse

from benefits_platform.config import StoreConfig


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
