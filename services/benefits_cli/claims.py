"""``benefits contribution ...``, ``benefits pool ...``, ``benefits claim ...`` and
``benefits aid ...``: mutual-aid pools, claims with maker-checker, and pay-first
emergency aid in the ledger, from the command line.

Every command that changes something carries a request id (``--request-id``, or
a new one printed on stderr), so running it again after a timeout is safe.
Amounts are in yuan unless ``--fen``.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from google.protobuf.message import Message

from benefits_cli import formatting as fmt
from benefits_cli.client import pages
from benefits_cli.main import EXIT_OK, Cli, UsageError, enum_choices, page_size
from benefits_cli.money import yuan
from benefits_platform.protos.benefits.v1 import common_pb2, ledger_pb2

STATES = enum_choices(ledger_pb2.ClaimState, "CLAIM_STATE_")
REJECTIONS = enum_choices(ledger_pb2.ClaimRejectionReason, "CLAIM_REJECTION_REASON_")
BEIJING = dt.timezone(dt.timedelta(hours=8))
NONE = fmt.NONE

Sub = Callable[[Any, str, Callable[[Cli], int], str], Any]
Resp = TypeVar("Resp", bound=Message)


def _call(cli: Cli, method: str, request: Message, response_type: type[Resp]) -> Resp:
    """One LedgerService call through the invocation's client (deadline, key,
    request id header, errors as CallError)."""
    return cli.client.call(method, request, response_type)


def _label(enum: Any, value: int, prefix: str) -> str:
    """An enum value as the command line spells it, e.g. "under-review"."""
    return fmt.enum_label(enum, value, prefix).replace("_", "-")


def state_label(state: int) -> str:
    return _label(ledger_pb2.ClaimState, state, "CLAIM_STATE_")


def aid_state_label(state: int) -> str:
    return _label(ledger_pb2.EmergencyAidState, state, "EMERGENCY_AID_STATE_")


def _replayed(message: Any) -> str:
    return "replayed (recorded earlier with this request id)" if message.replayed else "recorded"


# -- text -----------------------------------------------------------------------------


def contribution_detail(c: ledger_pb2.Contribution) -> str:
    return fmt.fields(
        [
            ("Entry", c.entry_id),
            ("Member", c.member_id),
            ("Programme", f"{c.program_code} {c.fiscal_year}, period {c.period_id}"),
            ("Amount", f"{yuan(c.amount_fen)} 元"),
            ("Contribution date", c.effective_date),
            ("Covered", f"{c.coverage_start} to {c.coverage_end}"),
            ("Request id", c.request_id),
            ("Recorded by", c.actor or NONE),
        ]
    )


def pool_detail(p: ledger_pb2.Pool) -> str:
    text = fmt.fields(
        [
            ("Pool", f"{p.program_code} {p.fiscal_year} ({p.account})"),
            ("Balance", f"{yuan(p.balance_fen)} 元"),
            ("Contributed", f"{yuan(p.contributed_fen)} 元 ({p.contribution_count} contributions)"),
            ("Claims paid", f"{yuan(p.claims_paid_fen)} 元 ({p.claims_paid_count} claims)"),
            ("Overdraft allowed", fmt.optional_yuan(p.overdraft_fen)),
            ("Available for claims", f"{yuan(p.available_fen)} 元"),
        ]
    )
    periods = fmt.table(
        ("PERIOD", "FROM", "TO", "MEMBERS"),
        [(e.period_id, e.start_date, e.end_date, str(e.members)) for e in p.periods],
        right=[3],
    )
    return text + "\nPeriods:\n" + _indent(periods)


def claim_detail(c: ledger_pb2.Claim) -> str:
    pairs = [
        ("Claim", c.claim_id),
        ("State", state_label(c.state)),
        ("Member", c.member_id),
        ("Programme", f"{c.program_code} {c.fiscal_year}, period {c.period_id}"),
        ("Category", c.category),
        ("Incident date", c.incident_date),
        ("Bill", f"{c.hospital} {c.bill_ref}"),
        (
            "Bill amounts",
            f"total {yuan(c.bill_total_fen)} 元, insurance {yuan(c.insurance_covered_fen)} 元, "
            f"self-paid {yuan(c.self_paid_fen)} 元",
        ),
        ("Documents", ", ".join(c.document_refs) or NONE),
        ("Filed by", c.filed_by or NONE),
    ]
    if c.computed_benefit_fen:
        pairs += [
            ("Rule result", f"{yuan(c.rule_result_fen)} 元"),
            ("Computed benefit", f"{yuan(c.computed_benefit_fen)} 元 (after caps)"),
            ("Approved benefit", f"{yuan(c.approved_benefit_fen)} 元"),
        ]
        if c.approval_reason:
            pairs.append(("Approved less because", c.approval_reason))
    if c.rejection_reason:
        reason = _label(
            ledger_pb2.ClaimRejectionReason, c.rejection_reason, "CLAIM_REJECTION_REASON_"
        )
        pairs.append(("Rejected", reason))
    if c.decided_by:
        pairs.append(("Decided by", c.decided_by))
    if c.payout_entry_id:
        pairs.append(("Paid", f"{yuan(c.paid_fen)} 元 on {c.paid_on}, entry {c.payout_entry_id}"))
    history = fmt.table(
        ("STATE", "AT", "BY", "REQUEST ID", "NOTE"),
        [
            (state_label(t.state), fmt.timestamp(t.at), t.actor, t.request_id, t.note)
            for t in c.history
        ],
    )
    return fmt.fields(pairs) + "\nHistory:\n" + _indent(history)


CLAIM_COLUMNS: list[fmt.Column[ledger_pb2.Claim]] = [
    fmt.Column("CLAIM", lambda c: c.claim_id),
    fmt.Column("STATE", lambda c: state_label(c.state)),
    fmt.Column("MEMBER", lambda c: c.member_id),
    fmt.Column("PROGRAMME", lambda c: f"{c.program_code} {c.fiscal_year}"),
    fmt.Column("PERIOD", lambda c: c.period_id),
    fmt.Column("INCIDENT", lambda c: c.incident_date),
    fmt.Column("SELF-PAID 元", lambda c: yuan(c.self_paid_fen), True),
    fmt.Column(
        "BENEFIT 元",
        lambda c: yuan(c.approved_benefit_fen) if c.computed_benefit_fen else NONE,
        True,
    ),
]

AID_COLUMNS: list[fmt.Column[ledger_pb2.EmergencyObligation]] = [
    fmt.Column("PAYOUT", lambda o: o.payout_entry_id),
    fmt.Column("MEMBER", lambda o: o.member_id),
    fmt.Column("PROGRAMME", lambda o: f"{o.program_code} {o.fiscal_year}"),
    fmt.Column("PAID ON", lambda o: o.effective_date),
    fmt.Column("DUE", lambda o: o.due_date),
    fmt.Column("STATE", lambda o: aid_state_label(o.state) + (" (overdue)" if o.overdue else "")),
    fmt.Column("PAID 元", lambda o: yuan(o.paid_fen), True),
    fmt.Column("RECOVERED 元", lambda o: yuan(o.recovered_fen), True),
    fmt.Column("OUTSTANDING 元", lambda o: yuan(o.outstanding_fen), True),
]


def obligation_detail(o: ledger_pb2.EmergencyObligation) -> str:
    pairs = [
        ("Payout", o.payout_entry_id),
        ("State", aid_state_label(o.state)),
        ("Member", o.member_id),
        ("Programme", f"{o.program_code} {o.fiscal_year}"),
        ("Paid", f"{yuan(o.paid_fen)} 元 on {o.effective_date}"),
        ("Verify by", o.due_date),
        ("Verified", f"{o.verified_on} by {o.verified_by}" if o.verified_on else NONE),
        ("Recovered", f"{yuan(o.recovered_fen)} 元 in {o.instalments} instalment(s)"),
        ("Outstanding", f"{yuan(o.outstanding_fen)} 元"),
    ]
    return fmt.fields(pairs)


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.split("\n"))


# -- commands -------------------------------------------------------------------------


def cmd_contribution_record(cli: Cli) -> int:
    a = cli.args
    request = ledger_pb2.RecordContributionRequest(
        request_id=cli.request_id(),
        member_id=a.member,
        program_code=a.program,
        fiscal_year=a.year,
        period_id=a.period or str(a.year),
        amount_fen=cli.amount("amount"),
        effective_date=a.date,
        external_ref=a.ref,
    )
    recorded = _call(cli, "RecordContribution", request, ledger_pb2.Contribution)
    cli.emit(
        recorded, lambda: f"contribution {_replayed(recorded)}\n{contribution_detail(recorded)}"
    )
    return EXIT_OK


def cmd_pool_show(cli: Cli) -> int:
    request = ledger_pb2.GetPoolRequest(program_code=cli.args.code, fiscal_year=cli.args.year)
    pool = _call(cli, "GetPool", request, ledger_pb2.Pool)
    cli.emit(pool, lambda: pool_detail(pool))
    return EXIT_OK


def _emit_claim(cli: Cli, claim: ledger_pb2.Claim, what: str) -> int:
    cli.emit(claim, lambda: f"{what} ({_replayed(claim)})\n{claim_detail(claim)}")
    return EXIT_OK


def cmd_claim_file(cli: Cli) -> int:
    a = cli.args
    request = ledger_pb2.FileClaimRequest(
        request_id=cli.request_id(),
        member_id=a.member,
        program_code=a.program,
        fiscal_year=a.year,
        period_id=a.period or str(a.year),
        category=a.category,
        incident_date=a.incident_date,
        bill_total_fen=cli.amount("bill_total"),
        insurance_covered_fen=cli.amount("insurance", allow_zero=True),
        self_paid_fen=cli.amount("self_paid"),
        hospital=a.hospital,
        bill_ref=a.bill_ref,
        document_refs=a.document or [],
        note=a.note,
    )
    return _emit_claim(cli, _call(cli, "FileClaim", request, ledger_pb2.Claim), "claim filed")


def cmd_claim_review(cli: Cli) -> int:
    request = ledger_pb2.StartReviewRequest(
        request_id=cli.request_id(), claim_id=cli.args.claim_id, note=cli.args.note
    )
    claim = _call(cli, "StartReview", request, ledger_pb2.Claim)
    return _emit_claim(cli, claim, "review started")


def cmd_claim_approve(cli: Cli) -> int:
    a = cli.args
    request = ledger_pb2.ApproveClaimRequest(
        request_id=cli.request_id(),
        claim_id=a.claim_id,
        approved_benefit_fen=cli.amount("amount"),
        reason=a.reason,
    )
    return _emit_claim(cli, _call(cli, "ApproveClaim", request, ledger_pb2.Claim), "claim approved")


def cmd_claim_reject(cli: Cli) -> int:
    a = cli.args
    request = ledger_pb2.RejectClaimRequest(
        request_id=cli.request_id(),
        claim_id=a.claim_id,
        reason=REJECTIONS[a.reason],  # type: ignore[arg-type]
        note=a.note,
    )
    return _emit_claim(cli, _call(cli, "RejectClaim", request, ledger_pb2.Claim), "claim rejected")


def cmd_claim_withdraw(cli: Cli) -> int:
    request = ledger_pb2.WithdrawClaimRequest(
        request_id=cli.request_id(), claim_id=cli.args.claim_id, note=cli.args.note
    )
    claim = _call(cli, "WithdrawClaim", request, ledger_pb2.Claim)
    return _emit_claim(cli, claim, "claim withdrawn")


def cmd_claim_pay(cli: Cli) -> int:
    request = ledger_pb2.PayClaimRequest(
        request_id=cli.request_id(), claim_id=cli.args.claim_id, effective_date=cli.args.date
    )
    return _emit_claim(cli, _call(cli, "PayClaim", request, ledger_pb2.Claim), "claim paid")


def cmd_claim_show(cli: Cli) -> int:
    request = ledger_pb2.GetClaimRequest(claim_id=cli.args.claim_id)
    claim = _call(cli, "GetClaim", request, ledger_pb2.Claim)
    cli.emit(claim, lambda: claim_detail(claim))
    return EXIT_OK


def _claims(cli: Cli) -> Iterator[ledger_pb2.Claim]:
    a = cli.args
    size = page_size(a.page_size)

    def fetch(token: str) -> ledger_pb2.ListClaimsResponse:
        request = ledger_pb2.ListClaimsRequest(
            program_code=a.program or "",
            fiscal_year=a.year or 0,
            member_id=a.member or "",
            state=STATES[a.state] if a.state else 0,  # type: ignore[arg-type]
            page=common_pb2.PageRequest(page_size=size, page_token=token),
        )
        return _call(cli, "ListClaims", request, ledger_pb2.ListClaimsResponse)

    for page in pages(fetch):
        yield from page.claims


def cmd_claim_list(cli: Cli) -> int:
    claims = list(_claims(cli))
    text = fmt.table_of(CLAIM_COLUMNS, claims) if claims else "no claims"
    cli.emit({"claims": claims}, lambda: text)
    return EXIT_OK


def cmd_aid_verify(cli: Cli) -> int:
    request = ledger_pb2.VerifyEmergencyAidRequest(
        request_id=cli.request_id(),
        entry_id=cli.args.entry_id,
        verified_on=cli.args.date,
        note=cli.args.note,
    )
    done = _call(cli, "VerifyEmergencyAid", request, ledger_pb2.EmergencyObligation)
    cli.emit(done, lambda: f"emergency aid verified ({_replayed(done)})\n{obligation_detail(done)}")
    return EXIT_OK


def cmd_aid_recover(cli: Cli) -> int:
    a = cli.args
    request = ledger_pb2.RecoverPaymentRequest(
        request_id=cli.request_id(),
        entry_id=a.entry_id,
        amount_fen=cli.amount("amount"),
        effective_date=a.date,
        note=a.note,
    )
    entry = _call(cli, "RecoverPayment", request, ledger_pb2.Entry)
    text = f"recovery {_replayed(entry)} (instalment {entry.instalment})\n{fmt.entry_detail(entry)}"
    cli.emit(entry, lambda: text)
    return EXIT_OK


def cmd_aid_overdue(cli: Cli) -> int:
    a = cli.args
    as_of = a.as_of or dt.datetime.now(BEIJING).date().isoformat()
    size = page_size(a.page_size)

    def fetch(token: str) -> ledger_pb2.ListEmergencyObligationsResponse:
        request = ledger_pb2.ListEmergencyObligationsRequest(
            program_code=a.program or "",
            fiscal_year=a.year or 0,
            member_id=a.member or "",
            overdue_as_of=as_of,
            page=common_pb2.PageRequest(page_size=size, page_token=token),
        )
        return _call(
            cli, "ListEmergencyObligations", request, ledger_pb2.ListEmergencyObligationsResponse
        )

    rows = [o for page in pages(fetch) for o in page.obligations]
    outstanding = sum(o.outstanding_fen for o in rows)

    def text() -> str:
        if not rows:
            return f"no emergency aid overdue for verification as of {as_of}"
        return (
            f"emergency aid overdue for verification as of {as_of}: {len(rows)}, "
            f"outstanding {yuan(outstanding)} 元\n" + fmt.table_of(AID_COLUMNS, rows)
        )

    cli.emit({"as_of": as_of, "obligations": rows, "outstanding_fen": str(outstanding)}, text)
    return EXIT_OK


# -- the parser -----------------------------------------------------------------------


def _date_arg(text: str) -> str:
    """argparse type for dates: a bad date is a usage error (exit 2)."""
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None
    return text


def _request_id(p: Any) -> None:
    p.add_argument(
        "--request-id", metavar="ID", help="idempotency key (default: a new one, printed on stderr)"
    )


def _fen(p: Any) -> None:
    p.add_argument("--fen", action="store_true", help="amounts are whole fen instead of yuan")


def _member_programme(p: Any) -> None:
    p.add_argument("--member", required=True, help="member id")
    p.add_argument("--program", required=True, help="mutual-aid programme code, e.g. MED_AID")
    p.add_argument("--year", type=int, required=True, help="fiscal year")
    p.add_argument("--period", help="period id (default: the fiscal year, e.g. 2026)")


def _filters(p: Any) -> None:
    p.add_argument("--program", help="only this programme code")
    p.add_argument("--year", type=int, help="only this fiscal year")
    p.add_argument("--member", help="only this member")
    p.add_argument("--page-size", type=int, default=100, help="rows per call (1-500)")


def add_commands(commands: Any, sub: Sub) -> None:
    contribution = commands.add_parser("contribution", help="mutual-aid contributions")
    group = contribution.add_subparsers(
        dest="contribution_command", required=True, metavar="COMMAND"
    )
    p = sub(group, "record", cmd_contribution_record, "record a member's contribution for a period")
    _member_programme(p)
    p.add_argument("--amount", required=True, help="amount in yuan, e.g. 120 (fen with --fen)")
    p.add_argument("--date", required=True, type=_date_arg, help="contribution date YYYY-MM-DD")
    p.add_argument("--ref", default="", help="external reference")
    _fen(p)
    _request_id(p)

    pool = commands.add_parser("pool", help="mutual-aid pools")
    group = pool.add_subparsers(dest="pool_command", required=True, metavar="COMMAND")
    p = sub(group, "show", cmd_pool_show, "a pool's balance, contributions and claims paid")
    p.add_argument("code", help="mutual-aid programme code")
    p.add_argument("--year", type=int, required=True, help="fiscal year")

    claim = commands.add_parser("claim", help="file, review, approve, pay and list claims")
    group = claim.add_subparsers(dest="claim_command", required=True, metavar="COMMAND")
    p = sub(group, "file", cmd_claim_file, "file a claim (the maker)")
    _member_programme(p)
    p.add_argument("--category", required=True, help="claim category, e.g. ILLNESS, ACCIDENT")
    p.add_argument("--incident-date", required=True, help="date of the illness or accident")
    p.add_argument("--bill-total", required=True, help="the bill's total")
    p.add_argument("--insurance", default="0", help="part covered by basic medical insurance")
    p.add_argument("--self-paid", required=True, help="part the member paid")
    p.add_argument("--hospital", required=True)
    p.add_argument("--bill-ref", required=True, help="the hospital's bill reference")
    p.add_argument("--document", action="append", help="a supporting document's reference")
    p.add_argument("--note", default="")
    _fen(p)
    _request_id(p)
    p = sub(group, "review", cmd_claim_review, "start reviewing a filed claim")
    p.add_argument("claim_id")
    p.add_argument("--note", default="")
    _request_id(p)
    p = sub(
        group, "approve", cmd_claim_approve, "approve the computed benefit, or less (the checker)"
    )
    p.add_argument("claim_id")
    p.add_argument("--amount", help="approve less than the computed benefit (needs --reason)")
    p.add_argument("--reason", default="", help="why less than the computed benefit")
    _fen(p)
    _request_id(p)
    p = sub(group, "reject", cmd_claim_reject, "reject a claim under review")
    p.add_argument("claim_id")
    p.add_argument("--reason", required=True, choices=list(REJECTIONS))
    p.add_argument("--note", default="")
    _request_id(p)
    p = sub(group, "withdraw", cmd_claim_withdraw, "withdraw a claim not yet paid")
    p.add_argument("claim_id")
    p.add_argument("--note", default="")
    _request_id(p)
    p = sub(group, "pay", cmd_claim_pay, "pay an approved claim from the pool")
    p.add_argument("claim_id")
    p.add_argument("--date", required=True, type=_date_arg, help="payment date YYYY-MM-DD")
    _request_id(p)
    p = sub(group, "show", cmd_claim_show, "one claim with its history")
    p.add_argument("claim_id")
    p = sub(group, "list", cmd_claim_list, "claims in filing order")
    _filters(p)
    p.add_argument("--state", choices=list(STATES))

    aid = commands.add_parser("aid", help="emergency aid: verify, recover, overdue")
    group = aid.add_subparsers(dest="aid_command", required=True, metavar="COMMAND")
    p = sub(group, "verify", cmd_aid_verify, "record that an emergency payout was verified")
    p.add_argument("entry_id", help="the emergency payout's entry id")
    p.add_argument("--date", required=True, type=_date_arg, help="verification date")
    p.add_argument("--note", default="")
    _request_id(p)
    p = sub(group, "recover", cmd_aid_recover, "recover (part of) an unverified emergency payout")
    p.add_argument("entry_id", help="the emergency payout's entry id")
    p.add_argument("--amount", required=True, help="this instalment, in yuan (fen with --fen)")
    p.add_argument("--date", required=True, type=_date_arg, help="recovery date")
    p.add_argument("--note", default="")
    _fen(p)
    _request_id(p)
    p = sub(group, "overdue", cmd_aid_overdue, "emergency aid not verified by its due date")
    p.add_argument("--as-of", type=_date_arg, help="judge on this date (default: today, Beijing)")
    _filters(p)


# -- programme rules on `benefits program open` ------------------------------------


def add_programme_rule_options(p: Any) -> None:
    """Options of ``program open`` for mutual-aid pools, emergency and secondary aid."""
    rules = p.add_argument_group("mutual-aid pool (kind MUTUAL_AID)")
    rules.add_argument(
        "--category",
        action="append",
        metavar="CATEGORY=BP",
        help="a claim category and its reimbursement ratio in basis points, e.g. ILLNESS=7000 "
        "(repeat for each category; makes the programme a mutual-aid pool)",
    )
    rules.add_argument(
        "--period",
        action="append",
        metavar="ID:START:END",
        help="a contribution period, e.g. 2026H1:2026-01-01:2026-06-30 (repeatable; "
        "default: one period named after the fiscal year)",
    )
    rules.add_argument("--contribution", help="contribution per member and period (0: any)")
    rules.add_argument("--waiting-days", type=int, default=0, help="days before coverage starts")
    rules.add_argument("--deductible", help="deducted from the self-paid amount of each claim")
    rules.add_argument("--per-claim-cap", help="cap on the benefit of one claim")
    rules.add_argument("--per-period-cap", help="cap on a member's benefits in one period")
    rules.add_argument("--overdraft", help="how far below zero the pool may go")
    p.add_argument(
        "--verify-within-days",
        type=int,
        help="emergency aid: each payout must be verified within this many days",
    )
    p.add_argument(
        "--secondary-of",
        metavar="CODE",
        help="secondary aid: the mutual-aid programme whose paid claims qualify a member",
    )


def _rule_pairs(values: list[str] | None, option: str, parts: int) -> list[list[str]]:
    found = []
    for value in values or ():
        separator = "=" if parts == 2 else ":"
        pieces = value.split(separator)
        if len(pieces) != parts or not all(pieces):
            shape = "CATEGORY=BP" if parts == 2 else "ID:START:END"
            raise UsageError(f"--{option}: expected {shape}, got {value!r}")
        found.append(pieces)
    return found


def programme_rules(cli: Cli) -> dict[str, Any]:
    """The rule sub-messages of an OpenProgramRequest from ``program open``'s options."""
    a = cli.args
    fields: dict[str, Any] = {}
    categories = []
    for category, ratio in _rule_pairs(a.category, "category", 2):
        if not ratio.isdigit():
            raise UsageError(f"--category: the ratio must be basis points (1-10000), got {ratio!r}")
        categories.append(ledger_pb2.CategoryRatio(category=category, ratio_bp=int(ratio)))
    periods = [
        ledger_pb2.MutualAidPeriod(period_id=pid, start_date=start, end_date=end)
        for pid, start, end in _rule_pairs(a.period, "period", 3)
    ]
    if categories or periods:
        fields["mutual_aid"] = ledger_pb2.MutualAidRules(
            periods=periods,
            contribution_fen=cli.amount("contribution", allow_zero=True),
            waiting_days=a.waiting_days,
            deductible_fen=cli.amount("deductible", allow_zero=True),
            categories=categories,
            per_claim_cap_fen=cli.amount("per_claim_cap", allow_zero=True),
            per_period_cap_fen=cli.amount("per_period_cap", allow_zero=True),
            overdraft_fen=cli.amount("overdraft", allow_zero=True),
        )
    if a.verify_within_days is not None:
        fields["emergency"] = ledger_pb2.EmergencyRules(verify_within_days=a.verify_within_days)
    if a.secondary_of:
        fields["secondary_aid"] = ledger_pb2.SecondaryAidRules(
            mutual_aid_program_code=a.secondary_of
        )
    return fields
