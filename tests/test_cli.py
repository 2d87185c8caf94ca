"""The ``benefits`` command: unit tests of its parsing and output, and end-to-end
runs of ``main(argv)`` against a real ledger (real gRPC, real nats-server,
SQLite and PostgreSQL).

The CLI is synchronous (a blocking gRPC channel); the ledger fixture serves on
the test's event loop, so every CLI run goes through ``asyncio.to_thread``.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import socket
import sys
import types
from collections.abc import Awaitable, Callable, Iterator
from concurrent import futures
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest

from benefits_cli import formatting
from benefits_cli.main import main
from benefits_cli.money import AmountError, parse_amount, to_fen, wan_yuan, yuan
from benefits_cli.progress import Progress
from benefits_platform.protos.benefits.v1 import ledger_pb2, ledger_pb2_grpc
from tests.members_feed import enroll

GREEN = ("--code", "GREEN_TRAVEL", "--year", "2026", "--name-zh", "绿色出行",
         "--name-en", "Green travel", "--kind", "subsidy", "--budget", "22100000")  # fmt: skip
WARMTH = ("--code", "WINTER_WARMTH", "--year", "2025", "--name-zh", "送温暖",
          "--name-en", "Winter warmth", "--kind", "aid", "--budget", "8000000")  # fmt: skip
HEADER = ["request_id", "member_id", "program_code", "fiscal_year", "amount",
          "effective_date", "external_ref", "note"]  # fmt: skip


def post(member: str = "M0001", amount: str = "20", date: str = "2026-03-01") -> list[str]:
    return ["post", "--member", member, "--program", "GREEN_TRAVEL", "--year", "2026",
            "--amount", amount, "--date", date]  # fmt: skip


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


Cli = Callable[..., Awaitable[Run]]


def run_offline(capsys: pytest.CaptureFixture[str], *argv: str) -> Run:
    """Run the CLI where no ledger listens (for checks made before any call)."""
    code = main(["--ledger", f"127.0.0.1:{free_port()}", *argv])
    out, err = capsys.readouterr()
    return Run(code, out, err)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def cli(
    ledger: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Cli:
    # Every member id these tests use is enrolled in the ledger's view of members.
    await enroll(ledger, ["M1", "M2", *(f"M{n:04d}" for n in range(100))])
    monkeypatch.setenv("BENEFITS_API_KEY", ledger.keys.admin)

    async def invoke(*argv: str) -> Run:
        code = await asyncio.to_thread(main, ["--ledger", ledger.server.address, *argv])
        out, err = capsys.readouterr()
        return Run(code, out, err)

    return invoke


async def programme(ledger: Any) -> ledger_pb2.Program:
    request = ledger_pb2.GetProgramRequest(code="GREEN_TRAVEL", fiscal_year=2026)
    return await ledger.stub.GetProgram(request)


def write_csv(path: Path, rows: int, bad_row: int = 0, header: list[str] = HEADER) -> Path:
    """A batch file of ``rows`` payouts of 0.50 yuan; ``bad_row`` (1-based) is negative."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for n in range(1, rows + 1):
            amount = "-5" if n == bad_row else "0.50"
            writer.writerow([f"green-{n}", f"M{n % 97:04d}", "GREEN_TRAVEL", "2026", amount,
                             "2026-03-02", f"CARD-{n}", "月度补贴"])  # fmt: skip
    return path


# -- money ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fen", "expected"),
    [("20", False, 2000), ("20.5", False, 2050), ("20.05", False, 2005), ("20.00", False, 2000),
     ("2000", False, 200_000), ("0.01", False, 1), (" 7 ", False, 700), ("2050", True, 2050)],
)  # fmt: skip
def test_amounts_convert_exactly_to_fen(text: str, fen: bool, expected: int) -> None:
    assert parse_amount(text, fen=fen) == expected


@pytest.mark.parametrize(
    ("text", "fen"),
    [("0.001", False), ("-5", False), ("abc", False), ("", False), ("1e3", False),
     ("20.", False), (".5", False), ("1,000", False), ("0", False), ("20.5", True),
     ("99999999999999999999", False)],
)  # fmt: skip
def test_amounts_that_are_not_exact_positive_money_are_refused(text: str, fen: bool) -> None:
    with pytest.raises(AmountError):
        parse_amount(text, fen=fen)


