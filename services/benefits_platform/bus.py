"""NATS JetStream: connections and streams. Streams are created if missing,
with file storage, no expiry and the configured number of replicas."""

from __future__ import annotations

import ssl
from typing import Any

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from benefits_platform import logs
from benefits_platform.config import NatsAuth, nats_auth_from_env, nats_servers

log = logs.get("benefits.bus")

MSG_ID = "Nats-Msg-Id"
EXPECTED_LAST_SEQ = "Nats-Expected-Last-Sequence"
POSITION_HEADER = "Benefits-Position"
REQUEST_ID_HEADER = "Benefits-Request-Id"


def stream_name(source: str) -> str:
    return f"BENEFITS_{source.upper()}"


def subject_prefix(source: str) -> str:
    return f"benefits.{source}.v1"


async def _log_error(error: Exception) -> None:
    log.warning("bus.error", error=type(error).__name__, detail=str(error)[:200])


async def _log_disconnected() -> None:
    log.warning("bus.disconnected")


async def _log_reconnected() -> None:
    log.info("bus.reconnected")


async def connect(url: str, name: str, auth: NatsAuth | None = None) -> Client:
    """A connection to the NATS servers of ``url`` (comma-separated), with the
    user credentials and TLS CA of ``auth`` (default: from the environment)."""
    auth = auth if auth is not None else nats_auth_from_env()
    options: dict[str, Any] = {}
    if auth.user:
        options.update(user=auth.user, password=auth.password())
    if auth.tls_ca_file is not None:
        options["tls"] = ssl.create_default_context(cafile=str(auth.tls_ca_file))
    return await nats.connect(
        **options,
        error_cb=_log_error,
        disconnected_cb=_log_disconnected,
        reconnected_cb=_log_reconnected,
        servers=nats_servers(url),
        name=name,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
        connect_timeout=5,
        allow_reconnect=True,
    )


async def ensure_stream(js: JetStreamContext, source: str, replicas: int) -> None:
    name = stream_name(source)
    config = StreamConfig(
        name=name,
        subjects=[f"{subject_prefix(source)}.>"],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        discard=DiscardPolicy.OLD,
        num_replicas=replicas,
        duplicate_window=120.0,
        allow_direct=True,
    )
    try:
        await js.stream_info(name)
    except NotFoundError:
        await js.add_stream(config)
        log.info("bus.stream_created", stream=name, replicas=replicas)
