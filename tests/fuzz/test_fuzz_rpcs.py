"""Every RPC of every service, fuzzed through real gRPC (see runner.py for the
invariants and strategies.py for the values).

The short profile runs with the test suite; ``make fuzz`` runs the long one
(``BENEFITS_FUZZ_EXAMPLES``, default there 20,000 examples: over 20,000 calls)
and prints the calls made per RPC, the status codes seen and every violation.
"""

from __future__ import annotations

import os
from pathlib import Path

import grpc
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from benefits_platform.protos.benefits.v1 import ledger_pb2, members_pb2
from tests.fuzz.harness import Caller, Stack
from tests.fuzz.runner import Fuzzer, Method, Violation
from tests.fuzz.strategies import NATIONAL_IDS, Pools, harvest, message, replay_of, summary
from tests.members_fixtures import UNITS, unit_request

SHORT_EXAMPLES = 500
EXAMPLES = int(os.environ.get("BENEFITS_FUZZ_EXAMPLES", "0") or 0) or SHORT_EXAMPLES
LONG = EXAMPLES > SHORT_EXAMPLES

MEMBERS = [
    ("M1", "GD-SZ-NS-0001", NATIONAL_IDS[0]),
    ("M2", "GD-SZ-NS-0001", NATIONAL_IDS[1]),
    ("M3", "GD-SZ-0100", NATIONAL_IDS[2]),
]


def method(fuzzer: Fuzzer, label: str) -> Method:
    return next(m for m in fuzzer.methods if m.label == label)


def seed(fuzzer: Fuzzer, pools: Pools) -> None:
    """A small realistic state (units, members, programmes, payouts), so the
    fuzzed calls reach the rules and not only the validation."""
    admin = fuzzer.stack.admin
    assert admin is not None

    def call(label: str, request: object) -> int:
        outcome = fuzzer.call(method(fuzzer, label), request, admin)  # type: ignore[arg-type]
        if outcome.reply is not None:
            harvest(outcome.reply, pools)
        else:
            fuzzer.notes.append(f"seed {label}: {outcome.code.name} {outcome.details[:200]}")
        return int(getattr(outcome.reply, "log_position", 0) or 0)

    for unit in UNITS:
        call("MembersService.RegisterUnit", unit_request(*unit))
    members_position = 0
    for member_id, unit, number in MEMBERS:
        members_position = call(
            "MembersService.EnrollMember",
            members_pb2.EnrollMemberRequest(
                member_id=member_id,
                name="测试",
                national_id=number,
                unit_code=unit,
                member_groups=["courier"],
                household_id="H1",
                join_date="2020-03-01",
            ),
        )
    programmes = [
        ledger_pb2.OpenProgramRequest(
            code="GREEN_TRAVEL",
            fiscal_year=2026,
            name_zh="绿色出行",
            name_en="Green travel",
            kind=1,
            budget_fen=10**10,
            request_id="seed-open-green",
        ),
        ledger_pb2.OpenProgramRequest(
            code="WINTER_WARMTH",
            fiscal_year=2026,
            name_zh="送温暖",
            name_en="Winter warmth",
            kind=2,
            budget_fen=10**9,
            request_id="seed-open-warmth",
        ),
        ledger_pb2.OpenProgramRequest(
            code="MUTUAL_AID",
            fiscal_year=2026,
            name_zh="互助保障",
            name_en="Mutual aid",
            kind=3,
            budget_fen=10**9,
            request_id="seed-open-mutual",
            mutual_aid=ledger_pb2.MutualAidRules(
                contribution_fen=12_000,
                categories=[ledger_pb2.CategoryRatio(category="INPATIENT", ratio_bp=8000)],
            ),
        ),
        ledger_pb2.OpenProgramRequest(
            code="EMERGENCY",
            fiscal_year=2026,
            name_zh="临时救助",
            name_en="Emergency aid",
            kind=2,
            budget_fen=10**9,
            request_id="seed-open-emergency",
            emergency=ledger_pb2.EmergencyRules(verify_within_days=30),
        ),
    ]
    for request in programmes:
        call("LedgerService.OpenProgram", request)
    for i, (member_id, _unit, _number) in enumerate(MEMBERS):
        for code in ("GREEN_TRAVEL", "EMERGENCY"):
            call(
                "LedgerService.PostPayout",
                ledger_pb2.PostPayoutRequest(
                    request_id=f"seed-{code}-{i}",
                    member_id=member_id,
                    program_code=code,
                    fiscal_year=2026,
                    amount_fen=2_000,
                    effective_date="2026-03-01",
                    members_position=members_position,
                ),
            )
        call(
            "LedgerService.RecordContribution",
            ledger_pb2.RecordContributionRequest(
                request_id=f"seed-contribution-{i}",
                member_id=member_id,
                program_code="MUTUAL_AID",
                fiscal_year=2026,
                period_id="2026",
                amount_fen=12_000,
                effective_date="2026-01-02",
            ),
        )
        call(
            "LedgerService.FileClaim",
            ledger_pb2.FileClaimRequest(
                request_id=f"seed-claim-{i}",
                member_id=member_id,
                program_code="MUTUAL_AID",
                fiscal_year=2026,
                period_id="2026",
                category="INPATIENT",
                incident_date="2026-06-01",
                bill_total_fen=500_000,
                self_paid_fen=300_000,
                hospital="H-1",
                bill_ref=f"B-{i}",
            ),
        )


