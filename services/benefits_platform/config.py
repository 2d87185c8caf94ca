"""Configuration from the environment, read once at start-up.

Every setting has a default that runs the embedded stack: SQLite files and a
local nats-server, with data under ./var.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from None


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {raw!r}") from None


@dataclass(frozen=True)
class StoreConfig:
    """Where a service keeps its events: "sqlite" (default) or "postgres"."""

    kind: str = "sqlite"
    sqlite_path: Path = Path("var/ledger/events.sqlite")
    postgres_dsn: str = ""
    postgres_schema: str = ""

    @property
    def is_postgres(self) -> bool:
        return self.kind == "postgres"


@dataclass(frozen=True)
class ServiceConfig:
    service: str
    host: str = "127.0.0.1"
    port: int = 0
    data_dir: Path = Path("var")
    nats_url: str = "nats://127.0.0.1:4222"
    stream_replicas: int = 1
    store: StoreConfig = field(default_factory=StoreConfig)
    # Group commit: at most this many commands share one store transaction.
    max_group_size: int = 512
    relay_batch_size: int = 1000
    # Where the outbox relay runs: "inline", a task in the service's own process;
    # "process", its own process (python -m <service>.entrypoints.relay), the
    # service then starts none. The default here is "inline", so a service built
    # from a ServiceConfig (tests, a lone server) always publishes its events;
    # the stack runner starts the relay process and sets BENEFITS_RELAY=process.
    relay_mode: str = "inline"
    grpc_max_message_bytes: int = 16 * 1024 * 1024
    shutdown_grace_seconds: float = 5.0

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


RELAY_MODES = ("inline", "process")
DEFAULT_PORTS = {"ledger": 50051, "members": 50052, "reporting": 50053}


def load(service: str, **overrides: object) -> ServiceConfig:
    """Settings for ``service`` from BENEFITS_* environment variables.

    BENEFITS_DATA_DIR            data directory (default ./var)
    BENEFITS_NATS_URL            NATS server URL
    BENEFITS_STREAM_REPLICAS     JetStream replicas for the service's stream
    BENEFITS_<SERVICE>_HOST/PORT listen address of the service
    BENEFITS_STORE               sqlite | postgres
    BENEFITS_POSTGRES_DSN        e.g. postgresql://user:pw@host:5432/benefits
    BENEFITS_RELAY               inline (default) | process: where the outbox relay
                                 runs (process: ``python -m <service>.entrypoints.relay``)
    """
    upper = service.upper()
    data_dir = Path(_env("BENEFITS_DATA_DIR", "var"))
    kind = _env("BENEFITS_STORE", "sqlite").lower()
    if kind not in ("sqlite", "postgres"):
        raise ValueError(f"BENEFITS_STORE must be 'sqlite' or 'postgres', got {kind!r}")
    store = StoreConfig(
        kind=kind,
        sqlite_path=data_dir / service / "events.sqlite",
        postgres_dsn=_env("BENEFITS_POSTGRES_DSN", ""),
        postgres_schema=_env("BENEFITS_POSTGRES_SCHEMA", ""),
    )
    if store.is_postgres and not store.postgres_dsn:
        raise ValueError("BENEFITS_STORE=postgres needs BENEFITS_POSTGRES_DSN")
    relay_mode = _env("BENEFITS_RELAY", "inline").lower()
    if relay_mode not in RELAY_MODES:
        raise ValueError(f"BENEFITS_RELAY must be 'inline' or 'process', got {relay_mode!r}")
    values: dict[str, object] = {
        "service": service,
        "host": _env(f"BENEFITS_{upper}_HOST", "127.0.0.1"),
        "port": _env_int(f"BENEFITS_{upper}_PORT", DEFAULT_PORTS.get(service, 0)),
        "data_dir": data_dir,
        "nats_url": _env("BENEFITS_NATS_URL", "nats://127.0.0.1:4222"),
        "stream_replicas": _env_int("BENEFITS_STREAM_REPLICAS", 1),
        "store": store,
        "max_group_size": _env_int("BENEFITS_MAX_GROUP_SIZE", 512),
        "relay_batch_size": _env_int("BENEFITS_RELAY_BATCH_SIZE", 1000),
        "relay_mode": relay_mode,
        "shutdown_grace_seconds": _env_float("BENEFITS_SHUTDOWN_GRACE_SECONDS", 5.0),
    }
    values.update(overrides)
    return ServiceConfig(**values)  # type: ignore[arg-type]
