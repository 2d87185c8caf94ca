"""Programmes: data, not code. A programme is opened for one fiscal year with a
budget, optional standard amount and per-member annual cap, eligibility, and
optional rules: a mutual-aid pool, pay-first emergency aid, secondary aid."""

from __future__ import annotations

import functools
import hashlib
from enum import Enum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from benefits_platform.domain_errors import FailedPrecondition, InvalidArgument

from . import values
from .rules import MutualAidRules, validate_emergency

PROGRAMME_NS = uuid5(NAMESPACE_URL, "urn:benefits:ledger:programme")


class ProgramKind(Enum):
    SUBSIDY = "SUBSIDY"  # stored value on the member card
    AID = "AID"  # cash aid
    MUTUAL_AID = "MUTUAL_AID"  # mutual-aid claims
    IN_KIND = "IN_KIND"  # benefits in kind, valued at cost


SUBSIDY = ProgramKind.SUBSIDY.value


@functools.lru_cache(maxsize=4096)
def programme_id(code: str, fiscal_year: int) -> UUID:
    return uuid5(PROGRAMME_NS, f"{code}:{fiscal_year}")


class Programme(Aggregate):
    """A programme's definition and open/closed state. What it has committed is
    derived from the entries (see LedgerBook), so a payout writes one event."""

    class ProgramOpened(Aggregate.Created):
        code: str
        fiscal_year: int
        name_zh: str
        name_en: str
        kind: str
        budget_fen: int
        standard_amount_fen: int
        per_member_annual_cap_fen: int
        member_groups: list[str]
        hardship_only: bool
        request_id: str
        body_digest: str
        tier_standards: dict[str, int]
        actor: str
        mutual_aid: dict[str, Any]
        emergency: dict[str, Any]
        secondary_aid_of: str

        class_version = 3

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            """v1 programmes had one standard amount for every hardship tier."""
            state["tier_standards"] = {}

        @staticmethod
        def upcast_v2_v3(state: dict[str, object]) -> None:
            """v2 programmes recorded no caller and had no pool, emergency or
            secondary-aid rules."""
            state["actor"] = ""
            state["mutual_aid"] = {}
            state["emergency"] = {}
            state["secondary_aid_of"] = ""

    class ProgramClosed(Aggregate.Event):
        code: str
        fiscal_year: int
        reason: str
        actor: str

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            state["actor"] = ""

        def apply(self, programme: Any) -> None:
            programme.closed = True
            programme.closed_on = self.timestamp
            programme.close_reason = self.reason

    @staticmethod
    def create_id(code: str, fiscal_year: int) -> UUID:
        return programme_id(code, fiscal_year)

    @event(ProgramOpened)
    def __init__(
        self,
        code: str,
        fiscal_year: int,
        name_zh: str,
        name_en: str,
        kind: str,
        budget_fen: int,
        standard_amount_fen: int,
        per_member_annual_cap_fen: int,
        member_groups: list[str],
        hardship_only: bool,
        request_id: str,
        body_digest: str,
        tier_standards: dict[str, int],
        actor: str,
        mutual_aid: dict[str, Any],
        emergency: dict[str, Any],
        secondary_aid_of: str,
    ) -> None:
        self.code = code
        self.actor = actor
        self.mutual_aid_state = dict(mutual_aid)
        self.mutual_aid: MutualAidRules | None = MutualAidRules.of(mutual_aid)
        self.emergency_state = dict(emergency)
        self.verify_within_days = int(emergency.get("verify_within_days", 0))
        self.secondary_aid_of = secondary_aid_of
        self.tier_standards = dict(tier_standards)
        self.fiscal_year = fiscal_year
        self.name_zh = name_zh
        self.name_en = name_en
        self.kind = kind
        self.budget_fen = budget_fen
        self.standard_amount_fen = standard_amount_fen
        self.per_member_annual_cap_fen = per_member_annual_cap_fen
        self.member_groups = list(member_groups)
        self.hardship_only = hardship_only
        self.request_id = request_id
        self.body_digest = body_digest
        self.closed = False
        self.closed_on: Any = None
        self.close_reason = ""

    def standard_for(self, tier: str) -> int:
        """The standard amount for a hardship tier (the programme's standard if none)."""
        return self.tier_standards.get(tier, self.standard_amount_fen)

    @property
    def stored_value(self) -> bool:
        """Subsidies stay on the member card; other kinds leave through clearing."""
        return self.kind == SUBSIDY

    def check_open(self) -> None:
        if self.closed:
            raise FailedPrecondition(
                f"program_code: programme {self.code} {self.fiscal_year} is closed; "
                "no payouts are accepted"
            )

    @property
    def emergency(self) -> bool:
        """Pay first, verify after: each payout records an obligation to verify."""
        return self.verify_within_days > 0

    def pool(self) -> MutualAidRules:
        """The mutual-aid rules; FAILED_PRECONDITION when the programme has none."""
        if self.mutual_aid is None:
            raise FailedPrecondition(
                f"program_code: programme {self.code} {self.fiscal_year} is not a mutual-aid "
                "pool (it was opened without mutual_aid rules)"
            )
        return self.mutual_aid

    def close(self, reason: str, actor: str = "") -> None:
        self.check_open()
        self.trigger_event(
            self.ProgramClosed,
            code=self.code,
            fiscal_year=self.fiscal_year,
            reason=reason,
            actor=actor,
        )


