"""``benefits unit|member|hardship`` end to end: ``main(argv)`` against a real
members service (real gRPC, real nats-server, SQLite and PostgreSQL), and the
checks the client makes before any call.

The CLI is synchronous; the service runs on the test's event loop, so every
CLI run goes through ``asyncio.to_thread``.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from benefits_cli.main import main
from tests.members_fixtures import (
    ID_DIGIT,
    ID_X,
    RunningMembers,
    members,
    national_id,
    with_units,
)
from tests.support import free_port
from tests.test_cli import Run

__all__ = ["members", "with_units"]  # fixtures

NAME = "王小明"
UNIT = "GD-SZ-NS-0001"
HEADER = ["member_id", "name", "national_id", "unit_code", "member_groups", "household_id",
          "join_date"]  # fmt: skip


Cli = Callable[..., Awaitable[Run]]


@pytest.fixture
def cli(
    with_units: RunningMembers, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Cli:
    monkeypatch.setenv("BENEFITS_API_KEY", with_units.keys.admin_only)

    async def invoke(*argv: str, key: str = "") -> Run:
        """Run the CLI; ``key``: the name of another test key to send (default admin_only)."""
        address = with_units.server.address
        chosen = ["--api-key", getattr(with_units.keys, key)] if key else []
        code = await asyncio.to_thread(main, ["--members", address, *chosen, *argv])
        out, err = capsys.readouterr()
        return Run(code, out, err)

    return invoke


def offline(capsys: pytest.CaptureFixture[str], *argv: str) -> Run:
    """Run the CLI where no service listens (for checks made before any call)."""
    code = main(["--members", f"127.0.0.1:{free_port()}", *argv])
    out, err = capsys.readouterr()
    return Run(code, out, err)


def enroll(member_id: str = "M1", number: str = ID_X, *extra: str) -> list[str]:
    return ["member", "enroll", member_id, "--name", NAME, "--national-id", number,
            "--unit", UNIT, "--groups", "courier,delivery_rider", "--household", "H1",
            "--join-date", "2020-03-01", *extra]  # fmt: skip


def person(n: int) -> str:
    return national_id(f"44030519900101{n:03d}")


def write_members(path: Path, count: int, bad_row: int = 0) -> Path:
    """``count`` members; ``bad_row`` (1-based) has a wrong check character."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(1, count + 1):
            number = person(n)
            if n == bad_row:
                number = number[:17] + ("1" if number[17] != "1" else "2")
            unit = UNIT if n % 2 else "GD-SZ-0100"
            writer.writerow([f"C{n:04d}", f"快递员{n}", number, unit, "courier;migrant_worker",
                             f"H{n}", "2021-06-01"])  # fmt: skip
    return path


def no_number_in(run: Run, *numbers: str) -> None:
    for number in numbers:
        assert number not in run.out and number not in run.err
        assert number[:17] not in run.out and number[:17] not in run.err


# -- units ----------------------------------------------------------------------------


async def test_unit_register_show_and_list(cli: Cli) -> None:
    registered = await cli("unit", "register", "--code", "GD-FS", "--name-zh", "佛山市总工会",
                           "--name-en", "Foshan", "--level", "city", "--parent", "GD")  # fmt: skip
    assert registered.code == 0, registered.err
    assert "unit registered (members log position 8)" in registered.out
    assert "GD > GD-FS" in registered.out
    again = await cli("--json", "unit", "register", "--code", "GD-FS", "--name-zh", "佛山市总工会",
                      "--name-en", "Foshan", "--level", "city", "--parent", "GD")  # fmt: skip
    assert again.json()["log_position"] == "8"  # replayed
    shown = await cli("--json", "unit", "show", UNIT)
    assert shown.json()["path"] == ["GD", "GD-SZ", "GD-SZ-NS", UNIT]
    assert shown.json()["level"] == "UNIT_LEVEL_GRASSROOTS"
    listed = await cli("unit", "list", "GD-SZ")
    lines = listed.out.splitlines()
    assert [line.split()[0] for line in lines[1:-1]] == ["GD-SZ", "GD-SZ-0100", "GD-SZ-NS", UNIT]
    assert "  GD-SZ-0100" in listed.out and "4 unit(s)" in listed.out
    refused = await cli("unit", "register", "--code", "GD-X", "--name-zh", "x",
                        "--level", "county", "--parent", "GD")  # fmt: skip
    assert refused.code == 1 and refused.err.startswith("error: FAILED_PRECONDITION: level:")


# -- members --------------------------------------------------------------------------


