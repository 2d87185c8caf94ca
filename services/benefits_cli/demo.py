"""``benefits demo``: a realistic year against a running stack (``make up``).

1. registers a city's union tree: 广东省总工会 > 深圳市总工会 > six district
   unions with grassroots unions under each, and two grassroots unions directly
   under the city;
2. enrols ``--enrol`` members (10,000 by default) through the members service,
   a few in flight at once, opens hardship files for about 8% of them and moves
   about 1% to another union on 1 July;
3. opens the brief's programmes for the year with their published budgets
   (green travel 2,210万元, winter warmth 800万元, ...);
4. posts a year of payouts in all-or-nothing batches, scaled to the
   membership (monthly green-travel credits, winter warmth before the Spring
   Festival, education aid in August, major-illness aid, emergency aid paid
   first and verified after, breakfasts for sanitation workers, ...), every
   payout carrying the members-log position it must be judged on; sends two
   batches again with the same request ids (replayed, not paid twice) and
   reverses about 0.5% of the payouts;
5. runs the medical mutual-aid pool: about half the members contribute 120
   yuan for the year, about 2% of them file a claim after the waiting period,
   which is reviewed, approved by a second identity (maker-checker: the
   reviewer key, ``--reviewer-key``, by default the development reviewer key
   `make up` writes) and paid from the pool; hardship members with a paid
   claim get secondary aid; most emergency aid is verified, some is left
   overdue;
6. waits until the reporting service has it all and prints the city's
   annual report.

Everything is derived from ``--seed``: running the demo again with the same
seed replays (nothing is paid twice); another seed enrols other people.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import dataclasses
import datetime as dt
import os
import random
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from google.protobuf.message import Message

from benefits_cli import report_formats as rf
from benefits_cli.client import (
    DEV_REVIEWER_KEY,
    CallError,
    CredentialsError,
    LedgerClient,
    dev_admin_key_path,
    read_key_file,
)
from benefits_cli.main import EXIT_FAILED, EXIT_OK, Cli, UsageError
from benefits_cli.progress import Progress
from benefits_platform.protos.benefits.v1 import (
    common_pb2,
    ledger_pb2,
    members_pb2,
    reporting_pb2,
)

PROVINCE, CITY = "GD", "GD-SZ"
DISTRICTS = [
    ("NS", "南山区", "Nanshan"),
    ("FT", "福田区", "Futian"),
    ("LH", "罗湖区", "Luohu"),
    ("BA", "宝安区", "Bao'an"),
    ("LG", "龙岗区", "Longgang"),
    ("LHQ", "龙华区", "Longhua"),
]
TRADES = [
    ("快递行业工会", "Couriers' union", "courier"),
    ("外卖配送工会", "Delivery riders' union", "delivery_rider"),
    ("网约车司机工会", "Ride-hailing drivers' union", "ride_hailing_driver"),
    ("环卫工人工会", "Sanitation workers' union", "sanitation_worker"),
    ("建筑工地工会", "Construction workers' union", "migrant_worker"),
]
CITY_UNIONS = [
    ("0100", "深圳地铁集团工会", "Shenzhen Metro union", "other"),
    ("0101", "深圳环卫集团工会", "Shenzhen Sanitation Group union", "sanitation_worker"),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
TIERS = [
    common_pb2.HARDSHIP_TIER_DEEP,
    common_pb2.HARDSHIP_TIER_RELATIVE,
    common_pb2.HARDSHIP_TIER_ACCIDENT,
    common_pb2.HARDSHIP_TIER_GENERAL,
]
# GB 11643: weights of the first 17 digits and the check character per remainder.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
# A hardship file already open, a member already in the union moved to: done by
# an earlier run of the same demo.
ALREADY_DONE = frozenset({"FAILED_PRECONDITION"})
WAIT_SECONDS = 180.0


# (code, name_zh, name_en, level, parent, the member group of its members)
UnitRow = tuple[str, str, str, Any, str, str]


@dataclass(frozen=True)
class Programme:
    code: str
    name_zh: str
    name_en: str
    kind: int
    budget_yuan: int
    standard_yuan: int = 0
    cap_yuan: int = 0
    groups: tuple[str, ...] = ()
    hardship_only: bool = False
    mutual_aid: ledger_pb2.MutualAidRules | None = None
    emergency: ledger_pb2.EmergencyRules | None = None
    secondary_aid: ledger_pb2.SecondaryAidRules | None = None


K = ledger_pb2
# One period, the fiscal year: 120 yuan a member; claims from 90 days after the
# contribution, less 500 yuan, at 60% (in-patient) or 40%, at most 1,000,000 yuan a claim.
MEDICAL_RULES = ledger_pb2.MutualAidRules(
    contribution_fen=12_000,
    waiting_days=90,
    deductible_fen=50_000,
    categories=[
        ledger_pb2.CategoryRatio(category="INPATIENT", ratio_bp=6_000),
        ledger_pb2.CategoryRatio(category="OUTPATIENT_CHRONIC", ratio_bp=4_000),
    ],
    per_claim_cap_fen=100_000_000,
)
# Budgets as published (see the design brief); payouts are scaled to the demo's members.
PROGRAMMES = [
    Programme(
        "GREEN_TRAVEL",
        "绿色出行",
        "Green-travel subsidy",
        K.PROGRAM_KIND_SUBSIDY,
        22_100_000,
        cap_yuan=600,
    ),
    Programme(
        "WINTER_WARMTH",
        "送温暖",
        "Winter warmth",
        K.PROGRAM_KIND_AID,
        8_000_000,
        standard_yuan=2_000,
        hardship_only=True,
    ),
    Programme(
        "EDUCATION_AID",
        "金秋助学",
        "Golden-autumn education aid",
        K.PROGRAM_KIND_AID,
        3_000_000,
        hardship_only=True,
    ),
    Programme(
        "MAJOR_ILLNESS",
        "重大疾病互助保障",
        "Major-illness mutual aid",
        K.PROGRAM_KIND_MUTUAL_AID,
        7_740_000,
    ),
    Programme(
        "SECONDARY_AID",
        "二次救助",
        "Secondary aid",
        K.PROGRAM_KIND_AID,
        774_000,
        hardship_only=True,
        secondary_aid=ledger_pb2.SecondaryAidRules(mutual_aid_program_code="MEDICAL_MUTUAL"),
    ),
    Programme(
        "EMERGENCY_AID",
        "临时救助",
        "Emergency aid",
        K.PROGRAM_KIND_AID,
        1_000_000,
        emergency=ledger_pb2.EmergencyRules(verify_within_days=30),
    ),
    Programme(
        "MEDICAL_MUTUAL",
        "职工医疗互助",
        "Medical mutual aid",
        K.PROGRAM_KIND_MUTUAL_AID,
        236_842_105,
        cap_yuan=1_000_000,
        mutual_aid=MEDICAL_RULES,
    ),
    Programme(
        "WORK_STUDY",
        "勤工俭学",
        "Work-study subsidy",
        K.PROGRAM_KIND_SUBSIDY,
        600_000,
        standard_yuan=3_000,
        hardship_only=True,
    ),
    Programme(
        "LOAN_INTEREST",
        "创业贷款贴息",
        "Business-loan interest subsidy",
        K.PROGRAM_KIND_SUBSIDY,
        1_070_000,
    ),
    Programme(
        "FREE_CHECKUP",
        "免费体检",
        "Free health check",
        K.PROGRAM_KIND_IN_KIND,
        3_000_000,
        standard_yuan=300,
    ),
    Programme(
        "SANITATION_BREAKFAST",
        "环卫工人免费早餐",
        "Free breakfast for sanitation workers",
        K.PROGRAM_KIND_IN_KIND,
        66_250_000,
        groups=("sanitation_worker",),
    ),
]


def national_id(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return first17 + ID_CHECK[total % 11]


@dataclass
class Member:
    member_id: str
    unit: str
    group: str
    household: str
    hardship: bool = False
    moved_to: str = ""


@dataclass
class World:
    year: int
    seed: int
    units: list[UnitRow] = field(default_factory=list)
    members: list[Member] = field(default_factory=list)
    members_position: int = 0


def build_units() -> list[UnitRow]:
    """(code, name_zh, name_en, level, parent, member group of its members)."""
    L = members_pb2
    units = [
        (
            PROVINCE,
            "广东省总工会",
            "Guangdong Federation of Trade Unions",
            L.UNIT_LEVEL_PROVINCE,
            "",
            "",
        ),
        (
            CITY,
            "深圳市总工会",
            "Shenzhen Federation of Trade Unions",
            L.UNIT_LEVEL_CITY,
            PROVINCE,
            "",
        ),
    ]
    for code, zh, en in DISTRICTS:
        district = f"{CITY}-{code}"
        units.append(
            (district, f"{zh}总工会", f"{en} district union", L.UNIT_LEVEL_COUNTY, CITY, "")
        )
        for i, (trade_zh, trade_en, group) in enumerate(TRADES, 1):
            units.append(
                (
                    f"{district}-{i:04d}",
                    f"{zh}{trade_zh}",
                    f"{en} {trade_en}",
                    L.UNIT_LEVEL_GRASSROOTS,
                    district,
                    group,
                )
            )
    for code, zh, en, group in CITY_UNIONS:
        units.append((f"{CITY}-{code}", zh, en, L.UNIT_LEVEL_GRASSROOTS, CITY, group))
    return units


def build_members(world: World, count: int, rng: random.Random) -> None:
    grassroots = [u for u in world.units if u[3] == members_pb2.UNIT_LEVEL_GRASSROOTS]
    for n in range(count):
        unit = grassroots[n % len(grassroots)]
        member = Member(
            member_id=f"DM{world.seed}-{n:06d}",
            unit=unit[0],
            group=unit[5],
            household=f"DH{world.seed}-{n - 1 if n % 4 == 3 else n:06d}",  # some share a home
            hardship=rng.random() < 0.08,
        )
        if rng.random() < 0.01:
            member.moved_to = rng.choice(grassroots)[0]
        world.members.append(member)


def enrol_request(world: World, n: int, member: Member, rng: random.Random) -> Any:
    # (birth date, sequence) differs for every n below 200,000: no two people alike.
    born = dt.date(1965, 1, 1) + dt.timedelta(days=(n // 1000) * 53)
    first17 = f"44{world.seed % 10_000:04d}{born:%Y%m%d}{n % 1000:03d}"
    return members_pb2.EnrollMemberRequest(
        member_id=member.member_id,
        name=rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2))),
        national_id=national_id(first17),
        unit_code=member.unit,
        member_groups=[member.group] if member.group else ["other"],
        household_id=member.household,
        join_date=f"{world.year - 1 - n % 10}-03-01",
    )


def _settle(futures: Iterable[cf.Future[Any]], bar: Progress, done_already: bool = False) -> int:
    """Wait for calls; their largest members-log position. With
    ``done_already``, a change refused as made already (by an earlier run) is
    fine; any other refusal stops the demo. Registrations and enrolments replay."""
    position = 0
    for future in cf.as_completed(list(futures)):
        try:
            position = max(position, int(future.result().log_position))
        except CallError as error:
            if not done_already or error.status not in ALREADY_DONE:
                raise
        bar.advance(1)
    return position


def register_and_enrol(cli: Cli, world: World, rng: random.Random, workers: int) -> None:
    members = cli.members
    cli.note(f"registering {len(world.units)} units of {CITY}")
    bar = Progress(len(world.units), cli.err)
    for code, zh, en, level, parent, _group in world.units:  # parents first, one by one
        request = members_pb2.RegisterUnitRequest(
            code=code,
            name_zh=zh,
            name_en=en,
            level=level,
            parent_code=parent,  # type: ignore[arg-type]
        )
        change = members.register_unit(request)  # the same unit again replays
        world.members_position = max(world.members_position, change.log_position)
        bar.advance(1)
    bar.finish()
    cli.note(f"enrolling {len(world.members):,} members")
    bar = Progress(len(world.members), cli.err)
    requests = [enrol_request(world, n, m, rng) for n, m in enumerate(world.members)]
    with cf.ThreadPoolExecutor(workers) as pool:
        futures = [pool.submit(members.enroll, request) for request in requests]
        world.members_position = max(world.members_position, _settle(futures, bar))
        bar.finish()
        changes: list[tuple[str, Message]] = []
        for m in world.members:
            if m.hardship:
                changes.append(
                    (
                        "OpenHardshipFile",
                        members_pb2.OpenHardshipFileRequest(
                            member_id=m.member_id,
                            tier=rng.choice(TIERS),
                            causes=[members_pb2.HARDSHIP_CAUSE_ILLNESS],
                            effective_date=f"{world.year - 1}-12-01",
                            review_due_date=f"{world.year}-12-01",
                        ),
                    )
                )
            if m.moved_to and m.moved_to != m.unit:
                changes.append(
                    (
                        "TransferMember",
                        members_pb2.TransferMemberRequest(
                            member_id=m.member_id,
                            to_unit_code=m.moved_to,
                            effective_date=f"{world.year}-07-01",
                        ),
                    )
                )
        cli.note(f"opening hardship files and transfers: {len(changes):,} changes")
        bar = Progress(len(changes), cli.err)
        futures = [pool.submit(members.change, method, req) for method, req in changes]
        changed = _settle(futures, bar, done_already=True)
        world.members_position = max(world.members_position, changed)
        bar.finish()


def open_programmes(cli: Cli, year: int) -> None:
    for p in PROGRAMMES:
        request = ledger_pb2.OpenProgramRequest(
            code=p.code,
            fiscal_year=year,
            name_zh=p.name_zh,
            name_en=p.name_en,
            kind=p.kind,  # type: ignore[arg-type]
            budget_fen=p.budget_yuan * 100,
            standard_amount_fen=p.standard_yuan * 100,
            per_member_annual_cap_fen=p.cap_yuan * 100,
            eligibility=ledger_pb2.Eligibility(
                member_groups=list(p.groups), hardship_only=p.hardship_only
            ),
            request_id=f"demo-open-{p.code}-{year}",
            mutual_aid=p.mutual_aid,
            emergency=p.emergency,
            secondary_aid=p.secondary_aid,
        )
        cli.client.open_program(request)
    cli.note(f"opened {len(PROGRAMMES)} programmes for {year}")


def year_of_payouts(world: World, rng: random.Random) -> list[ledger_pb2.PostPayoutRequest]:
    """The year's payouts, scaled to the members (see the module docstring)."""
    y, rows = world.year, []
    hardship = [m for m in world.members if m.hardship]

    def pay(code: str, m: Member, yuan_: int, date: str, n: int) -> None:
        rows.append(payout(world, code, m, yuan_, date, n))

    for month in range(1, 13):
        for m in world.members:
            if rng.random() < 0.6:
                pay("GREEN_TRAVEL", m, rng.randint(20, 30), f"{y}-{month:02d}-25", month)
            if m.group == "sanitation_worker":
                pay("SANITATION_BREAKFAST", m, 22 * 5, f"{y}-{month:02d}-28", month)
    for m in hardship:
        pay("WINTER_WARMTH", m, 2_000, f"{y}-01-20", 1)
        if rng.random() < 0.4:
            pay("EDUCATION_AID", m, rng.choice([3_000, 5_000]), f"{y}-08-20", 1)
        if rng.random() < 0.1:
            pay("WORK_STUDY", m, 3_000, f"{y}-07-31", 1)
    for m in world.members:
        if rng.random() < 0.01:
            pay(
                "MAJOR_ILLNESS", m, rng.randint(20, 80) * 100, f"{y}-{rng.randint(1, 12):02d}-10", 1
            )
        if rng.random() < 0.003:
            pay("EMERGENCY_AID", m, 2_500, f"{y}-{rng.randint(1, 12):02d}-12", 1)
        if rng.random() < 0.001:
            pay("LOAN_INTEREST", m, rng.randint(15_000, 40_000), f"{y}-12-15", 1)
        if rng.random() < 0.3:
            pay("FREE_CHECKUP", m, 300, f"{y}-{rng.randint(4, 6):02d}-15", 1)
    rows.sort(key=lambda r: (r.effective_date, r.request_id))
    return rows


