"""A ledger front process: serves the ledger's gRPC port alongside the other
fronts and forwards each authenticated call to the ledger's core process
(benefits_platform.forwarding). The core starts its fronts itself
(``BENEFITS_LEDGER_FRONTS``); run by hand only to debug one:

    BENEFITS_LEDGER_CORE_SOCKET=var/run/ledger-50051.sock python -m ledger.entrypoints.front
"""

from __future__ import annotations

from benefits_platform import logs
from benefits_platform.config import load as load_config
from benefits_platform.forwarding import FrontServer, run_front, socket_path
from benefits_platform.protos.benefits.v1 import ledger_pb2
from ledger.entrypoints import access
from ledger.entrypoints import converters as C

SERVICE = ledger_pb2.DESCRIPTOR.services_by_name["LedgerService"]


def create_front() -> FrontServer:
    config = load_config("ledger")
    core = config.core_socket or socket_path(config.data_dir, config.service, config.port)
    # PostPayouts batches are parsed, validated and answered here, the rows
    # recorded by the core (see benefits_platform.forwarding.Preparation).
    return FrontServer(
        config, SERVICE, access.POLICY, core, {"PostPayouts": C.PAYOUTS_PREPARATION}
    )


def main() -> None:
    logs.configure()
    run_front(create_front)


if __name__ == "__main__":
    main()
