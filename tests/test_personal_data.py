"""Personal data (names, national ID numbers) at rest, on the stream and in the
logs, and its erasure by deleting a member's data key (crypto-shredding).

The end-to-end test runs the members service as its own process (its JSON log
at DEBUG captured to a file) beside a real ledger and reporting service on one
nats-server, on SQLite and on PostgreSQL; it greps every file under the data
directory (event stores, key table, JetStream's files), every table of the
PostgreSQL database, the raw stream messages and the log for the plaintext.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import psycopg
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from benefits_cli.main import main as cli_main
from benefits_platform.config import StoreConfig
from benefits_platform.protos.benefits.v1 import (
    events_pb2,
    ledger_pb2,
    member_events_pb2,
    members_pb2,
    members_pb2_grpc,
    reporting_pb2,
)
from members.adapters import keys
from members.application import MembersApplication
from members.domain import commands as C
from members.domain.member import Member
from tests.conftest import RunningLedger
from tests.ledger_client import open_request, payout, stream_messages
from tests.members_fixtures import (
    CALL_SECONDS,
    UNITS,
    Deadline,
    RunningMembers,
    enrol_request,
    members,
    national_id,
    refusal,
    start_members,
    stop_members,
    unit_request,
    with_units,
)
from tests.members_fixtures import TODAY as MEMBERS_TODAY
from tests.reporting_support import WAIT, RunningReporting, reporting
from tests.support import NatsServer, channel, free_port, keys_for

# Fixtures used by name.
__all__ = ["members", "reporting", "with_units"]

CODE = grpc.StatusCode

# Distinctive people: nothing else in a store, a stream or a log looks like them.
NAME_A = "欧阳测试娜"
NAME_B = "Zoë Ångström-Quixada"
ID_A = national_id("11010819770707123")
ID_B = national_id("44030519900101456")
SECRETS = (NAME_A, NAME_B, ID_A, ID_B)
GREEN = "GREEN_TRAVEL"
SEALED_RE = re.compile(rb"v[12]\.[A-Za-z0-9_\-]{20,}={0,2}")


def needles(values: Iterable[str]) -> list[bytes]:
    """Each value as UTF-8, and as JSON writes it with non-ASCII escaped."""
    found: list[bytes] = []
    for value in values:
        found.append(value.encode())
        found.append(json.dumps(value)[1:-1].encode())
    return found


def assert_absent(blob: bytes, where: str, values: Iterable[str] = SECRETS) -> None:
    for needle in needles(values):
        assert needle not in blob, f"{needle!r} found in {where}"


def files_under(root: Path) -> Iterator[tuple[Path, bytes]]:
    for path in sorted(root.rglob("*")):
        if path.is_file():
            yield path, path.read_bytes()


def _row_bytes(row: Iterable[object]) -> bytes:
    """A row's values as bytes: binary columns raw (bytea, BLOB), others as text."""
    return b" ".join(
        bytes(v) if isinstance(v, bytes | bytearray | memoryview) else str(v).encode() for v in row
    )


def pg_tables_text(dsn: str) -> bytes:
    """Every row of every table of the database (a SELECT of everything)."""
    out: list[bytes] = []
    with psycopg.connect(dsn) as conn:
        tables = conn.execute(
            "SELECT table_schema, table_name FROM information_schema.tables"
            " WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
        ).fetchall()
        assert tables
        for schema, table in tables:
            rows = conn.execute(f'SELECT * FROM "{schema}"."{table}"').fetchall()
            out.extend(f"{schema}.{table}: ".encode() + _row_bytes(row) for row in rows)
    return b"\n".join(out)


def sqlite_tables_text(path: Path) -> bytes:
    out: list[bytes] = []
    with contextlib.closing(sqlite3.connect(path)) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for name in names:
            out.extend(_row_bytes(row) for row in conn.execute(f'SELECT * FROM "{name}"'))
    return b"\n".join(out)


# -- the members service as its own process --------------------------------------------