def payout(
    world: World, code: str, m: Member, yuan_: int, date: str, n: int
) -> ledger_pb2.PostPayoutRequest:
    """The demo's n-th payout of ``code`` to ``m`` (its request id says which)."""
    return ledger_pb2.PostPayoutRequest(
        request_id=f"demo-{world.seed}-{world.year}-{code}-{m.member_id}-{n}",
        member_id=m.member_id,
        program_code=code,
        fiscal_year=world.year,
        amount_fen=yuan_ * 100,
        effective_date=date,
        external_ref=f"{code[:3]}-{m.member_id}-{n}",
        members_position=world.members_position,
    )


@dataclass
class Year:
    """What the demo recorded: payouts (claims paid included), reversals, the
    emergency aid paid and not reversed, and what the report must show of the
    mutual-aid claims and the verifications once it has caught up."""

    payouts: int = 0
    reversals: int = 0
    emergency: list[ledger_pb2.Entry] = field(default_factory=list)
    verified: int = 0
    claims_filed: int = 0
    claims_rejected: int = 0
    claims_paid: int = 0

    def shown_in(self, report: reporting_pb2.AnnualReport) -> bool:
        """Whether ``report`` holds all of it."""
        t = report.totals
        mutual = [c.totals for c in report.mutual_aid]
        rejected = sum(
            s.count
            for c in mutual
            for s in c.by_state
            if s.state == ledger_pb2.CLAIM_STATE_REJECTED
        )
        return (
            t.payout_count >= self.payouts
            and t.reversal_count >= self.reversals
            and sum(e.verified_count for e in report.emergency_aid) >= self.verified
            and sum(c.claim_count for c in mutual) >= self.claims_filed
            and sum(c.paid_count for c in mutual) >= self.claims_paid
            and rejected >= self.claims_rejected
        )


