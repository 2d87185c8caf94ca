"""``benefits contribution|pool|claim|aid ...`` against a real ledger (real gRPC,
real nats-server, SQLite): a maker files and pays, a checker approves, emergency
aid is listed overdue and recovered; refusals exit 1 with the service's reason."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import pytest

from benefits_cli.main import main
from benefits_platform.protos.benefits.v1 import ledger_pb2
from tests.ledger_client import emergency_request, payout, pool_request
from tests.members_feed import enroll
from tests.support import key_id

pytestmark = pytest.mark.parametrize("store", ["sqlite"], indirect=True)


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
async def cli(ledger: Any, capsys: pytest.CaptureFixture[str]) -> Any:
    await enroll(ledger, ["M1", "M2"])
    await ledger.stub.OpenProgram(pool_request(waiting_days=0))
    await ledger.stub.OpenProgram(emergency_request(days=10))

    async def invoke(*argv: str, key: str = ledger.keys.poster) -> Run:
        args = ["--ledger", ledger.server.address, "--api-key", key, *argv]
        code = await asyncio.to_thread(main, args)
        out, err = capsys.readouterr()
        return Run(code, out, err)

    invoke.ledger = ledger  # type: ignore[attr-defined]
    return invoke


CLAIM = ("claim", "file", "--member", "M1", "--program", "MED_AID", "--year", "2026",
         "--category", "ILLNESS", "--incident-date", "2026-03-01", "--bill-total", "2500",
         "--insurance", "1000", "--self-paid", "1500", "--hospital", "深圳市人民医院",
         "--bill-ref", "INV-1", "--document", "scan-1", "--document", "scan-2")  # fmt: skip


async def test_contribution_claim_and_payment(cli):
    ledger = cli.ledger
    done = await cli("contribution", "record", "--member", "M1", "--program", "MED_AID",
                     "--year", "2026", "--amount", "120", "--date", "2026-01-02")  # fmt: skip
    assert done.code == 0, done.err
    assert "contribution recorded" in done.out and "2026-01-02 to 2026-12-31" in done.out
    assert "request id:" in done.err  # a new one, announced for retries
    await cli("contribution", "record", "--member", "M2", "--program", "MED_AID", "--year",
              "2026", "--amount", "12000", "--fen", "--date", "2026-01-02")  # fmt: skip
    pool = await cli("pool", "show", "MED_AID", "--year", "2026", "--json")
    assert pool.json()["balance_fen"] == "24000"

    filed = await cli(*CLAIM, "--request-id", "claim-1", "--json")
    assert filed.code == 0, filed.err
    claim_id = filed.json()["claim_id"]
    assert filed.json()["filed_by"] == key_id(ledger.keys.poster)
    again = await cli(*CLAIM, "--request-id", "claim-1")
    assert again.code == 0 and "replayed" in again.out

    review = await cli("claim", "review", claim_id, key=ledger.keys.reviewer)
    assert review.code == 0 and "under-review" in review.out
    approve = await cli("claim", "approve", claim_id, "--amount", "700", key=ledger.keys.reviewer)
    assert approve.code == 1 and "INVALID_ARGUMENT: reason: is required" in approve.err
    approve = await cli("claim", "approve", claim_id, "--amount", "700", "--reason", "excluded",
                        key=ledger.keys.reviewer)  # fmt: skip
    assert approve.code == 0, approve.err
    assert "800.00 元 (after caps)" in approve.out and "700.00 元" in approve.out
    pay = await cli("claim", "pay", claim_id, "--date", "2026-04-01", "--request-id", "pay-1")
    assert pay.code == 1 and "FAILED_PRECONDITION" in pay.err and "holds 24000 fen" in pay.err
    shown = await cli("claim", "show", claim_id, "--json")
    assert shown.json()["state"] == "CLAIM_STATE_APPROVED"
    assert shown.json()["decided_by"] == key_id(ledger.keys.reviewer)


async def test_maker_checker_and_transitions(cli):
    ledger = cli.ledger
    await cli("contribution", "record", "--member", "M1", "--program", "MED_AID", "--year",
              "2026", "--amount", "120", "--date", "2026-01-02", "--request-id", "c1")  # fmt: skip
    both = ledger.keys.create("POSTER", "REVIEWER")
    filed = await cli(*CLAIM, "--json", key=both)
    claim_id = filed.json()["claim_id"]
    early = await cli("claim", "pay", claim_id, "--date", "2026-04-01")
    assert early.code == 1 and "FAILED_PRECONDITION" in early.err and "is FILED" in early.err
    await cli("claim", "review", claim_id, key=both)
    own = await cli("claim", "approve", claim_id, key=both)
    assert own.code == 1 and "PERMISSION_DENIED: maker-checker" in own.err
    approved = await cli("claim", "approve", claim_id, "--json", key=ledger.keys.reviewer)
    assert approved.json()["approved_benefit_fen"] == "80000"
    paid = await cli("claim", "pay", claim_id, "--date", "2026-04-01")
    assert paid.code == 1 and "pool of MED_AID 2026 holds 12000 fen" in paid.err
    listed = await cli("claim", "list", "--state", "approved", "--member", "M1")
    assert listed.code == 0 and claim_id in listed.out and "800.00" in listed.out
    none = await cli("claim", "list", "--state", "paid")
    assert none.out.strip() == "no claims"
    withdrawn = await cli("claim", "withdraw", claim_id, "--note", "paid elsewhere")
    assert withdrawn.code == 0 and "withdrawn" in withdrawn.out
    again = await cli("claim", "review", claim_id, key=ledger.keys.reviewer)
    assert again.code == 1 and "is WITHDRAWN" in again.err
    bad = await cli("claim", "reject", claim_id, "--reason", "bored")
    assert bad.code == 2


async def test_paid_claim_in_the_pool(cli):
    ledger = cli.ledger
    for member in ("M1", "M2"):
        await cli("contribution", "record", "--member", member, "--program", "MED_AID", "--year",
                  "2026", "--amount", "120", "--date", "2026-01-02")  # fmt: skip
    small = [*CLAIM]
    small[small.index("1500")] = "560"  # (560 - 500) x 80% = 48 yuan
    filed = await cli(*small, "--json")
    claim_id = filed.json()["claim_id"]
    await cli("claim", "review", claim_id, key=ledger.keys.reviewer)
    await cli("claim", "approve", claim_id, key=ledger.keys.reviewer)
    paid = await cli("claim", "pay", claim_id, "--date", "2026-04-01", "--request-id", "p1")
    assert paid.code == 0, paid.err
    assert "claim paid (recorded)" in paid.out and "48.00 元 on 2026-04-01" in paid.out
    replay = await cli("claim", "pay", claim_id, "--date", "2026-04-01", "--request-id", "p1")
    assert "replayed" in replay.out
    pool = await cli("pool", "show", "MED_AID", "--year", "2026")
    assert "192.00 元" in pool.out and "48.00 元 (1 claims)" in pool.out


async def test_emergency_aid_overdue_recovered_and_verified(cli):
    ledger = cli.ledger
    first = await ledger.stub.PostPayout(payout("e1", amount=250_000, code="EMERGENCY",
                                                date="2026-02-10"))  # fmt: skip
    second = await ledger.stub.PostPayout(payout("e2", member="M2", code="EMERGENCY",
                                                 date="2026-02-10"))  # fmt: skip
    quiet = await cli("aid", "overdue", "--as-of", "2026-02-20")
    assert quiet.code == 0 and "no emergency aid overdue" in quiet.out
    late = await cli("aid", "overdue", "--as-of", "2026-02-21")
    assert late.code == 0 and "overdue for verification as of 2026-02-21: 2" in late.out
    assert "4,500.00 元" in late.out
    one = await cli("aid", "recover", first.entry_id, "--amount", "1000", "--date", "2026-03-01")
    assert one.code == 0 and "instalment 1" in one.out
    two = await cli("aid", "recover", first.entry_id, "--amount", "1500", "--date", "2026-04-01",
                    "--json")  # fmt: skip
    assert two.json()["instalment"] == 2 and two.json()["amount_fen"] == "-150000"
    over = await cli("aid", "recover", first.entry_id, "--amount", "0.01", "--date", "2026-04-02")
    assert over.code == 1 and "is RECOVERED" in over.err
    verified = await cli("aid", "verify", second.entry_id, "--date", "2026-02-15",
                         key=ledger.keys.reviewer)  # fmt: skip
    assert verified.code == 0 and "verified" in verified.out
    listed = await cli("aid", "overdue", "--as-of", "2026-12-31", "--json")
    assert listed.json()["obligations"] == []
    bad_date = await cli("aid", "verify", second.entry_id, "--date", "2026-02-30")
    assert bad_date.code == 2
    wrong_role = await cli("aid", "verify", first.entry_id, "--date", "2026-02-15")
    assert wrong_role.code == 1 and "PERMISSION_DENIED" in wrong_role.err
    program = await ledger.stub.GetProgram(
        ledger_pb2.GetProgramRequest(code="EMERGENCY", fiscal_year=2026)
    )
    assert program.committed_fen == 200_000  # net of the 2,500 yuan recovered


async def test_program_open_with_pool_emergency_and_secondary_rules(cli):
    admin = cli.ledger.keys.admin
    pool = await cli(
        "--json", "program", "open", "--code", "MAJOR_ILLNESS", "--year", "2026",
        "--name-zh", "重大疾病互助", "--name-en", "Major-illness mutual aid",
        "--kind", "mutual-aid", "--budget", "1000000", "--category", "ILLNESS=7000",
        "--category", "ACCIDENT=8000", "--period", "2026H1:2026-01-01:2026-06-30",
        "--period", "2026H2:2026-07-01:2026-12-31", "--contribution", "120",
        "--waiting-days", "90", "--deductible", "500", "--per-claim-cap", "50000",
        "--per-period-cap", "80000", "--overdraft", "1000", "--request-id", "open-mi",
        key=admin,
    )  # fmt: skip
    assert pool.code == 0, pool.err
    rules = pool.json()["mutual_aid"]
    assert [p["period_id"] for p in rules["periods"]] == ["2026H1", "2026H2"]
    assert {c["category"]: c["ratio_bp"] for c in rules["categories"]} == {
        "ILLNESS": 7000,
        "ACCIDENT": 8000,
    }
    assert rules["contribution_fen"] == "12000" and rules["waiting_days"] == 90
    assert rules["deductible_fen"] == "50000" and rules["overdraft_fen"] == "100000"
    assert rules["per_claim_cap_fen"] == "5000000" and rules["per_period_cap_fen"] == "8000000"

    emergency = await cli(
        "--json", "program", "open", "--code", "URGENT", "--year", "2026",
        "--name-zh", "临时救助", "--name-en", "Emergency aid", "--kind", "aid",
        "--budget", "50000", "--verify-within-days", "30", key=admin,
    )  # fmt: skip
    assert emergency.code == 0, emergency.err
    assert emergency.json()["emergency"]["verify_within_days"] == 30

    secondary = await cli(
        "--json", "program", "open", "--code", "SECOND_AID", "--year", "2026",
        "--name-zh", "二次救助", "--name-en", "Secondary aid", "--kind", "aid",
        "--budget", "50000", "--secondary-of", "MAJOR_ILLNESS", key=admin,
    )  # fmt: skip
    assert secondary.code == 0, secondary.err
    assert secondary.json()["secondary_aid"]["mutual_aid_program_code"] == "MAJOR_ILLNESS"

    bad = await cli(
        "program", "open", "--code", "BAD_POOL", "--year", "2026", "--name-zh", "坏",
        "--name-en", "Bad", "--kind", "mutual-aid", "--budget", "100",
        "--category", "ILLNESS", key=admin,
    )  # fmt: skip
    assert bad.code != 0 and "--category: expected CATEGORY=BP" in bad.err
    refused = await cli(
        "program", "open", "--code", "BAD_POOL", "--year", "2026", "--name-zh", "坏",
        "--name-en", "Bad", "--kind", "mutual-aid", "--budget", "100",
        "--category", "ILLNESS=20000", key=admin,
    )  # fmt: skip
    assert refused.code == 1 and "ratio_bp" in refused.err