def test_signed_conversion_and_optional_zero() -> None:
    assert to_fen("-5") == -500
    assert to_fen("-0.05") == -5
    assert parse_amount("0", allow_zero=True) == 0


def test_amounts_are_shown_in_yuan_and_wan_yuan() -> None:
    assert yuan(0) == "0.00"
    assert yuan(-2000) == "-20.00"
    assert yuan(2_210_000_000) == "22,100,000.00"
    assert wan_yuan(2_210_000_000) == "2,210.00万元"
    assert wan_yuan(77_400_000) == "77.40万元"
    assert wan_yuan(499) == "0.00万元"


# -- output ---------------------------------------------------------------------------


def test_tables_align_wide_characters() -> None:
    text = formatting.table(("名称", "FEN"), [("绿色出行", "1"), ("ab", "1,000")], right=[1])
    lines = text.split("\n")
    ends = {formatting.width(line) for line in lines}
    assert len(ends) == 1, text  # right-aligned last column: every line equally wide


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_redraws_in_place_on_a_terminal() -> None:
    ticks = iter(float(n) for n in range(100))
    stream = FakeTerminal()
    progress = Progress(2_500, stream, clock=lambda: next(ticks))
    progress.advance(1_000)
    progress.advance(1_000)
    progress.finish()
    text = stream.getvalue()
    assert text.count("\r") == 2 and text.endswith("\n")
    assert "2,000/2,500 rows" in text and "80%" in text and "rows/s" in text and "ETA" in text


def test_progress_writes_a_line_per_tenth_elsewhere() -> None:
    stream = io.StringIO()
    progress = Progress(100, stream)
    for _ in range(100):
        progress.advance(1)
    progress.finish()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 10 and "\r" not in stream.getvalue()
    assert lines[-1].startswith("[" + "#" * 24 + "]") and "100/100 rows" in lines[-1]


# -- usage and connection errors ------------------------------------------------------


def test_connection_refused_says_how_to_start_the_stack(capsys: pytest.CaptureFixture[str]) -> None:
    run = run_offline(capsys, "program", "list")
    assert run.code == 1
    assert run.err.startswith("error: UNAVAILABLE: ")
    assert "make up" in run.err


@pytest.mark.parametrize(
    "argv",
    [[], post(amount="abc"), post(amount="-5"), post(amount="0.001"),
     ["program", "open", *GREEN[:-1], "0.001"], ["reverse", "x", "--reason", "typo"],
     ["batch", "f.csv", "--chunk", "0"], ["--timeout", "0", "program", "list"],
     ["show", "member", "M1", "--page-size", "501"],
     ["--request-id-prefix", "a b", "program", "list"]],
)  # fmt: skip
def test_usage_errors_exit_2_without_calling(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    run = run_offline(capsys, *argv)
    assert run.code == 2, run.err
    assert "error" in run.err and "UNAVAILABLE" not in run.err


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "batch" in capsys.readouterr().out


def test_up_passes_the_stack_exit_code_through(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Path] = []

    def run_stack(data_dir: Path = Path("var")) -> int:
        calls.append(data_dir)
        return 3

    fake = types.ModuleType("benefits_cli.stack")
    fake.run_stack = run_stack  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "benefits_cli.stack", fake)
    assert main(["up", "--data-dir", "/tmp/benefits-data"]) == 3
    assert calls == [Path("/tmp/benefits-data")]


# -- request ids on the wire ----------------------------------------------------------


