"""The ledger's outbox relay as its own process.

    BENEFITS_RELAY=process python -m ledger.entrypoints.server   # the ledger, no relay
    python -m ledger.entrypoints.relay                           # its relay

Same BENEFITS_* settings as the server (store, data directory, NATS). It reads
the ledger's notification log through an EventLog (no book is rebuilt) and
publishes every event to the BENEFITS_LEDGER stream; see
benefits_platform.relay_process. Runs until SIGTERM or SIGINT.
"""

from __future__ import annotations

from benefits_platform import logs
from benefits_platform.config import load as load_config
from benefits_platform.eventstore import eventsourcing_env
from benefits_platform.relay_process import EventLog, serve_relay
from ledger.adapters.event_codec import encode
from ledger.application import LedgerApplication


def main() -> None:
    logs.configure()
    config = load_config("ledger")
    env = eventsourcing_env(config.store)
    serve_relay(config, lambda: EventLog(LedgerApplication, env), encode)


if __name__ == "__main__":
    main()