@dataclass
class MembersProcess:
    proc: subprocess.Popen[bytes]
    address: str
    log_path: Path
    data_dir: Path
    store: StoreConfig
    channel: grpc.aio.Channel
    stub: members_pb2_grpc.MembersServiceStub

    def log(self) -> bytes:
        return self.log_path.read_bytes()

    def key_table(self) -> keys.KeyTable:
        return keys.KeyTable.open(self.store, self.data_dir)

    def member_keys(self) -> keys.MemberKeys:
        service = keys.load(self.data_dir / "members" / "keys.json")
        return keys.MemberKeys(service, self.key_table())

    def members_store_text(self) -> bytes:
        if self.store.is_postgres:
            return pg_tables_text(self.store.postgres_dsn)
        return sqlite_tables_text(self.data_dir / "members" / "events.sqlite")


async def wait_serving(channel: grpc.aio.Channel, proc: subprocess.Popen[bytes]) -> None:
    stub = health_pb2_grpc.HealthStub(channel)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while True:
        assert proc.poll() is None, "the members service exited"
        with contextlib.suppress(grpc.aio.AioRpcError):
            reply = await stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=2)
            if reply.status == health_pb2.HealthCheckResponse.SERVING:
                return
        if loop.time() > deadline:
            raise TimeoutError("the members service did not become SERVING")
        await asyncio.sleep(0.1)


