"""``python -m benefits_platform.healthcheck``: the probe the deploy files run.

Against a real members service (NOT_SERVING until NATS is reachable, then
SERVING) in plaintext, and against real grpc.aio servers with TLS and mutual
TLS, with the development certificates of ``benefits certs dev`` (a throw-away
CA; the server certificate names localhost and 127.0.0.1).
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1._async import HealthServicer

from benefits_cli.certs import DevCerts, make_dev_certs
from benefits_platform.config import ServiceConfig, StoreConfig
from benefits_platform.healthcheck import CA_ENV, CLIENT_CERT_ENV, CLIENT_KEY_ENV, Probe, check
from members.entrypoints.server import create_server as create_members
from tests.support import NatsServer, free_port

BOUND = 60.0  # upper bound for a status change to show; never asserted on
SERVICE = "benefits.v1.LedgerService"


# --- the probe as a command -----------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str


async def run_probe(*args: str, env: dict[str, str] | None = None) -> Outcome:
    """The probe as the deploy files run it: its own process."""
    environment = {
        k: v for k, v in os.environ.items() if k not in (CA_ENV, CLIENT_CERT_ENV, CLIENT_KEY_ENV)
    }
    environment.update(env or {})
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "benefits_platform.healthcheck",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=environment,
    )
    out, err = await proc.communicate()
    assert proc.returncode is not None
    return Outcome(proc.returncode, out.decode(), err.decode())


async def probe(**kwargs: object) -> tuple[bool, str]:
    """The probe in this process (off the event loop that runs the server)."""
    return await asyncio.to_thread(check, Probe(**kwargs))  # type: ignore[arg-type]


# --- a real service, plaintext --------------------------------------------------------------


async def test_real_service_not_serving_then_serving(tmp_path: Path) -> None:
    nats_port = free_port()
    config = ServiceConfig(
        service="members",
        port=0,
        data_dir=tmp_path,
        nats_url=f"nats://127.0.0.1:{nats_port}",
        store=StoreConfig(kind="sqlite", sqlite_path=tmp_path / "members" / "events.sqlite"),
        shutdown_grace_seconds=0.5,
    )
    server = create_members(config)
    await server.start()
    nats = NatsServer(tmp_path / "nats", port=nats_port)
    try:
        down = await run_probe("--address", server.address, "--timeout", "10")
        assert down.code == 1
        assert f"the server at {server.address} (plaintext): NOT_SERVING" in down.stderr
        assert down.stdout == ""

        nats.start()
        await server.wait_ready(BOUND)
        up = await run_probe("--address", server.address, "--service", "benefits.v1.MembersService")
        assert up.code == 0, up.stderr
        assert "'benefits.v1.MembersService'" in up.stdout
        assert up.stdout.rstrip().endswith(": SERVING")
    finally:
        await server.stop()
        nats.stop()


@pytest.mark.parametrize("mutual", [False, True], ids=["tls", "mutual-tls"])
async def test_real_service_over_tls(tmp_path: Path, nats_server: NatsServer, mutual: bool) -> None:
    """The service as deployed: TLS only on its port (BENEFITS_TLS_CERT_FILE and
    _KEY_FILE; with BENEFITS_TLS_CLIENT_CA_FILE, mutual TLS)."""
    certs = make_dev_certs(tmp_path / "certs")
    config = ServiceConfig(
        service="members",
        port=0,
        data_dir=tmp_path,
        nats_url=nats_server.url,
        store=StoreConfig(kind="sqlite", sqlite_path=tmp_path / "members" / "events.sqlite"),
        shutdown_grace_seconds=0.5,
        tls_cert_file=certs.server,
        tls_key_file=certs.server_key,
        tls_client_ca_file=certs.ca if mutual else None,
    )
    server = create_members(config)
    await server.start()
    try:
        await server.wait_ready(BOUND)
        plain = await run_probe("--address", server.address)
        assert plain.code == 1
        assert "(plaintext): no answer (UNAVAILABLE" in plain.stderr
        client = ["--tls-cert", str(certs.client), "--tls-key", str(certs.client_key)]
        if mutual:
            bare = await run_probe("--address", server.address, "--tls-ca", str(certs.ca))
            assert bare.code == 1
        up = await run_probe(
            "--address",
            server.address,
            "--server-name",
            "localhost",
            *(client if mutual else []),
            env={CA_ENV: str(certs.ca)},
        )
        assert up.code == 0, up.stderr
        assert up.stdout.rstrip().endswith("(TLS): SERVING")
    finally:
        await server.stop()


async def test_nothing_listening_is_no_answer() -> None:
    address = f"127.0.0.1:{free_port()}"
    outcome = await run_probe("--address", address, "--timeout", "5")
    assert outcome.code == 1
    assert f"the server at {address} (plaintext): no answer (UNAVAILABLE" in outcome.stderr


async def test_bad_arguments_exit_non_zero() -> None:
    outcome = await run_probe("--address", "127.0.0.1:1", "--timeout", "0")
    assert outcome.code == 2
    assert "--timeout must be positive" in outcome.stderr


# --- real servers with TLS ------------------------------------------------------------------


@dataclass
class TlsServer:
    address: str
    certs: DevCerts
    other_ca: Path  # a CA that signed nothing here


async def _tls_server(tmp_path: Path, *, mutual: bool) -> AsyncIterator[TlsServer]:
    certs = make_dev_certs(tmp_path / "certs")
    other = make_dev_certs(tmp_path / "other")
    server = grpc.aio.server()
    health = HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health, server)
    await health.set("", health_pb2.HealthCheckResponse.SERVING)
    await health.set(SERVICE, health_pb2.HealthCheckResponse.NOT_SERVING)
    credentials = grpc.ssl_server_credentials(
        [(certs.server_key.read_bytes(), certs.server.read_bytes())],
        root_certificates=certs.ca.read_bytes() if mutual else None,
        require_client_auth=mutual,
    )
    port = server.add_secure_port("127.0.0.1:0", credentials)
    await server.start()
    try:
        yield TlsServer(f"127.0.0.1:{port}", certs, other.ca)
    finally:
        await server.stop(0)


@pytest.fixture
async def tls_server(tmp_path: Path) -> AsyncIterator[TlsServer]:
    async for running in _tls_server(tmp_path, mutual=False):
        yield running


@pytest.fixture
async def mtls_server(tmp_path: Path) -> AsyncIterator[TlsServer]:
    async for running in _tls_server(tmp_path, mutual=True):
        yield running


async def test_tls_serving_with_the_right_ca(tls_server: TlsServer) -> None:
    healthy, message = await probe(
        address=tls_server.address, tls_ca=tls_server.certs.ca, server_name="localhost"
    )
    assert healthy, message
    assert message == f"the server at {tls_server.address} (TLS): SERVING"


async def test_tls_ca_from_the_environment(tls_server: TlsServer) -> None:
    ca = {CA_ENV: str(tls_server.certs.ca)}
    outcome = await run_probe("--address", tls_server.address, "--server-name", "localhost", env=ca)
    assert outcome.code == 0, outcome.stderr
    assert "(TLS): SERVING" in outcome.stdout
    # The environment's CA can be switched off: plaintext to a TLS port gets no answer.
    plain = await run_probe("--address", tls_server.address, "--tls-ca", "", env=ca)
    assert plain.code == 1
    assert "(plaintext): no answer (UNAVAILABLE" in plain.stderr


async def test_tls_address_name_in_the_certificate(tls_server: TlsServer) -> None:
    """127.0.0.1 is one of the certificate's names, so no override is needed."""
    healthy, message = await probe(address=tls_server.address, tls_ca=tls_server.certs.ca)
    assert healthy, message


