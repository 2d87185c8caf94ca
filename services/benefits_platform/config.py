"""Configuration from the environment, read once at start-up.

Every setting has a default that runs the embedded stack: SQLite files and a
local nats-server, with data under ./var.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit


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


NATS_SCHEMES = ("nats", "tls", "ws", "wss")


def nats_servers(url: str) -> list[str]:
    """The server URLs of BENEFITS_NATS_URL: one URL, or a comma-separated list
    of the nodes of a cluster (a client connects to any and fails over to the
    others)."""
    servers = [part.strip() for part in url.split(",") if part.strip()]
    if not servers:
        raise ValueError("BENEFITS_NATS_URL must name at least one NATS server")
    for server in servers:
        scheme, sep, rest = server.partition("://")
        if not sep or scheme.lower() not in NATS_SCHEMES or not rest:
            raise ValueError(
                f"BENEFITS_NATS_URL: {server!r} is not a nats://host:port URL "
                "(several are separated by commas)"
            )
    return servers


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
class NatsAuth:
    """NATS user credentials and the CA of a TLS NATS server (all optional)."""

    user: str = ""
    password_file: Path | None = None
    tls_ca_file: Path | None = None

    def password(self) -> str:
        if self.password_file is None:
            return ""
        return _read_secret(self.password_file, "BENEFITS_NATS_PASSWORD_FILE")


def _read_secret(path: Path, name: str) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as error:
        raise ValueError(f"{name}: cannot read {path}: {error.strerror}") from None


def _env_path(name: str) -> Path | None:
    raw = os.environ.get(name, "").strip()
    return Path(raw) if raw else None


def nats_auth_from_env() -> NatsAuth:
    """BENEFITS_NATS_USER, BENEFITS_NATS_PASSWORD_FILE, BENEFITS_NATS_TLS_CA_FILE."""
    return NatsAuth(
        user=_env("BENEFITS_NATS_USER", ""),
        password_file=_env_path("BENEFITS_NATS_PASSWORD_FILE"),
        tls_ca_file=_env_path("BENEFITS_NATS_TLS_CA_FILE"),
    )


def with_password(dsn: str, password_file: Path | None) -> str:
    """The DSN with the password read from ``password_file`` (BENEFITS_POSTGRES_PASSWORD_FILE)
    when the DSN has none."""
    if password_file is None or not dsn:
        return dsn
    url = urlsplit(dsn)
    if url.password is not None or url.username is None:
        return dsn
    password = quote(_read_secret(password_file, "BENEFITS_POSTGRES_PASSWORD_FILE"), safe="")
    host = url.netloc.rpartition("@")[2]
    return urlunsplit(url._replace(netloc=f"{quote(url.username, safe='')}:{password}@{host}"))


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
    # How long a call whose client set no deadline may run (server-streaming
    # calls: stream_deadline_seconds); then DEADLINE_EXCEEDED.
    call_deadline_seconds: float = 60.0
    stream_deadline_seconds: float = 3600.0
    # The hashed API keys and certificate identities (None: <data dir>/keys/api-keys.json).
    api_keys_file: Path | None = None
    # TLS on the gRPC port when both are set; with a client CA, mutual TLS.
    tls_cert_file: Path | None = None
    tls_key_file: Path | None = None
    tls_client_ca_file: Path | None = None
    nats: NatsAuth = field(default_factory=lambda: NatsAuth())
    # Front processes serving the gRPC port for the service (0: the service's
    # own process serves it; see benefits_platform.forwarding), and the Unix
    # socket they reach the service on (None: <data dir>/run/<service>.sock).
    fronts: int = 0
    core_socket: Path | None = None

    @property
    def keys_file(self) -> Path:
        return self.api_keys_file or self.data_dir / "keys" / "api-keys.json"

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


RELAY_MODES = ("inline", "process")
MAX_FRONTS = 64
DEFAULT_PORTS = {"ledger": 50051, "members": 50052, "reporting": 50053}


def load(service: str, **overrides: object) -> ServiceConfig:
    """Settings for ``service`` from BENEFITS_* environment variables.

    BENEFITS_DATA_DIR            data directory (default ./var)
    BENEFITS_NATS_URL            NATS server URL, or the URLs of a cluster's nodes,
                                 comma-separated
    BENEFITS_STREAM_REPLICAS     JetStream replicas for the service's stream
    BENEFITS_<SERVICE>_HOST/PORT listen address of the service
    BENEFITS_STORE               sqlite | postgres
    BENEFITS_POSTGRES_DSN        e.g. postgresql://user:pw@host:5432/benefits
    BENEFITS_RELAY               inline (default) | process: where the outbox relay
                                 runs (process: ``python -m <service>.entrypoints.relay``)
    BENEFITS_GRPC_MAX_MESSAGE_BYTES  largest gRPC message in or out (default 16 MiB;
                                 larger: RESOURCE_EXHAUSTED)
    BENEFITS_CALL_DEADLINE_SECONDS   how long a call without a client deadline may
                                 run (default 60; server-streaming calls:
                                 BENEFITS_STREAM_DEADLINE_SECONDS, default 3600)
    BENEFITS_POSTGRES_PASSWORD_FILE  the PostgreSQL password (for a DSN without one)
    BENEFITS_API_KEYS_FILE       hashed API keys and certificate identities
                                 (default <data dir>/keys/api-keys.json)
    BENEFITS_TLS_CERT_FILE/KEY_FILE  PEM certificate and key: the port serves TLS only
    BENEFITS_TLS_CLIENT_CA_FILE  clients must present a certificate signed by this CA
    BENEFITS_NATS_USER, BENEFITS_NATS_PASSWORD_FILE, BENEFITS_NATS_TLS_CA_FILE
                                 NATS user credentials and the CA of a TLS NATS server
    BENEFITS_<SERVICE>_FRONTS    front processes serving the service's gRPC port
                                 (ledger only; default 0: the service's process serves it)
    BENEFITS_<SERVICE>_CORE_SOCKET  the Unix socket the fronts reach the service on
                                 (default <data dir>/run/<service>.sock)
    """
    upper = service.upper()
    data_dir = Path(_env("BENEFITS_DATA_DIR", "var"))
    kind = _env("BENEFITS_STORE", "sqlite").lower()
    if kind not in ("sqlite", "postgres"):
        raise ValueError(f"BENEFITS_STORE must be 'sqlite' or 'postgres', got {kind!r}")
    store = StoreConfig(
        kind=kind,
        sqlite_path=data_dir / service / "events.sqlite",
        postgres_dsn=with_password(
            _env("BENEFITS_POSTGRES_DSN", ""), _env_path("BENEFITS_POSTGRES_PASSWORD_FILE")
        ),
        postgres_schema=_env("BENEFITS_POSTGRES_SCHEMA", ""),
    )
    if store.is_postgres and not store.postgres_dsn:
        raise ValueError("BENEFITS_STORE=postgres needs BENEFITS_POSTGRES_DSN")
    relay_mode = _env("BENEFITS_RELAY", "inline").lower()
    if relay_mode not in RELAY_MODES:
        raise ValueError(f"BENEFITS_RELAY must be 'inline' or 'process', got {relay_mode!r}")
    tls_cert, tls_key = _env_path("BENEFITS_TLS_CERT_FILE"), _env_path("BENEFITS_TLS_KEY_FILE")
    if (tls_cert is None) != (tls_key is None):
        raise ValueError("BENEFITS_TLS_CERT_FILE and BENEFITS_TLS_KEY_FILE go together")
    values: dict[str, object] = {
        "service": service,
        "host": _env(f"BENEFITS_{upper}_HOST", "127.0.0.1"),
        "port": _env_int(f"BENEFITS_{upper}_PORT", DEFAULT_PORTS.get(service, 0)),
        "data_dir": data_dir,
        "nats_url": ",".join(nats_servers(_env("BENEFITS_NATS_URL", "nats://127.0.0.1:4222"))),
        "stream_replicas": _env_int("BENEFITS_STREAM_REPLICAS", 1),
        "store": store,
        "max_group_size": _env_int("BENEFITS_MAX_GROUP_SIZE", 512),
        "relay_batch_size": _env_int("BENEFITS_RELAY_BATCH_SIZE", 1000),
        "relay_mode": relay_mode,
        "shutdown_grace_seconds": _env_float("BENEFITS_SHUTDOWN_GRACE_SECONDS", 5.0),
        "grpc_max_message_bytes": _env_int("BENEFITS_GRPC_MAX_MESSAGE_BYTES", 16 * 1024 * 1024),
        "call_deadline_seconds": _env_float("BENEFITS_CALL_DEADLINE_SECONDS", 60.0),
        "stream_deadline_seconds": _env_float("BENEFITS_STREAM_DEADLINE_SECONDS", 3600.0),
        "api_keys_file": _env_path("BENEFITS_API_KEYS_FILE"),
        "tls_cert_file": tls_cert,
        "tls_key_file": tls_key,
        "tls_client_ca_file": _env_path("BENEFITS_TLS_CLIENT_CA_FILE"),
        "nats": nats_auth_from_env(),
        "fronts": _env_int(f"BENEFITS_{upper}_FRONTS", 0),
        "core_socket": _env_path(f"BENEFITS_{upper}_CORE_SOCKET"),
    }
    values.update(overrides)
    config = ServiceConfig(**values)  # type: ignore[arg-type]
    if not 0 <= config.fronts <= MAX_FRONTS:
        raise ValueError(f"BENEFITS_{upper}_FRONTS must be 0 to {MAX_FRONTS}, got {config.fronts}")
    return config
