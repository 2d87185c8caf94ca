"""The reporting service's server factory and process entrypoint.

``create_server(config)`` builds everything and starts nothing. ``start()``
listens at once with health NOT_SERVING; then, in the background, it opens its
event store and the projection tables, connects to NATS, starts the durable
consumers of BENEFITS_LEDGER and BENEFITS_MEMBERS (creating the streams if
they do not exist yet), and only then reports SERVING. Reports are served while
the projections catch up: each is stamped with the positions it was built from.

Projections live in ``<data dir>/reporting/projections.sqlite`` (SQLite), or in
the service's PostgreSQL database with BENEFITS_STORE=postgres.
BENEFITS_LEDGER_STORE says where VerifyLedger finds the ledger's own store
(see reporting.adapters.ledger_store); BENEFITS_REPORTING_BATCH how many
messages a consumer fetches at a time (default 2000; with a backlog, several
fetches are applied in one transaction: see ConsumerSettings).
"""

from __future__ import annotations

import os

from benefits_platform import logs
from benefits_platform.config import ServiceConfig
from benefits_platform.config import load as load_config
from benefits_platform.eventstore import eventsourcing_env
from benefits_platform.protos.benefits.v1 import reporting_pb2, reporting_pb2_grpc
from benefits_platform.server import StoreAndBusServer, serve
from benefits_platform.sqlstore import Database
from reporting.adapters.consumers import ConsumerSettings, Projections
from reporting.application import ReportingApplication
from reporting.auditing import Auditor
from reporting.entrypoints import access
from reporting.entrypoints.grpc_servicer import ReportingServicer

log = logs.get("reporting.server")

MAX_BATCH = 10_000
SERVICE_NAME = reporting_pb2.DESCRIPTOR.services_by_name["ReportingService"].full_name


class ReportingServer(StoreAndBusServer[ReportingApplication]):
    def __init__(self, config: ServiceConfig, settings: ConsumerSettings | None = None) -> None:
        super().__init__(config, self._open_app, [SERVICE_NAME], policies=[access.POLICY])
        reporting_pb2_grpc.add_ReportingServiceServicer_to_server(
            ReportingServicer(self), self.host.server
        )
        self.settings = settings or ConsumerSettings(replicas=config.stream_replicas)
        self.projections: Projections | None = None
        self.auditor: Auditor | None = None

    def _open_app(self) -> ReportingApplication:
        config = self.config
        db = Database(config.store, config.data_dir / "reporting" / "projections.sqlite")
        try:
            return ReportingApplication(eventsourcing_env(config.store), db)
        except BaseException:
            db.close()
            raise

    async def on_ready(self) -> None:
        assert self.app is not None and self.js is not None
        self.projections = Projections(self.js, self.app.store, self.settings)
        await self.projections.start()
        self.auditor = Auditor(self.config, self.js, self.app, self.projections)

    async def on_stopping(self) -> None:
        if self.projections is not None:
            await self.projections.stop()


def create_server(
    config: ServiceConfig, settings: ConsumerSettings | None = None
) -> ReportingServer:
    return ReportingServer(config, settings)


def settings_from_env(config: ServiceConfig) -> ConsumerSettings:
    raw = os.environ.get("BENEFITS_REPORTING_BATCH", "").strip()
    if raw and (not raw.isdigit() or not 1 <= int(raw) <= MAX_BATCH):
        raise ValueError(f"BENEFITS_REPORTING_BATCH must be 1 to {MAX_BATCH}, got {raw!r}")
    batch = int(raw) if raw else ConsumerSettings.batch
    return ConsumerSettings(batch=batch, replicas=config.stream_replicas)


def main() -> None:
    logs.configure()

    def build() -> ReportingServer:
        config = load_config("reporting")
        return create_server(config, settings_from_env(config))

    serve(build)


if __name__ == "__main__":
    main()