def callers(stack: Stack) -> st.SearchStrategy[Caller]:
    assert stack.admin is not None
    return st.one_of(st.just(stack.admin), st.just(stack.admin), st.sampled_from(stack.callers))


def example(fuzzer: Fuzzer, pools: Pools, data: st.DataObject, m: Method) -> None:
    caller = data.draw(callers(fuzzer.stack), label="caller")
    kind = data.draw(st.sampled_from(["message"] * 6 + ["replay", "replay", "garbage"]))
    if kind == "garbage":
        valid = data.draw(message(m.input, pools)).SerializeToString()
        payload = data.draw(
            st.one_of(
                st.binary(max_size=300),
                st.binary(min_size=1, max_size=40).map(lambda junk: valid + junk),
                st.binary(min_size=1, max_size=40).map(lambda junk: junk + valid),
                st.just(valid[: len(valid) // 2]),
            ),
            label="garbage",
        )
        fuzzer.call(m, payload, caller)
        return
    oversized = data.draw(st.integers(0, 59)) == 0
    big = LONG and data.draw(st.integers(0, 199)) == 0
    plausible = data.draw(st.integers(0, 9)) < 4
    request = data.draw(message(m.input, pools, 0, oversized, big, plausible))
    first = fuzzer.call(m, request, caller)
    if first.reply is not None:
        harvest(first.reply, pools)
    if kind != "replay":
        return
    changed = replay_of(request, data.draw(message(m.input, pools, plausible=plausible)))
    if changed is None:
        return
    if first.code == grpc.StatusCode.OK:
        again = fuzzer.call(m, request, caller, "identical replay of " + summary(request))
        if again.code != grpc.StatusCode.OK:
            fuzzer.violations.append(
                Violation(
                    m.label,
                    caller.name,
                    again.code.name,
                    again.details,
                    summary(request),
                    "the same request id and body replays",
                )
            )
    fuzzer.call(m, changed, caller, "changed body: " + summary(changed))


def fuzz_one(fuzzer: Fuzzer, pools: Pools, m: Method, examples: int) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def fuzz(data: st.DataObject) -> None:
        example(fuzzer, pools, data, m)

    fuzz()


@pytest.mark.fuzz
def test_every_rpc_survives_random_boundary_and_malformed_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stack = Stack(tmp_path).start()
    fuzzer = Fuzzer(stack)
    pools = Pools()
    report = ""
    try:
        seed(fuzzer, pools)

        # Each RPC in turn, with its share of the examples: the draws of an
        # example depend on the draws alone (what the stack knows is looked up
        # by index), as hypothesis requires.
        per_method = max(3, EXAMPLES // len(fuzzer.methods))
        for m in fuzzer.methods:
            fuzz_one(fuzzer, pools, m, per_method)
        checked = fuzzer.check_final()
        report = fuzzer.report() + "\nchecked at the end:\n  " + "\n  ".join(checked)
    finally:
        report = report or fuzzer.report()
        (tmp_path / "fuzz-report.txt").write_text(report)
        if LONG:
            with capsys.disabled():
                print("\n" + report)
        fuzzer.close()
        stack.stop()
    assert set(fuzzer.calls) >= {m.label for m in fuzzer.methods}, report
    assert not fuzzer.violations, report
