"""TLS and mutual TLS on a service's gRPC port, with the certificates
``benefits certs dev`` makes: a TLS port refuses plaintext and clients that do
not trust its CA; with a client CA it refuses clients without a certificate,
and a mapped certificate names the caller (its common name is the actor on
the events it causes) until its identity is revoked."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import grpc
import pytest

from benefits_cli.certs import DEV_CLIENT_CN, DevCerts, issue_client_cert, make_dev_certs
from benefits_cli.main import main
from benefits_platform.auth.tls import ClientTls
from benefits_platform.config import ServiceConfig, StoreConfig
from benefits_platform.protos.benefits.v1 import events_pb2, ledger_pb2, ledger_pb2_grpc
from ledger.entrypoints.server import LedgerServer, create_server
from tests.ledger_client import open_request, payout, stream_messages
from tests.members_feed import enroll
from tests.support import Keys, channel

CODE = grpc.StatusCode


@pytest.fixture
def store(tmp_path: Path) -> StoreConfig:
    """TLS does not depend on the store: these tests run on SQLite."""
    return StoreConfig(kind="sqlite", sqlite_path=tmp_path / "ledger" / "events.sqlite")


@pytest.fixture
def certs(tmp_path: Path, keys: Keys, capsys: pytest.CaptureFixture[str]) -> DevCerts:
    """``benefits certs dev`` into the test's data directory (and its keys file)."""
    assert main(["certs", "dev", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    made = DevCerts(tmp_path / "certs")
    assert f"BENEFITS_TLS_CERT_FILE={made.server}" in out
    return made


async def serve(config: ServiceConfig) -> LedgerServer:
    server = create_server(config)
    await server.start()
    await server.wait_ready()
    return server


@pytest.fixture
async def tls_ledger(ledger_config: ServiceConfig, certs: DevCerts) -> AsyncIterator[LedgerServer]:
    config = replace(ledger_config, tls_cert_file=certs.server, tls_key_file=certs.server_key)
    server = await serve(config)
    yield server
    await server.stop()


@pytest.fixture
async def mtls_ledger(ledger_config: ServiceConfig, certs: DevCerts) -> AsyncIterator[LedgerServer]:
    config = replace(
        ledger_config,
        tls_cert_file=certs.server,
        tls_key_file=certs.server_key,
        tls_client_ca_file=certs.ca,
    )
    server = await serve(config)
    yield server
    await server.stop()


async def list_programs(address: str, key: str | None, tls: ClientTls | None) -> int:
    async with channel(address, key, tls=tls) as opened:
        reply = await ledger_pb2_grpc.LedgerServiceStub(opened).ListPrograms(
            ledger_pb2.ListProgramsRequest(), timeout=10
        )
    return len(reply.programs)


async def failure(address: str, key: str | None, tls: ClientTls | None) -> grpc.StatusCode:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await list_programs(address, key, tls)
    return err.value.code()


def test_certs_dev_writes_private_keys_and_maps_the_client(certs: DevCerts, keys: Keys) -> None:
    assert certs.exist()
    for private in (certs.ca_key, certs.server_key, certs.client_key):
        assert private.stat().st_mode & 0o777 == 0o600
    mapped = [e for e in keys.file.entries() if e.kind == "certificate"]
    assert [(e.id, e.unit_scope) for e in mapped] == [(DEV_CLIENT_CN, "*")]
    before = certs.server.read_bytes()
    assert main(["certs", "dev", "--data-dir", str(certs.directory.parent)]) == 0
    assert certs.server.read_bytes() == before  # kept without --force


async def test_a_tls_port_serves_only_clients_that_trust_its_ca(
    tls_ledger: LedgerServer, certs: DevCerts, keys: Keys, tmp_path: Path
) -> None:
    address = tls_ledger.address
    trusted = ClientTls(certs.ca)
    assert await list_programs(address, keys.auditor, trusted) == 0
    assert await failure(address, keys.auditor, None) == CODE.UNAVAILABLE  # plaintext
    other = make_dev_certs(tmp_path / "other-ca")
    assert await failure(address, keys.auditor, ClientTls(other.ca)) == CODE.UNAVAILABLE
    assert await failure(address, None, trusted) == CODE.UNAUTHENTICATED  # TLS is no key


async def test_mutual_tls_names_the_caller_by_its_certificate(
    mtls_ledger: LedgerServer, certs: DevCerts, keys: Keys, tmp_path: Path
) -> None:
    address = mtls_ledger.address
    with_cert = ClientTls(certs.ca, certs.client, certs.client_key)
    assert await failure(address, keys.admin, ClientTls(certs.ca)) == CODE.UNAVAILABLE
    await enroll(_Running(mtls_ledger), ["M1"])
    async with channel(address, None, tls=with_cert) as opened:
        stub = ledger_pb2_grpc.LedgerServiceStub(opened)
        await stub.OpenProgram(open_request(), timeout=10)
        await stub.PostPayout(payout("p-1"), timeout=10)
    relay = mtls_ledger.relay
    assert mtls_ledger.app is not None and relay is not None
    await relay.wait_caught_up(mtls_ledger.app.recorder.max_notification_id() or 0)
    envelope = events_pb2.EventEnvelope.FromString(
        (await stream_messages(mtls_ledger.config.nats_url))[-1]
    )
    posted = events_pb2.PayoutPosted()
    assert envelope.payload.Unpack(posted) and posted.actor == DEV_CLIENT_CN
    # An API key still names its own caller over mutual TLS.
    assert await list_programs(address, keys.auditor, with_cert) == 1

    # A certificate from the same CA with no identity in the keys file gets nothing.
    stranger = (tmp_path / "stranger.pem", tmp_path / "stranger-key.pem")
    issue_client_cert(certs, "stranger", *stranger)
    code = await failure(address, None, ClientTls(certs.ca, *stranger))
    assert code == CODE.UNAUTHENTICATED
    keys.file.revoke(DEV_CLIENT_CN)
    assert await failure(address, None, with_cert) == CODE.UNAUTHENTICATED


async def test_the_cli_speaks_tls(
    tls_ledger: LedgerServer,
    certs: DevCerts,
    keys: Keys,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("BENEFITS_API_KEY", keys.auditor)
    address = tls_ledger.address
    plain = await asyncio.to_thread(
        main, ["--ledger", address, "--timeout", "5", "program", "list"]
    )
    assert plain == 1
    assert "may serve TLS (pass --tls-ca" in capsys.readouterr().err
    argv = ["--ledger", address, "--tls-ca", str(certs.ca), "--json", "program", "list"]
    assert await asyncio.to_thread(main, argv) == 0
    assert json.loads(capsys.readouterr().out) == {"programs": []}  # none opened yet


class _Running:
    """What tests.members_feed.enroll needs of a running ledger."""

    def __init__(self, server: LedgerServer) -> None:
        self.server = server
        self.config = server.config
