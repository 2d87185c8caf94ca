"""A gRPC health probe that speaks TLS, for container health checks.

    python -m benefits_platform.healthcheck --address 127.0.0.1:50051 \\
        [--tls-ca ca.crt] [--server-name ledger] [--tls-cert c.crt --tls-key c.key] \\
        [--service benefits.v1.LedgerService] [--timeout 5]

Asks ``grpc.health.v1.Health/Check`` once and exits 0 when the answer is
SERVING, 1 otherwise (NOT_SERVING, an unknown service, no answer, a TLS
handshake that fails), with one line saying which. Kubernetes' built-in grpc
probe cannot verify a TLS certificate, so the manifests run this as an exec
probe, and compose as the container's health check.

TLS is used when a CA is given: ``--tls-ca``, or ``BENEFITS_TLS_CA_FILE`` when
the option is absent. ``--server-name`` is the name the certificate must carry
when it differs from the host in ``--address`` (a probe inside the container
dials 127.0.0.1; the certificate names the service). ``--tls-cert`` and
``--tls-key`` present a client certificate, for servers that require mutual
TLS (``BENEFITS_TLS_CLIENT_CA_FILE``); like the CLI, they default to
``BENEFITS_TLS_CLIENT_CERT_FILE`` and ``BENEFITS_TLS_CLIENT_KEY_FILE``. An empty
``--tls-ca ""`` forces plaintext.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from benefits_platform.auth.tls import ClientTls

CA_ENV = "BENEFITS_TLS_CA_FILE"
CLIENT_CERT_ENV = "BENEFITS_TLS_CLIENT_CERT_FILE"
CLIENT_KEY_ENV = "BENEFITS_TLS_CLIENT_KEY_FILE"
DEFAULT_TIMEOUT = 5.0
SERVING = health_pb2.HealthCheckResponse.SERVING


class ProbeError(Exception):
    """The probe could not be set up (a file it needs is missing or unreadable)."""


@dataclass(frozen=True)
class Probe:
    address: str
    service: str = ""
    timeout: float = DEFAULT_TIMEOUT
    tls_ca: Path | None = None
    tls_cert: Path | None = None
    tls_key: Path | None = None
    server_name: str = ""

    @property
    def described(self) -> str:
        what = f"service {self.service!r}" if self.service else "the server"
        scheme = "TLS" if self.tls_ca is not None else "plaintext"
        return f"{what} at {self.address} ({scheme})"


def _channel(probe: Probe) -> grpc.Channel:
    if probe.tls_ca is None:
        if probe.tls_cert is not None or probe.tls_key is not None:
            raise ProbeError("a client certificate needs --tls-ca (TLS)")
        return grpc.insecure_channel(probe.address)
    if (probe.tls_cert is None) != (probe.tls_key is None):
        raise ProbeError("--tls-cert and --tls-key go together")
    tls = ClientTls(probe.tls_ca, probe.tls_cert, probe.tls_key)
    try:
        credentials = tls.credentials()
    except ValueError as error:
        raise ProbeError(f"cannot read {error}") from None
    options = []
    if probe.server_name:
        options.append(("grpc.ssl_target_name_override", probe.server_name))
    return grpc.secure_channel(probe.address, credentials, options=options)


def check(probe: Probe) -> tuple[bool, str]:
    """Ask once; (True, message) when SERVING, else (False, why)."""
    try:
        channel = _channel(probe)
    except ProbeError as error:
        return False, f"{probe.described}: {error}"
    with channel:
        stub = health_pb2_grpc.HealthStub(channel)
        try:
            response = stub.Check(
                health_pb2.HealthCheckRequest(service=probe.service), timeout=probe.timeout
            )
        except grpc.RpcError as error:
            code = error.code() if isinstance(error, grpc.Call) else None
            details = error.details() if isinstance(error, grpc.Call) else str(error)
            name = code.name if code is not None else "ERROR"
            if code == grpc.StatusCode.NOT_FOUND:
                return False, f"{probe.described}: not known to the server ({details})"
            if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                return False, f"{probe.described}: no answer ({name}: {details})"
            return False, f"{probe.described}: the check failed ({name}: {details})"
    status = health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)
    return response.status == SERVING, f"{probe.described}: {status}"


def _option_or_env(option: str | None, env: str, use_env: bool = True) -> str:
    if option is not None:
        return option.strip()
    return os.environ.get(env, "").strip() if use_env else ""


def parse(argv: Sequence[str] | None = None) -> Probe:
    parser = argparse.ArgumentParser(
        prog="python -m benefits_platform.healthcheck",
        description="Exit 0 when a gRPC server's health is SERVING, 1 otherwise.",
    )
    parser.add_argument("--address", required=True, help="host:port of the gRPC server")
    parser.add_argument(
        "--service", default="", help="service name to ask about (default: the whole server)"
    )
    parser.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds to wait for the answer"
    )
    parser.add_argument(
        "--tls-ca",
        default=None,
        help=f"CA certificate (PEM) the server's certificate must chain to; default ${CA_ENV}; "
        "empty for plaintext",
    )
    parser.add_argument(
        "--tls-cert",
        default=None,
        help=f"client certificate (PEM), mutual TLS; default ${CLIENT_CERT_ENV}",
    )
    parser.add_argument(
        "--tls-key", default=None, help=f"client key (PEM), mutual TLS; default ${CLIENT_KEY_ENV}"
    )
    parser.add_argument(
        "--server-name", default="", help="name the server's certificate must carry"
    )
    args = parser.parse_args(argv)
    if args.timeout <= 0:
        parser.error("--timeout must be positive")
    ca = _option_or_env(args.tls_ca, CA_ENV)
    # The environment's client certificate goes with TLS only (a plaintext probe
    # in a container that has one set is not an error); an option always counts.
    cert = _option_or_env(args.tls_cert, CLIENT_CERT_ENV, use_env=bool(ca))
    key = _option_or_env(args.tls_key, CLIENT_KEY_ENV, use_env=bool(ca))
    return Probe(
        address=args.address,
        service=args.service,
        timeout=args.timeout,
        tls_ca=Path(ca) if ca else None,
        tls_cert=Path(cert) if cert else None,
        tls_key=Path(key) if key else None,
        server_name=args.server_name,
    )


def main(argv: Sequence[str] | None = None) -> int:
    probe = parse(argv)
    healthy, message = check(probe)
    print(message, file=sys.stdout if healthy else sys.stderr)
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