class RecordingLedger(ledger_pb2_grpc.LedgerServiceServicer):
    def __init__(self) -> None:
        self.request_ids: list[str] = []

    def _record(self, context: grpc.ServicerContext) -> None:
        metadata = dict(context.invocation_metadata())
        self.request_ids.append(str(metadata.get("x-request-id", "")))

    def ListPrograms(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._record(context)
        return ledger_pb2.ListProgramsResponse()

    def PostPayout(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._record(context)
        return ledger_pb2.Entry(entry_id="e1", request_id=request.request_id)


@pytest.fixture
def recording() -> Iterator[tuple[RecordingLedger, str]]:
    servicer = RecordingLedger()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    ledger_pb2_grpc.add_LedgerServiceServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield servicer, f"127.0.0.1:{port}"
    server.stop(None)


def test_calls_carry_the_request_id_metadata(
    recording: tuple[RecordingLedger, str], capsys: pytest.CaptureFixture[str]
) -> None:
    servicer, address = recording
    assert main(["--ledger", address, "--request-id-prefix", "ops-", "program", "list"]) == 0
    assert main(["--ledger", address, *post(), "--request-id", "pay-7"]) == 0
    assert main(["--ledger", address, "--request-id-prefix", "desk:", *post()]) == 0
    first, second, third = servicer.request_ids
    assert first.startswith("ops-") and len(first) > len("ops-")
    assert second == "pay-7"
    assert third.startswith("desk:")
    assert f"--request-id {third}" in capsys.readouterr().err


# -- batch files refused before anything is posted ------------------------------------


@pytest.mark.parametrize(
    ("header", "rows", "message"),
    [(HEADER[1:], [["M1", "GREEN_TRAVEL", "2026", "1", "2026-03-01", "", ""]], "request_id"),
     (HEADER, [["a", "M1", "GREEN_TRAVEL", "2026", "1", "2026-03-01", "", ""],
               ["a", "M2", "GREEN_TRAVEL", "2026", "1", "2026-03-01", "", ""]], "row 2 (line 3)"),
     (HEADER, [["", "M1", "GREEN_TRAVEL", "2026", "1", "2026-03-01", "", ""]], "empty"),
     (HEADER, [["a", "M1", "GREEN_TRAVEL", "2026", "abc", "2026-03-01", "", ""]], "row 1"),
     (HEADER, [["a", "M1", "GREEN_TRAVEL", "2026", "0.001", "2026-03-01", "", ""]], "amount"),
     (HEADER, [["a", "M1", "GREEN_TRAVEL", "twenty", "1", "2026-03-01", "", ""]], "fiscal_year"),
     (HEADER, [["a", "M1", "GREEN_TRAVEL", "2026", "1"]], "fewer fields"),
     ([*HEADER, "amount_fen"], [], "exactly one"), ([*HEADER, "name"], [], "name"),
     (HEADER, [], "no rows")],
)  # fmt: skip
def test_bad_files_are_refused_whole(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    header: list[str],
    rows: list[list[str]],
    message: str,
) -> None:
    path = tmp_path / "payouts.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header, *rows])
    run = run_offline(capsys, "batch", str(path))
    assert run.code == 1
    assert message in run.err and "no row of it was posted" in run.err
    assert "UNAVAILABLE" not in run.err  # refused before any call


def test_a_file_that_is_not_utf8_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes(
        (",".join(HEADER) + "\na,M1,GREEN_TRAVEL,2026,1,2026-03-01,,送温暖\n").encode("gbk")
    )
    run = run_offline(capsys, "batch", str(path))
    assert run.code == 1 and "UTF-8" in run.err


# -- against a real ledger ------------------------------------------------------------


async def test_program_open_show_and_list(cli: Cli) -> None:
    options = ("--standard", "20", "--cap", "240", "--groups", "delivery-rider,courier")
    opened = await cli("--json", "program", "open", *GREEN, *options, "--request-id", "open-g")
    assert opened.code == 0, opened.err
    doc = opened.json()
    assert doc["code"] == "GREEN_TRAVEL" and doc["name_zh"] == "绿色出行"
    assert doc["kind"] == "PROGRAM_KIND_SUBSIDY" and doc["status"] == "PROGRAM_STATUS_OPEN"
    assert doc["budget_fen"] == "2210000000" and doc["remaining_fen"] == "2210000000"
    assert doc["standard_amount_fen"] == "2000" and doc["per_member_annual_cap_fen"] == "24000"
    assert doc["eligibility"] == {
        "member_groups": ["courier", "delivery-rider"],
        "hardship_only": False,
    }

    again = await cli("--json", "program", "open", *GREEN, *options, "--request-id", "open-g")
    assert again.code == 0 and again.json() == doc  # the same request replays

    shown = await cli("program", "show", "--code", "GREEN_TRAVEL", "--year", "2026", "--json")
    assert shown.json() == doc
    positional = await cli("--json", "show", "program", "GREEN_TRAVEL", "--year", "2026")
    assert positional.json() == doc

    text = await cli("program", "show", "--code", "GREEN_TRAVEL", "--year", "2026")
    assert "绿色出行 / Green travel" in text.out and "2,210.00万元" in text.out
    assert "22,100,000.00 元" in text.out and "240.00 元 per member" in text.out

    assert (await cli("program", "open", *WARMTH, "--hardship-only")).code == 0
    in_2026 = await cli("--json", "program", "list", "--year", "2026")
    assert [p["code"] for p in in_2026.json()["programs"]] == ["GREEN_TRAVEL"]
    every_year = await cli("program", "list")
    assert "WINTER_WARMTH" in every_year.out and "送温暖" in every_year.out
    assert "2 programme(s): budget 3,010.00万元" in every_year.out


async def test_programme_errors_name_the_status(cli: Cli) -> None:
    missing = await cli("program", "show", "--code", "NO_SUCH", "--year", "2026")
    assert missing.code == 1 and missing.out == ""
    assert missing.err.startswith("error: NOT_FOUND: ")
    assert (await cli("program", "open", *GREEN)).code == 0
    closed = await cli("--json", "program", "close", "--code", "GREEN_TRAVEL", "--year", "2026",
                       "--reason", "year end")  # fmt: skip
    assert closed.json()["status"] == "PROGRAM_STATUS_CLOSED"
    refused = await cli(*post(), "--request-id", "late")
    assert refused.code == 1 and refused.err.startswith("error: FAILED_PRECONDITION: ")


async def test_post_replays_on_the_same_request_id(cli: Cli) -> None:
    assert (await cli("program", "open", *GREEN)).code == 0

    def payout(amount: str) -> list[str]:
        return [*post(amount=amount), "--ref", "CARD-1", "--note", "三月"]

    first = await cli("--json", *payout("20.00"), "--request-id", "pay-1")
    assert first.code == 0, first.err
    entry = first.json()
    assert entry["amount_fen"] == "2000" and entry["replayed"] is False
    assert sum(int(p["amount_fen"]) for p in entry["postings"]) == 0

    retry = await cli("--json", *payout("20"), "--request-id", "pay-1")
    assert retry.json()["entry_id"] == entry["entry_id"] and retry.json()["replayed"] is True

    in_fen = await cli(*payout("2000"), "--fen", "--request-id", "pay-1")
    assert in_fen.code == 0 and "replayed" in in_fen.out and entry["entry_id"] in in_fen.out

    changed = await cli(*payout("20.05"), "--request-id", "pay-1")
    assert changed.code == 1 and changed.err.startswith("error: ALREADY_EXISTS: ")

    generated = await cli("--json", "--request-id-prefix", "desk-", *payout("20.5"))
    request_id = generated.json()["request_id"]
    assert request_id.startswith("desk-") and f"--request-id {request_id}" in generated.err
    replay = await cli("--json", *payout("20.50"), "--request-id", request_id)
    assert replay.json()["entry_id"] == generated.json()["entry_id"]


async def test_batch_posts_in_chunks_with_progress(cli: Cli, ledger: Any, tmp_path: Path) -> None:
    assert (await cli("program", "open", *GREEN)).code == 0
    path = write_csv(tmp_path / "green-2026.csv", 2_500)

    run = await cli("batch", str(path), "--chunk", "1000")
    assert run.code == 0, run.err
    progress = [line for line in run.err.splitlines() if "rows/s" in line]
    assert [line.split("]")[1].split()[0] for line in progress] == [
        "1,000/2,500", "2,000/2,500", "2,500/2,500"]  # fmt: skip
    assert "\r" not in run.err  # not a terminal: plain lines
    assert "2,500 of 2,500 rows posted in 3 chunk(s): 2,500 newly recorded" in run.out
    assert "1,250.00 元" in run.out
    after = await programme(ledger)
    assert (after.payout_count, after.committed_fen) == (2_500, 125_000)

    rerun = await cli("--json", "batch", str(path), "--chunk", "1000")
    assert rerun.code == 0
    doc = rerun.json()
    assert (doc["recorded"], doc["replayed"], doc["refused"]) == (0, 2_500, None)
    assert doc["amount_fen"] == "125000"
    assert (await programme(ledger)).payout_count == 2_500


async def test_batch_stops_at_a_refused_row(cli: Cli, ledger: Any, tmp_path: Path) -> None:
    assert (await cli("program", "open", *GREEN)).code == 0
    path = write_csv(tmp_path / "green-2026.csv", 2_500, bad_row=1_501)

    run = await cli("batch", str(path))
    assert run.code == 1
    assert "error: row 1501 (line 1502): INVALID_ARGUMENT: amount_fen" in run.err
    assert "rows 1001-2000 was refused whole" in run.err
    assert "1000 row(s) were recorded before it (rows 1-1000)" in run.err
    assert "1,000 of 2,500 rows posted" in run.out
    assert (await programme(ledger)).payout_count == 1_000

    again = await cli("--json", "batch", str(path), "--chunk", "600")
    assert again.code == 1
    refused = again.json()["refused"]
    assert (refused["row"], refused["first_row"], refused["last_row"]) == (1_501, 1_201, 1_800)
    assert again.json()["replayed"] == 1_000 and again.json()["recorded"] == 200
    assert (await programme(ledger)).payout_count == 1_200


async def test_reverse_once(cli: Cli, ledger: Any) -> None:
    assert (await cli("program", "open", *GREEN)).code == 0
    posted = await cli("--json", *post("M0002"))
    entry_id = posted.json()["entry_id"]
    reverse = ("reverse", entry_id, "--reason", "duplicate-payment", "--note", "paid twice")

    reversal = await cli("--json", *reverse, "--request-id", "rev-1")
    assert reversal.code == 0, reversal.err
    doc = reversal.json()
    assert doc["kind"] == "ENTRY_KIND_REVERSAL" and doc["amount_fen"] == "-2000"
    assert doc["reverses_entry_id"] == entry_id
    assert doc["reversal_reason"] == "REVERSAL_REASON_DUPLICATE_PAYMENT"
    retry = await cli("--json", *reverse, "--request-id", "rev-1")
    assert retry.json()["entry_id"] == doc["entry_id"]

    twice = await cli(*reverse, "--request-id", "rev-2")
    assert twice.code == 1 and twice.err.startswith("error: FAILED_PRECONDITION: ")

    original = await cli("show", "entry", entry_id)
    assert f"reversed by {doc['entry_id']}" in original.out and "20.00" in original.out
    shown = await cli("show", "entry", doc["entry_id"])
    assert f"reverses {entry_id} (duplicate-payment)" in shown.out
    after = await programme(ledger)
    assert (after.committed_fen, after.reversal_count) == (0, 1)


async def test_show_member_pages_through_every_entry(cli: Cli, ledger: Any) -> None:
    assert (await cli("program", "open", *GREEN)).code == 0
    for n in range(5):
        run = await cli(*post("M0007", date=f"2026-0{n + 1}-01"), "--request-id", f"m7-{n}")
        assert run.code == 0, run.err

    account = await cli("--json", "show", "member", "M0007")
    assert account.json()["entry_count"] == "5"
    assert account.json()["stored_value_balance_fen"] == "10000"

    paged = await cli("--json", "show", "member", "M0007", "--entries", "--page-size", "2")
    doc = paged.json()
    assert doc["account"]["member_id"] == "M0007"
    assert sorted(e["request_id"] for e in doc["entries"]) == [f"m7-{n}" for n in range(5)]

    text = await cli("show", "member", "M0007", "--entries", "--page-size", "2")
    assert "绿色出行" in text.out and "Green travel" in text.out and "100.00" in text.out
    assert all(f"m7-{n}" in text.out for n in range(5))

    nobody = await cli("show", "member", "M9999", "--entries")
    assert nobody.code == 0 and "no receipts" in nobody.out and "no entries" in nobody.out


def test_progress_shows_no_rate_before_it_can_be_measured() -> None:
    """A phase whose first report comes with rows already done (an audit's first
    progress message): those rows are shown, but no rate of millions a second."""
    ticks = iter([0.0, 0.001, 2.0])
    stream = io.StringIO()
    progress = Progress(3_000, stream, clock=lambda: next(ticks), done=1_500)
    progress.advance(0)
    progress.advance(1_500)
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("[" + "#" * 12 + "-" * 12 + "] 1,500/3,000 rows")
    assert "? rows/s  ETA ?" in lines[0]
    assert "3,000/3,000 rows  100%  750 rows/s  ETA 0:00:00" in lines[-1]