@contextlib.asynccontextmanager
async def members_process(
    data_dir: Path, nats_url: str, store: StoreConfig
) -> AsyncIterator[MembersProcess]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BENEFITS_")}
    env.update(
        BENEFITS_DATA_DIR=str(data_dir),
        BENEFITS_NATS_URL=nats_url,
        BENEFITS_MEMBERS_HOST="127.0.0.1",
        BENEFITS_MEMBERS_PORT=str(port),
        BENEFITS_STORE=store.kind,
        BENEFITS_LOG_LEVEL="DEBUG",
        BENEFITS_SHUTDOWN_GRACE_SECONDS="0.5",
    )
    if store.is_postgres:
        env["BENEFITS_POSTGRES_DSN"] = store.postgres_dsn
    log_path = data_dir / "members-service.log"
    with log_path.open("wb") as log_file:
        proc = subprocess.Popen(  # noqa: ASYNC220 (starting it does not block)
            [sys.executable, "-m", "members.entrypoints.server"],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    address = f"127.0.0.1:{port}"
    keys = keys_for(data_dir / "keys" / "api-keys.json")
    admin = channel(address, keys.admin, interceptors=[Deadline()])
    try:
        await wait_serving(admin, proc)
        yield MembersProcess(
            proc,
            address,
            log_path,
            data_dir,
            store,
            admin,
            members_pb2_grpc.MembersServiceStub(admin),
        )
    finally:
        await admin.close()
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def ledger_view(ledger: RunningLedger, member_id: str) -> tuple[object, ...]:
    account = await ledger.stub.GetMemberAccount(
        ledger_pb2.GetMemberAccountRequest(member_id=member_id), timeout=WAIT
    )
    entries = await ledger.stub.ListMemberEntries(
        ledger_pb2.ListMemberEntriesRequest(member_id=member_id), timeout=WAIT
    )
    return (
        account.SerializeToString(deterministic=True),
        [(e.entry_id, e.amount_fen, e.effective_date) for e in entries.entries],
    )


async def test_personal_data_is_never_in_the_clear_and_forgetting_erases_it(
    tmp_path: Path,
    nats_server: NatsServer,
    ledger: RunningLedger,
    reporting: RunningReporting,
) -> None:
    store = ledger.config.store
    members_store = (
        store
        if store.is_postgres
        else StoreConfig(kind="sqlite", sqlite_path=tmp_path / "members" / "events.sqlite")
    )
    async with members_process(tmp_path, nats_server.url, members_store) as members:
        for unit in UNITS:
            await members.stub.RegisterUnit(unit_request(*unit))
        a = await members.stub.EnrollMember(enrol_request("MA", name=NAME_A, number=ID_A))
        b = await members.stub.EnrollMember(
            enrol_request("MB", name=NAME_B, number=ID_B, household="H2")
        )
        # A refusal and a reveal go through the log too.
        await refusal(
            members.stub.EnrollMember(enrol_request("MC", name=NAME_B, number=ID_B)),
            CODE.ALREADY_EXISTS,
            "member MB",
        )
        shown = await members.stub.GetMember(
            members_pb2.GetMemberRequest(member_id="MA", reveal_national_id=True)
        )
        assert (shown.name, shown.national_id) == (NAME_A, ID_A)

        await ledger.stub.OpenProgram(
            open_request(GREEN, kind=ledger_pb2.PROGRAM_KIND_SUBSIDY), timeout=WAIT
        )
        for rid, member, amount, position in [
            ("pa-1", "MA", 2_000, a.log_position),
            ("pa-2", "MA", 3_500, a.log_position),
            ("pb-1", "MB", 2_000, b.log_position),
        ]:
            await ledger.stub.PostPayout(
                payout(rid, member=member, amount=amount, code=GREEN, members_position=position),
                timeout=WAIT,
            )
        await reporting.caught_up(ledger)
        ledger_before = await ledger_view(ledger, "MA")
        statement_request = reporting_pb2.GetMemberStatementRequest(member_id="MA")
        statement_before = await reporting.stub.GetMemberStatement(statement_request, timeout=WAIT)
        assert statement_before.lines

        # Before forgetting: the wrapped key of MA is in the key table (and its file).
        table = members.key_table()
        try:
            wrapped_a = table.get("MA")
            assert wrapped_a is not None and table.get("MB") is not None
        finally:
            table.close()

        forgotten = await members.stub.ForgetMemberPersonalData(
            members_pb2.ForgetMemberPersonalDataRequest(member_id="MA")
        )
        assert forgotten.member.personal_data_erased
        assert (forgotten.member.name, forgotten.member.national_id) == ("", "")

        # Reads return the member, its personal fields marked erased; not an error.
        for reveal in (False, True):
            read = await members.stub.GetMember(
                members_pb2.GetMemberRequest(member_id="MA", reveal_national_id=reveal)
            )
            assert read.personal_data_erased and (read.name, read.national_id) == ("", "")
            assert read.unit_code == "GD-SZ-NS-0001" and read.household_id == "H1"
        other = await members.stub.GetMember(members_pb2.GetMemberRequest(member_id="MB"))
        assert other.name == NAME_B and not other.personal_data_erased

        # The erasure reaches the stream as an event without personal data, the
        # projections follow it, and the audit still passes.
        members_messages = await wait_for_forgotten(nats_server.url, "MA")
        projections = reporting.server.projections
        assert projections is not None
        assert await projections.wait_for_position("members", forgotten.log_position, WAIT)
        verdict = await reporting.verify()
        assert verdict.ok, verdict
        assert await ledger_view(ledger, "MA") == ledger_before
        statement_after = await reporting.stub.GetMemberStatement(statement_request, timeout=WAIT)
        assert statement_after.lines == statement_before.lines
        assert [e.amount_fen for e in statement_after.lines] == [2_000, 3_500]

        # The sealed values stay in the members store, but MA's no longer open.
        store_text = members.members_store_text()
        sealed = {m.decode() for m in SEALED_RE.findall(store_text)}
        assert len(sealed) == 4  # a name and a number for each member
        member_keys = members.member_keys()
        try:
            opened = {}
            for value in sealed:
                for member_id in ("MA", "MB"):
                    for field in ("name", "national_id"):
                        with contextlib.suppress(keys.SealedValueError):
                            opened[value] = member_keys.open(member_id, field, value)
            assert sorted(opened.values()) == sorted([NAME_B, ID_B])
            with pytest.raises(keys.ErasedError):
                member_keys.open("MA", "name", next(v for v in sealed if v not in opened))
            assert member_keys.table.get("MA") is None
        finally:
            member_keys.close()

        # Nowhere in the clear: store files (every service's, the key table,
        # JetStream's own files), PostgreSQL tables, raw stream messages, the log.
        log = members.log()
        for event in (b"member.enrolled", b"member.personal_data_forgotten", b"rpc.refused"):
            assert event in log  # the log is captured at DEBUG
        assert_absent(log, "the members service's log")
        for path, blob in files_under(tmp_path):
            assert_absent(blob, str(path))
            assert wrapped_a[0] not in blob, f"MA's deleted key is still in {path}"
        if store.is_postgres:
            dump = pg_tables_text(store.postgres_dsn)
            assert b"members_personal_keys" in dump and b"MB" in dump
            assert_absent(dump, "the PostgreSQL tables")
            assert wrapped_a[0] not in dump
        for stream in ("BENEFITS_MEMBERS", "BENEFITS_LEDGER"):
            messages = (
                members_messages
                if stream == "BENEFITS_MEMBERS"
                else await stream_messages(nats_server.url, stream)
            )
            assert messages
            for raw in messages:
                assert_absent(raw, f"a {stream} message")


async def wait_for_forgotten(nats_url: str, member_id: str) -> list[bytes]:
    """The members stream once it holds the erasure event of ``member_id``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while True:
        messages = await stream_messages(nats_url, "BENEFITS_MEMBERS")
        for raw in messages:
            envelope = events_pb2.EventEnvelope.FromString(raw)
            if envelope.event_type == "MemberPersonalDataForgotten":
                event = member_events_pb2.MemberPersonalDataForgotten()
                assert envelope.payload.Unpack(event)
                assert event.member_id == member_id
                return messages
        assert loop.time() < deadline, "no MemberPersonalDataForgotten on the stream"
        await asyncio.sleep(0.05)


# -- forgetting through gRPC (in-process service, SQLite and PostgreSQL) ----------------


async def test_forgetting_is_recorded_once_and_replays(with_units: RunningMembers) -> None:
    stub = with_units.stub
    await stub.EnrollMember(enrol_request("M1", name=NAME_A, number=ID_A))
    before = await with_units.settled()

    request = members_pb2.ForgetMemberPersonalDataRequest
    await refusal(stub.ForgetMemberPersonalData(request(member_id="")), CODE.INVALID_ARGUMENT,
                  "member_id: is required")  # fmt: skip
    await refusal(stub.ForgetMemberPersonalData(request(member_id="M9")), CODE.NOT_FOUND,
                  "no member M9")  # fmt: skip
    assert await with_units.settled() == before  # refusals write nothing

    first = await stub.ForgetMemberPersonalData(request(member_id="M1"))
    assert first.log_position == before[0] + 1
    again = await stub.ForgetMemberPersonalData(request(member_id="M1"))
    assert again.log_position == first.log_position and again.member.personal_data_erased
    assert await with_units.settled() == (before[0] + 1, before[1] + 1)

    # The member's records stay and can still change; the id is never reused,
    # while the person (whose digest was erased) may be enrolled afresh.
    moved = await stub.TransferMember(
        members_pb2.TransferMemberRequest(
            member_id="M1", to_unit_code="GD-SZ-0100", effective_date="2026-04-01"
        )
    )
    assert moved.member.unit_code == "GD-SZ-0100" and moved.member.personal_data_erased
    await refusal(stub.EnrollMember(enrol_request("M1", name=NAME_A, number=ID_A)),
                  CODE.ALREADY_EXISTS, "personal data was erased")  # fmt: skip
    fresh = await stub.EnrollMember(enrol_request("M2", name=NAME_A, number=ID_A))
    assert fresh.member.name == NAME_A
    listed = await stub.ListMembers(members_pb2.ListMembersRequest(unit_code="GD"))
    assert [(m.member_id, m.personal_data_erased, m.name) for m in listed.members] == [
        ("M1", True, ""),
        ("M2", False, NAME_A),
    ]

    # After a restart: still erased, and the registry knows M2's number only.
    await stop_members(with_units)
    restarted = await start_members(with_units.config)
    try:
        m1 = await restarted.stub.GetMember(members_pb2.GetMemberRequest(member_id="M1"))
        assert m1.personal_data_erased and m1.name == ""
        await refusal(
            restarted.stub.EnrollMember(enrol_request("M3", name=NAME_A, number=ID_A)),
            CODE.ALREADY_EXISTS,
            "member M2",
        )
    finally:
        await stop_members(restarted)


# -- the service layer (SQLite files, no network) ---------------------------------------


def open_app(tmp_path: Path, service: keys.ServiceKeys) -> MembersApplication:
    key_db = tmp_path / "member-keys.sqlite"
    from benefits_platform.sqlstore import Database

    table = keys.KeyTable(Database(StoreConfig(kind="sqlite"), key_db), key_db)
    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "e.db")}
    return MembersApplication(keys.MemberKeys(service, table), env, lambda: MEMBERS_TODAY)


def register(app: MembersApplication) -> None:
    for code, name_zh, name_en, level, parent in UNITS:
        level_name = members_pb2.UnitLevel.Name(level).removeprefix("UNIT_LEVEL_")  # type: ignore[arg-type]
        app.register_unit(C.RegisterUnit(code, name_zh, name_en, level_name, parent))


def enrol(member_id: str, name: str, number: str) -> C.EnrollMember:
    return C.EnrollMember.of(
        member_id=member_id,
        name=name,
        national_id=number,
        unit_code="GD-SZ-NS-0001",
        member_groups=["courier"],
        household_id="H1",
        join_date="2020-03-01",
    )


def test_values_sealed_before_per_member_keys_still_open(tmp_path: Path) -> None:
    """An enrolment recorded with the old scheme (v1: the service's key, the
    digest in the event) reads, replays and refuses the same person as before."""
    service = keys.ServiceKeys.generate()
    app = open_app(tmp_path, service)
    register(app)
    old = Member(
        member_id="OLD1",
        unit_code="GD-SZ-NS-0001",
        member_groups=["courier"],
        household_id="H1",
        join_date="2020-03-01",
        effective_date="2020-03-01",
        national_id_digest=service.digest(ID_A),
        sealed_name=service.encrypt(NAME_A, "members/OLD1/name"),
        sealed_national_id=service.encrypt(ID_A, "members/OLD1/national_id"),
        actor="",
    )
    app._save(old)
    app.close()

    app = open_app(tmp_path, service)
    try:
        view = app.member("OLD1", reveal=True)
        assert (view.name, view.national_id) == (NAME_A, ID_A)
        assert app.enroll(enrol("OLD1", NAME_A, ID_A)).replayed
        with pytest.raises(Exception, match="already enrolled as member OLD1"):
            app.enroll(enrol("NEW1", NAME_A, ID_A))
        new = app.enroll(enrol("NEW2", NAME_B, ID_B))
        assert new.member.name == NAME_B
        app.forget(C.ForgetMemberPersonalData("OLD1"))
        erased = app.member("OLD1", reveal=True)
        assert erased.personal_data_erased and (erased.name, erased.national_id) == ("", "")
    finally:
        app.close()


def test_a_key_whose_deletion_was_interrupted_is_deleted_at_the_next_start(
    tmp_path: Path,
) -> None:
    service = keys.ServiceKeys.generate()
    app = open_app(tmp_path, service)
    register(app)
    app.enroll(enrol("M1", NAME_A, ID_A))
    member = app._member("M1")
    member.forget_personal_data(actor="test-admin")
    app._save(member)  # recorded, but the process "stops" before the key is deleted
    assert app.personal.known_digests().keys() == {"M1"}
    app.close()

    app = open_app(tmp_path, service)
    try:
        assert app.personal.known_digests() == {}
        assert app.member("M1").personal_data_erased
        blob = (tmp_path / "member-keys.sqlite").read_bytes()
        assert b"M1" not in blob  # secure_delete: the row's bytes are overwritten
    finally:
        app.close()


# -- the command line -------------------------------------------------------------------


async def test_member_forget_from_the_command_line(
    with_units: RunningMembers, capsys: pytest.CaptureFixture[str]
) -> None:
    await with_units.stub.EnrollMember(enrol_request("M1", name=NAME_A, number=ID_A))
    address = with_units.server.address
    key = with_units.keys.admin

    def run(*argv: str) -> tuple[int, str, str]:
        common = ["--members", address, "--api-key", key, "--timeout", str(CALL_SECONDS)]
        code = cli_main([*common, *argv])
        out, err = capsys.readouterr()
        return code, out, err

    code, _, err = await asyncio.to_thread(run, "member", "forget", "M1")
    assert code == 2 and "--yes" in err
    assert not (await with_units.stub.GetMember(
        members_pb2.GetMemberRequest(member_id="M1"))).personal_data_erased  # fmt: skip
    code, out, _ = await asyncio.to_thread(run, "member", "forget", "M1", "--yes")
    assert code == 0 and "personal data erased" in out and NAME_A not in out
    code, out, _ = await asyncio.to_thread(run, "--json", "member", "forget", "M1", "--yes")
    assert code == 0 and json.loads(out)["member"]["personal_data_erased"] is True