def post_year(cli: Cli, world: World, rng: random.Random, batch: int) -> Year:
    """Post the payouts, send two batches again, reverse a few."""
    rows = year_of_payouts(world, rng)
    cli.note(f"posting {len(rows):,} payouts in batches of {batch:,}")
    ledger: LedgerClient = cli.client
    bar = Progress(len(rows), cli.err)
    entries: list[ledger_pb2.Entry] = []
    chunks = [rows[i : i + batch] for i in range(0, len(rows), batch)]
    for chunk in chunks:
        entries.extend(ledger.post_payouts(chunk).entries)
        bar.advance(len(chunk))
    bar.finish()
    replayed = 0
    for chunk in (chunks[0], chunks[len(chunks) // 2]):  # a client retrying after a timeout
        replayed += ledger.post_payouts(chunk).replayed_count
    cli.note(
        f"sent 2 batches again with the same request ids: {replayed:,} replayed, none paid twice"
    )
    victims = rng.sample(entries, max(1, len(entries) // 200))
    reasons = [
        K.REVERSAL_REASON_RETURNED_BY_BANK,
        K.REVERSAL_REASON_DUPLICATE_PAYMENT,
        K.REVERSAL_REASON_WRONG_AMOUNT,
    ]
    bar = Progress(len(victims), cli.err)
    for entry in victims:
        ledger.reverse_payout(
            ledger_pb2.ReversePayoutRequest(
                request_id=f"demo-reverse-{entry.entry_id}",
                entry_id=entry.entry_id,
                reason=rng.choice(reasons),  # type: ignore[arg-type]
                note="demo correction",
            )
        )
        bar.advance(1)
    bar.finish()
    cli.note(f"reversed {len(victims):,} payouts")
    reversed_ids = {e.entry_id for e in victims}
    emergency = [
        e for e in entries if e.program_code == "EMERGENCY_AID" and e.entry_id not in reversed_ids
    ]
    return Year(len(entries), len(victims), emergency)


def mutual_aid_year(
    cli: Cli,
    world: World,
    rng: random.Random,
    batch: int,
    reviewer: LedgerClient | None,
    year: Year,
) -> list[Member]:
    """The medical mutual-aid pool's year (see the module docstring); the
    members whose claims were paid."""
    y, ledger = world.year, cli.client
    code = "MEDICAL_MUTUAL"
    contributors = [m for m in world.members if rng.random() < 0.5]
    rows = [
        ledger_pb2.RecordContributionRequest(
            request_id=f"demo-{world.seed}-{y}-contribution-{m.member_id}",
            member_id=m.member_id,
            program_code=code,
            fiscal_year=y,
            period_id=str(y),
            amount_fen=12_000,
            effective_date=f"{y}-01-02",
            external_ref=f"MED-{m.member_id}",
            members_position=world.members_position,
        )
        for m in contributors
    ]
    for i in range(0, len(rows), batch):
        ledger.call(
            "RecordContributions",
            ledger_pb2.RecordContributionsRequest(contributions=rows[i : i + batch]),
            ledger_pb2.RecordContributionsResponse,
        )
    cli.note(f"{len(rows):,} members contributed 120 yuan each to the {code} pool")
    claimants = [m for m in contributors if rng.random() < 0.02]
    # (request id, claim, date to pay it on, member)
    claims: list[tuple[str, ledger_pb2.Claim, str, Member]] = []
    deductible = MEDICAL_RULES.deductible_fen
    for m in claimants:
        inpatient = rng.random() < 0.7
        incident = dt.date(y, 4, 15) + dt.timedelta(days=rng.randint(0, 200))
        bill = rng.randint(30, 250) * 10_000 if inpatient else rng.randint(5, 40) * 10_000
        covered = bill * rng.randint(50, 70) // 100
        rid = f"demo-{world.seed}-{y}-claim-{m.member_id}"
        claim = ledger.call(
            "FileClaim",
            ledger_pb2.FileClaimRequest(
                request_id=rid,
                member_id=m.member_id,
                program_code=code,
                fiscal_year=y,
                period_id=str(y),
                category="INPATIENT" if inpatient else "OUTPATIENT_CHRONIC",
                incident_date=incident.isoformat(),
                bill_total_fen=bill,
                insurance_covered_fen=covered,
                self_paid_fen=bill - covered,
                hospital="深圳市人民医院" if inpatient else "南山区社康中心",
                bill_ref=f"BILL-{world.seed}-{y}-{m.member_id}",
                members_position=world.members_position,
            ),
            ledger_pb2.Claim,
        )
        ledger.call(
            "StartReview",
            ledger_pb2.StartReviewRequest(request_id=f"{rid}-review", claim_id=claim.claim_id),
            ledger_pb2.Claim,
        )
        paid_on = min(incident + dt.timedelta(days=20), dt.date(y, 12, 31)).isoformat()
        claims.append((rid, claim, paid_on, m))
    year.claims_filed = len(claims)
    if reviewer is None:
        cli.note(
            f"filed {len(claims):,} claims, left under review: approving needs a second "
            "identity (maker-checker); pass --reviewer-key"
        )
        return []
    paid: list[Member] = []
    rejected = 0
    for rid, claim, paid_on, m in claims:
        if claim.self_paid_fen <= deductible:  # nothing to pay: the reviewer rejects it
            reviewer.call(
                "RejectClaim",
                ledger_pb2.RejectClaimRequest(
                    request_id=f"{rid}-reject",
                    claim_id=claim.claim_id,
                    reason=ledger_pb2.CLAIM_REJECTION_REASON_NOT_COVERED,
                    note="self-paid amount within the deductible",
                ),
                ledger_pb2.Claim,
            )
            rejected += 1
            continue
        reviewer.call(
            "ApproveClaim",
            ledger_pb2.ApproveClaimRequest(request_id=f"{rid}-approve", claim_id=claim.claim_id),
            ledger_pb2.Claim,
        )
        try:
            ledger.call(
                "PayClaim",
                ledger_pb2.PayClaimRequest(
                    request_id=f"{rid}-pay", claim_id=claim.claim_id, effective_date=paid_on
                ),
                ledger_pb2.Claim,
            )
        except CallError as error:
            if error.status != "FAILED_PRECONDITION":
                raise
            continue  # the pool cannot pay it (yet): left approved
        paid.append(m)
    year.claims_rejected, year.claims_paid = rejected, len(paid)
    cli.note(
        f"filed {len(claims):,} claims, rejected {rejected:,} within the deductible, approved "
        f"the rest as a second identity, paid {len(paid):,} from the pool"
    )
    return paid


@contextlib.contextmanager
def reviewer_client(cli: Cli) -> Iterator[LedgerClient | None]:
    """A ledger client that calls as the reviewer (a second identity, for
    maker-checker): the key of --reviewer-key, BENEFITS_REVIEWER_KEY,
    --reviewer-key-file, or the development reviewer key beside the
    development admin key; None when there is none."""
    a = cli.args
    key = a.reviewer_key.strip() or os.environ.get("BENEFITS_REVIEWER_KEY", "").strip()
    if not key:
        path = Path(a.reviewer_key_file) if a.reviewer_key_file else None
        if path is None and dev_admin_key_path().with_name(DEV_REVIEWER_KEY).is_file():
            path = dev_admin_key_path().with_name(DEV_REVIEWER_KEY)
        if path is not None:
            try:
                key = read_key_file(path, "--reviewer-key-file")
            except CredentialsError as error:
                raise UsageError(str(error)) from None
    if not key:
        yield None
        return
    credentials = dataclasses.replace(cli.credentials, api_key=key, source="reviewer key")
    with LedgerClient(
        a.ledger, a.timeout, a.request_id_prefix, credentials=credentials
    ) as client:
        yield client


def secondary_aid(cli: Cli, world: World, paid: list[Member]) -> int:
    """二次救助 for the hardship members among those whose claims were paid."""
    rows = [
        payout(world, "SECONDARY_AID", m, 2_138, f"{world.year}-12-01", 1)
        for m in paid
        if m.hardship
    ]
    if rows:
        cli.client.post_payouts(rows)
    cli.note(f"secondary aid paid to {len(rows):,} hardship members with a paid claim")
    return len(rows)


def verify_emergency_aid(cli: Cli, world: World, rng: random.Random, year: Year) -> None:
    """Most emergency aid verified within its 30 days; the rest left to show as overdue."""
    verified = 0
    for entry in year.emergency:
        if rng.random() < 0.8:
            paid_on = dt.date.fromisoformat(entry.effective_date)
            cli.client.call(
                "VerifyEmergencyAid",
                ledger_pb2.VerifyEmergencyAidRequest(
                    request_id=f"demo-{world.seed}-verify-{entry.entry_id}",
                    entry_id=entry.entry_id,
                    verified_on=(paid_on + dt.timedelta(days=rng.randint(3, 25))).isoformat(),
                    note="demo: the union visited and confirmed the hardship",
                ),
                ledger_pb2.EmergencyObligation,
            )
            verified += 1
    year.verified = verified
    cli.note(f"emergency aid: {verified:,} of {len(year.emergency):,} payouts verified")


def wait_for_report(
    cli: Cli, client: Any, fiscal_year: int, year: Year
) -> reporting_pb2.AnnualReport:
    """The city's report, once the projections hold everything the demo recorded."""
    request = reporting_pb2.GetAnnualReportRequest(
        fiscal_year=fiscal_year, unit_code=CITY, unit_depth=1
    )
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        report: reporting_pb2.AnnualReport = client.annual_report(request)
        if year.shown_in(report):
            return report
        if time.monotonic() > deadline:
            cli.note("the reporting service has not caught up yet; the report may be partial")
            return report
        time.sleep(0.5)


def cmd_demo(cli: Cli) -> int:
    from benefits_cli.reports import reporting_client

    a = cli.args
    if not 1 <= a.enrol <= 200_000:
        raise UsageError("--enrol must be 1 to 200,000")
    if not 1 <= a.batch <= 10_000:
        raise UsageError("--batch must be 1 to 10,000")
    rng = random.Random(a.seed)  # noqa: S311 (synthetic demo data, not secrets)
    world = World(year=a.year, seed=a.seed, units=build_units())
    build_members(world, a.enrol, rng)
    started = time.monotonic()
    try:
        register_and_enrol(cli, world, rng, a.concurrency)
        open_programmes(cli, world.year)
        year = post_year(cli, world, rng, a.batch)
        with reviewer_client(cli) as reviewer:
            paid = mutual_aid_year(cli, world, rng, a.batch, reviewer, year)
        year.payouts += len(paid) + secondary_aid(cli, world, paid)
        verify_emergency_aid(cli, world, rng, year)
        with reporting_client(cli) as client:
            cli.note("waiting for the reporting service to catch up")
            report = wait_for_report(cli, client, world.year, year)
    except CallError as error:
        cli.note(f"error: {error}")
        if error.hint():
            cli.note(f"hint: {error.hint()}")
        return EXIT_FAILED
    cli.note(f"demo done in {time.monotonic() - started:.1f} s")
    print(rf.as_table(report), file=cli.out)
    return EXIT_OK


def add_command(
    commands: Any, sub: Callable[..., Any], reporting_option: Callable[[Any], None]
) -> None:
    p = sub(
        commands,
        "demo",
        cmd_demo,
        "post a realistic year against a running stack, then print the annual report",
    )
    p.add_argument(
        "--enrol", type=int, default=3_000, metavar="N", help="members to enrol (default 3,000)"
    )
    p.add_argument("--year", type=int, default=dt.date.today().year, help="fiscal year")
    p.add_argument("--seed", type=int, default=1, help="the same seed replays the same demo")
    p.add_argument("--batch", type=int, default=1_000, help="payouts per call (default 1,000)")
    p.add_argument("--concurrency", type=int, default=16, help="members calls in flight")
    p.add_argument(
        "--reviewer-key",
        default="",
        metavar="KEY",
        help="API key of a second identity with the REVIEWER role, to approve the demo's "
        "mutual-aid claims (default: BENEFITS_REVIEWER_KEY, else the development reviewer key)",
    )
    p.add_argument(
        "--reviewer-key-file", default="", metavar="FILE", help="the reviewer's key, from a file"
    )
    reporting_option(p)