def open_programme_digest(
    *,
    code: str,
    fiscal_year: int,
    name_zh: str,
    name_en: str,
    kind: str,
    budget_fen: int,
    standard_amount_fen: int,
    per_member_annual_cap_fen: int,
    member_groups: list[str],
    hardship_only: bool,
    tier_standards: dict[str, int],
    rules: str = "",
) -> str:
    """SHA-256 of the programme's definition. ``rules`` (the mutual-aid,
    emergency and secondary-aid rules in text) is appended only when set, so the
    digest of a programme without rules is what it always was."""
    parts = [
        ",".join(f"{tier}={amount}" for tier, amount in sorted(tier_standards.items())),
        code,
        str(fiscal_year),
        name_zh,
        name_en,
        kind,
        str(budget_fen),
        str(standard_amount_fen),
        str(per_member_annual_cap_fen),
        ",".join(member_groups),
        str(hardship_only),
    ]
    if rules:
        parts.append(rules)
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def validate_open(
    *,
    code: str,
    fiscal_year: int,
    name_zh: str,
    name_en: str,
    kind: str,
    budget_fen: int,
    standard_amount_fen: int,
    per_member_annual_cap_fen: int,
    member_groups: list[str],
    mutual_aid: MutualAidRules | None = None,
    verify_within_days: int = 0,
    secondary_aid_of: str = "",
) -> None:
    values.program_code(code, "code")
    values.fiscal_year(fiscal_year)
    values.text(name_zh, "name_zh", values.MAX_NAME, required=True)
    values.text(name_en, "name_en", values.MAX_NAME, required=True)
    if kind not in ProgramKind.__members__:
        raise InvalidArgument("kind", "must be one of SUBSIDY, AID, MUTUAL_AID, IN_KIND")
    values.positive_amount(budget_fen, "budget_fen", values.MAX_BUDGET_FEN)
    values.optional_amount(standard_amount_fen, "standard_amount_fen")
    values.optional_amount(per_member_annual_cap_fen, "per_member_annual_cap_fen")
    if standard_amount_fen > budget_fen:
        raise InvalidArgument("standard_amount_fen", "must not exceed budget_fen")
    if per_member_annual_cap_fen and standard_amount_fen > per_member_annual_cap_fen:
        raise InvalidArgument("standard_amount_fen", "must not exceed per_member_annual_cap_fen")
    if len(member_groups) > 50:
        raise InvalidArgument("eligibility.member_groups", "must list at most 50 groups")
    for i, group in enumerate(member_groups):
        if not values.MEMBER_ID_RE.match(group) or len(group) > 40:
            raise InvalidArgument(
                f"eligibility.member_groups[{i}]",
                "must be 1-40 characters of A-Z a-z 0-9 . _ -",
            )
    validate_rules(code, kind, mutual_aid, verify_within_days, secondary_aid_of)


def validate_rules(
    code: str,
    kind: str,
    mutual_aid: MutualAidRules | None,
    verify_within_days: int,
    secondary_aid_of: str,
) -> None:
    if mutual_aid is not None:
        if kind != ProgramKind.MUTUAL_AID.value:
            raise InvalidArgument("mutual_aid", "is only for programmes of kind MUTUAL_AID")
        mutual_aid.validate()
    if verify_within_days:
        if kind != ProgramKind.AID.value:
            raise InvalidArgument("emergency", "is only for programmes of kind AID")
        validate_emergency(verify_within_days)
    if secondary_aid_of:
        if kind != ProgramKind.AID.value:
            raise InvalidArgument("secondary_aid", "is only for programmes of kind AID")
        values.program_code(secondary_aid_of, "secondary_aid.mutual_aid_program_code")
        if secondary_aid_of == code:
            raise InvalidArgument(
                "secondary_aid.mutual_aid_program_code", "must name another programme"
            )