async def test_tls_refuses_a_certificate_from_another_ca(tls_server: TlsServer) -> None:
    healthy, message = await probe(
        address=tls_server.address, tls_ca=tls_server.other_ca, server_name="localhost"
    )
    assert not healthy
    assert "(TLS): no answer (UNAVAILABLE" in message


async def test_tls_refuses_a_name_the_certificate_does_not_carry(tls_server: TlsServer) -> None:
    healthy, message = await probe(
        address=tls_server.address, tls_ca=tls_server.certs.ca, server_name="ledger"
    )
    assert not healthy
    assert "no answer (UNAVAILABLE" in message


async def test_tls_service_status_and_unknown_service(tls_server: TlsServer) -> None:
    common = {"address": tls_server.address, "tls_ca": tls_server.certs.ca}
    healthy, message = await probe(service=SERVICE, **common)
    assert not healthy
    assert message.endswith(f"service {SERVICE!r} at {tls_server.address} (TLS): NOT_SERVING")
    healthy, message = await probe(service="benefits.v1.NoSuchService", **common)
    assert not healthy
    assert "not known to the server" in message


async def test_tls_missing_ca_file(tls_server: TlsServer, tmp_path: Path) -> None:
    missing = tmp_path / "missing.crt"
    outcome = await run_probe("--address", tls_server.address, "--tls-ca", str(missing))
    assert outcome.code == 1
    assert f"cannot read BENEFITS_TLS_CA_FILE {missing}" in outcome.stderr


async def test_mutual_tls_needs_a_client_certificate(mtls_server: TlsServer) -> None:
    certs = mtls_server.certs
    without, message = await probe(address=mtls_server.address, tls_ca=certs.ca)
    assert not without
    assert "no answer (UNAVAILABLE" in message

    healthy, message = await probe(
        address=mtls_server.address,
        tls_ca=certs.ca,
        tls_cert=certs.client,
        tls_key=certs.client_key,
    )
    assert healthy, message


async def test_mutual_tls_client_certificate_from_the_environment(mtls_server: TlsServer) -> None:
    certs = mtls_server.certs
    env = {CLIENT_CERT_ENV: str(certs.client), CLIENT_KEY_ENV: str(certs.client_key)}
    outcome = await run_probe("--address", mtls_server.address, "--tls-ca", str(certs.ca), env=env)
    assert outcome.code == 0, outcome.stderr
    assert "(TLS): SERVING" in outcome.stdout
    # Without TLS the environment's client certificate is not used (nor an error).
    plain = await run_probe("--address", mtls_server.address, "--tls-ca", "", env=env)
    assert plain.code == 1
    assert "(plaintext): no answer (UNAVAILABLE" in plain.stderr


async def test_client_certificate_without_key_or_ca(mtls_server: TlsServer) -> None:
    certs = mtls_server.certs
    healthy, message = await probe(
        address=mtls_server.address, tls_ca=certs.ca, tls_cert=certs.client
    )
    assert not healthy
    assert "--tls-cert and --tls-key go together" in message
    outcome = await run_probe(
        "--address",
        mtls_server.address,
        "--tls-ca",
        "",
        "--tls-cert",
        str(certs.client),
        "--tls-key",
        str(certs.client_key),
    )
    assert outcome.code == 1
    assert "a client certificate needs --tls-ca" in outcome.stderr
