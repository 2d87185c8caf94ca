"""A service's outbox relay as a process of its own.

``python -m <service>.entrypoints.relay`` calls :func:`serve_relay`, which runs
:func:`run_relay` until SIGTERM or SIGINT. The relay then does its work per
event (reading the log, decoding, encoding, hashing, publishing) beside the
service instead of on the service's GIL; the service runs with
``BENEFITS_RELAY=process`` and starts no relay of its own.

``run_relay`` opens only the service's event store: an :class:`EventLog`, an
eventsourcing Application with the service's name, environment and
transcodings, whose recorder and mapper read the notification log. Nothing is
rebuilt from the events. It connects to NATS, makes sure the stream exists, and
runs :class:`~benefits_platform.relay.OutboxRelay`: at once again after a batch,
every ``idle_poll`` seconds (10 ms) when the log has nothing new. (PostgreSQL's
LISTEN/NOTIFY would save the idle polls, but eventsourcing offers it only as a
blocking iterator of the notifications themselves; a poll is one indexed query.)
The store, NATS and the stream are retried until they answer. On a stop request
the relay first publishes what the log holds, for at most the shutdown grace.

Two relays of one log at once (a relay process and a service left with an
inline relay, or two processes) are safe: both publish the same envelopes under
the same Nats-Msg-Id and expected last sequence, the stream stores each event
once, in order, and a relay that finds the stream moved re-reads its head (see
benefits_platform.relay). It is wasted work, not a risk.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from eventsourcing.application import Application
from nats.aio.client import Client

from benefits_platform import bus, logs
from benefits_platform.aio import cancel_and_wait, in_thread
from benefits_platform.config import ServiceConfig
from benefits_platform.relay import Codec, OutboxRelay, relay_database
from benefits_platform.sqlstore import Database, RelayCheckpoints

log = logs.get("benefits.relay_process")

T = TypeVar("T")

IDLE_POLL_SECONDS = 0.01
RETRY_SECONDS = 1.0
PROGRESS_SECONDS = 10.0
# After a small batch, how long the relay lets more commits gather (OutboxRelay).
GATHER_SECONDS = 0.02
CHECKPOINT_SECONDS = 1.0  # when idle too: it polls every idle_poll


class EventLog(Application[Any]):
    """A service's event store opened for reading its notification log only.

    Same name (hence the same tables), environment and transcodings as the
    service's Application ``like``, which is not constructed: no aggregate,
    book or projection is loaded."""

    def __init__(self, like: type[Application[Any]], env: Mapping[str, str] | None = None) -> None:
        self.name = like.name
        self._like = like
        super().__init__(dict(env or {}))

    def register_transcodings(self, transcoder: Any) -> None:
        self._like.register_transcodings(self, transcoder)


async def _retrying(
    stop: asyncio.Event, event: str, attempt: Callable[[], Awaitable[T]]
) -> T | None:
    """``attempt()`` until it succeeds (None if ``stop`` is set first)."""
    while not stop.is_set():
        try:
            return await attempt()
        except Exception as error:
            log.warning(event, error=type(error).__name__, detail=str(error)[:200])
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), RETRY_SECONDS)
    return None


async def _connect(config: ServiceConfig) -> Client:
    nc = await bus.connect(config.nats_url, f"{config.service}-relay")
    try:
        await bus.ensure_stream(nc.jetstream(), config.service, config.stream_replicas)
    except BaseException:
        await nc.close()
        raise
    return nc


async def _log_progress(relay: OutboxRelay) -> None:
    loop = asyncio.get_running_loop()
    published, since = relay.published, loop.time()
    while True:
        await asyncio.sleep(PROGRESS_SECONDS)
        now = loop.time()
        if relay.published != published:
            log.info(
                "relay.progress",
                stream=relay.stream,
                position=relay.position,
                stream_seq=relay.stream_seq,
                published=relay.published,
                per_second=round((relay.published - published) / (now - since)),
                resyncs=relay.resyncs,
            )
        published, since = relay.published, now


async def run_relay(
    config: ServiceConfig,
    open_log: Callable[[], Application[Any]],
    codec: Codec,
    *,
    stop: asyncio.Event | None = None,
    idle_poll: float = IDLE_POLL_SECONDS,
) -> None:
    """Run the outbox relay of ``config.service`` until ``stop`` is set."""
    stop = stop or asyncio.Event()
    source = config.service

    def open_store() -> tuple[Application[Any], Database]:
        app = open_log()
        try:
            return app, relay_database(config)
        except BaseException:
            app.close()
            raise

    opened = await _retrying(stop, "relay.store_unavailable", lambda: in_thread(open_store))
    if opened is None:
        return
    app, db = opened
    relay: OutboxRelay | None = None
    nc: Client | None = None
    progress: asyncio.Task[None] | None = None
    try:
        nc = await _retrying(stop, "relay.nats_unavailable", lambda: _connect(config))
        if nc is None:
            return
        relay = OutboxRelay(
            source=source,
            recorder=app.recorder,
            mapper=app.mapper,
            codec=codec,
            nc=nc,
            checkpoints=RelayCheckpoints(db),
            batch_size=config.relay_batch_size,
            poll_interval=idle_poll,
            idle_checkpoint_seconds=CHECKPOINT_SECONDS,
            offload=False,  # nothing else runs on this event loop
            gather_seconds=GATHER_SECONDS,
        )
        relay.start()
        progress = asyncio.create_task(_log_progress(relay), name=f"{source}-relay-progress")
        log.info("relay.running", stream=relay.stream, idle_poll=idle_poll)
        await stop.wait()
        log.info("relay.stopping", stream=relay.stream)
        with contextlib.suppress(Exception):
            last = await in_thread(app.recorder.max_notification_id)
            await relay.wait_caught_up(last or 0, config.shutdown_grace_seconds)
    finally:
        await cancel_and_wait(progress)
        if relay is not None:
            await relay.stop()
            log.info(
                "relay.stopped",
                stream=relay.stream,
                position=relay.position,
                published=relay.published,
            )
        if nc is not None:
            with contextlib.suppress(Exception):
                await nc.close()
        await in_thread(app.close)
        db.close()


def serve_relay(
    config: ServiceConfig, open_log: Callable[[], Application[Any]], codec: Codec
) -> None:
    """A relay process's main: :func:`run_relay` until SIGINT or SIGTERM."""

    async def _main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await run_relay(config, open_log, codec, stop=stop)

    asyncio.run(_main())