async def test_enroll_and_show_masked_unless_revealed_to_a_role(cli: Cli) -> None:
    enrolled = await cli(*enroll())
    assert enrolled.code == 0, enrolled.err
    assert "member enrolled (members log position 8)" in enrolled.out
    assert NAME in enrolled.out and "110105********002X" in enrolled.out
    no_number_in(enrolled, ID_X)

    shown = await cli("--json", "member", "show", "M1")
    doc = shown.json()
    assert doc["national_id"] == "110105********002X" and doc["name"] == NAME
    assert doc["member_groups"] == ["courier", "delivery_rider"]
    assert doc["status"] == "MEMBERSHIP_STATUS_ACTIVE" and doc["as_of_date"] == "2026-11-23"

    denied = await cli("member", "show", "M1", "--reveal", key="poster")
    assert denied.code == 1 and denied.err.startswith("error: PERMISSION_DENIED: ")
    no_number_in(denied, ID_X)
    revealed = await cli("member", "show", "M1", "--reveal", key="auditor")
    assert revealed.code == 0 and ID_X in revealed.out

    again = await cli(*enroll())
    assert again.code == 0 and "log position 8" in again.out  # replayed
    twice = await cli(*enroll("M2"))
    assert twice.code == 1 and twice.err.startswith("error: ALREADY_EXISTS: national_id: ")
    no_number_in(twice, ID_X)
    bad = await cli(*enroll("M3", ID_DIGIT[:17] + "0"))
    assert bad.code == 1 and "national_id: the check character" in bad.err
    no_number_in(bad, ID_DIGIT)


async def test_the_number_can_come_from_stdin(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(ID_DIGIT + "\n"))
    run = await cli(*enroll("M7", "-"))
    assert run.code == 0, run.err
    shown = await cli("--json", "member", "show", "M7", "--reveal")
    assert shown.json()["national_id"] == ID_DIGIT


async def test_transfer_terminate_reinstate_and_history(cli: Cli) -> None:
    assert (await cli(*enroll())).code == 0
    moved = await cli("member", "transfer", "M1", "--to", "GD-GZ-0001", "--date", "2026-04-01")
    assert moved.code == 0 and "member transferred" in moved.out
    assert "GD > GD-GZ > GD-GZ-0001" in moved.out
    before = await cli("--json", "member", "show", "M1", "--as-of", "2026-03-31")
    assert before.json()["unit_code"] == UNIT
    ended = await cli("member", "terminate", "M1", "--date", "2026-05-01", "--reason", "left")
    assert ended.code == 0 and "terminated on 2026-11-23" in ended.out
    back = await cli("--json", "member", "reinstate", "M1", "--date", "2026-06-01")
    assert back.json()["member"]["status"] == "MEMBERSHIP_STATUS_ACTIVE"
    gap = await cli("member", "show", "M1", "--as-of", "2026-05-15")
    assert "terminated on 2026-05-15" in gap.out
    late = await cli("member", "terminate", "M1", "--date", "2026-05-31")
    assert late.code == 1 and "before member M1's last change on 2026-06-01" in late.err


async def test_hardship_file_through_its_gradual_exit(cli: Cli) -> None:
    assert (await cli(*enroll())).code == 0
    opened = await cli("hardship", "open", "M1", "--tier", "relative", "--causes",
                       "illness,education-costs", "--date", "2026-03-10",
                       "--review-due", "2026-09-10")  # fmt: skip
    assert opened.code == 0, opened.err
    assert "hardship file opened" in opened.out and "illness, education_costs" in opened.out
    tier = await cli("hardship", "tier", "M1", "--tier", "deep", "--date", "2026-04-01")
    assert tier.code == 0
    review = await cli("hardship", "review", "M1", "--date", "2026-06-01",
                       "--finding", "unchanged", "--next-review-due", "2026-12-01")  # fmt: skip
    assert review.code == 0
    closed = await cli("--json", "hardship", "close", "M1", "--date", "2026-06-30",
                       "--gradual-exit-months", "2")  # fmt: skip
    assert closed.json()["member"]["hardship"]["gradual_exit_until"] == "2026-08-29"
    during = await cli("member", "show", "M1", "--as-of", "2026-08-29")
    assert "gradual_exit (file M1-HF1)" in during.out and "2026-08-29" in during.out
    assert "Tier before exit    deep" in during.out
    after = await cli("--json", "member", "show", "M1", "--as-of", "2026-08-30")
    assert after.json()["hardship"]["status"] == "HARDSHIP_STATUS_EXITED"
    bad = await cli("hardship", "close", "M1", "--date", "2026-09-01")
    assert bad.code == 1 and "no open hardship file" in bad.err


# -- importing a CSV file -------------------------------------------------------------


