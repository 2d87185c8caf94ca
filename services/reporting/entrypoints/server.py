"""The reporting service's server factory and process entrypoint.

``create_server(config)`` builds everything and starts nothing. ``start()``
listens at once with health NOT_SERVING, opens the event store, connects to
NATS, and only then reports SERVING. No domain service is registered yet: the
server answers gRPC health and reflection.
"""

from __future__ import annotations

from benefits_platform import logs
from benefits_platform.config import ServiceConfig
from benefits_platform.config import load as load_config
from benefits_platform.eventstore import eventsourcing_env
from benefits_platform.server import StoreAndBusServer, serve
from reporting.application import ReportingApplication


class ReportingServer(StoreAndBusServer[ReportingApplication]):
    """Health and reflection, ready once the reporting store is open and NATS connected."""

    def __init__(self, config: ServiceConfig) -> None:
        super().__init__(config, lambda: ReportingApplication(eventsourcing_env(config.store)))


def create_server(config: ServiceConfig) -> ReportingServer:
    return ReportingServer(config)


def main() -> None:
    logs.configure()
    serve(lambda: create_server(load_config("reporting")))


if __name__ == "__main__":
    main()