async def test_import_enrols_every_row_and_a_rerun_replays(
    cli: Cli, with_units: RunningMembers, tmp_path: Path
) -> None:
    path = write_members(tmp_path / "members.csv", 250)
    run = await cli("member", "import", str(path), "--concurrency", "4")
    assert run.code == 0, run.err
    progress = [line for line in run.err.splitlines() if "rows/s" in line]
    assert len(progress) == 10 and "250/250 rows" in progress[-1]
    assert "members.csv: 250 of 250 rows enrolled" in run.out
    settled = await with_units.settled()
    assert settled[1] == 7 + 250

    again = await cli("--json", "member", "import", str(path))
    assert again.code == 0
    assert again.json() == {"file": str(path), "rows": 250, "enrolled": 250, "refused": [],
                            "not_sent": 0}  # fmt: skip
    assert await with_units.settled() == settled  # a rerun writes nothing
    listed = await cli("--json", "member", "list", "--unit", "GD-SZ-NS", "--page-size", "50")
    found = listed.json()["members"]
    assert len(found) == 125 and all("********" in m["national_id"] for m in found)
    text = await cli("member", "list", "--unit", "GD-SZ")
    assert "250 member(s)" in text.out
    no_number_in(text, *(person(n) for n in range(1, 251)))


async def test_import_reports_refused_rows_and_enrols_the_others(cli: Cli, tmp_path: Path) -> None:
    path = write_members(tmp_path / "members.csv", 30, bad_row=17)
    run = await cli("member", "import", str(path))
    assert run.code == 1
    assert "29 of 30 rows enrolled; 1 refused" in run.out
    assert ("error: row 17 (line 18), member C0017: INVALID_ARGUMENT: national_id: "
            "the check character does not match") in run.err  # fmt: skip
    assert "run the same command again" in run.err
    no_number_in(run, *(person(n) for n in range(1, 31)))
    fixed = write_members(tmp_path / "members.csv", 30)
    rerun = await cli("member", "import", str(fixed))
    assert rerun.code == 0 and "30 of 30 rows enrolled" in rerun.out


@pytest.mark.parametrize(
    ("header", "rows", "message"),
    [(HEADER[:-1], [], "the header must be"),
     (HEADER, [], "no rows"),
     (HEADER, [["", "n", ID_X, UNIT, "", "", "2020-01-01"]], "member_id is empty"),
     (HEADER, [["A", "n", ID_X, UNIT, "", "", "2020-01-01"],
               ["A", "m", ID_DIGIT, UNIT, "", "", "2020-01-01"]], "row 2 (line 3): member_id"),
     (HEADER, [["A", "n", ID_X, UNIT, "", "", "2020-01-01"],
               ["B", "m", ID_X.lower(), UNIT, "", "", "2020-01-01"]],
      "row 2 (line 3): the national ID number repeats row 1"),
     (HEADER, [["A", "n", ID_X]], "fewer fields")],
)  # fmt: skip
def test_bad_import_files_are_refused_whole(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    header: list[str],
    rows: list[list[str]],
    message: str,
) -> None:
    path = tmp_path / "members.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header, *rows])
    run = offline(capsys, "member", "import", str(path))
    assert run.code == 1
    assert message in run.err and "no row of it was sent" in run.err
    assert "UNAVAILABLE" not in run.err  # refused before any call
    no_number_in(run, ID_X, ID_DIGIT)


def test_import_stops_when_the_service_is_unreachable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_members(tmp_path / "members.csv", 40)
    run = offline(capsys, "--json", "member", "import", str(path), "--concurrency", "2")
    assert run.code == 1
    doc = run.json()
    assert doc["enrolled"] == 0 and len(doc["refused"]) == 2 and doc["not_sent"] == 38
    assert {r["status"] for r in doc["refused"]} == {"UNAVAILABLE"}
    assert "--members / BENEFITS_MEMBERS_ADDR" in run.err


# -- usage errors ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [["member", "import", "f.csv", "--concurrency", "0"],
     ["member", "list", "--unit", "GD", "--page-size", "501"],
     ["hardship", "open", "M1", "--tier", "deep", "--causes", "bad-luck", "--date",
      "2026-01-01", "--review-due", "2026-06-01"],
     ["hardship", "open", "M1", "--tier", "severe", "--causes", "illness", "--date",
      "2026-01-01", "--review-due", "2026-06-01"],
     ["unit", "register", "--code", "GD", "--name-zh", "x", "--level", "nation"],
     ["member", "show"]],
)  # fmt: skip
def test_usage_errors_exit_2_without_calling(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    run = offline(capsys, *argv)
    assert run.code == 2, run.err
    assert "error" in run.err and "UNAVAILABLE" not in run.err


def test_an_unreachable_members_service_says_how_to_start_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = offline(capsys, "unit", "list")
    assert run.code == 1 and run.err.startswith("error: UNAVAILABLE: ")
    assert "no members service is listening" in run.err and "make up" in run.err
