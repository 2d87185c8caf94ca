"""Programmes: data, not code. A programme is opened for one fiscal year with a
budget, optional standard amount and per-member annual cap, and eligibility."""

from __future__ import annotations

import functools
import hashlib
from enum import Enum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from benefits_platform.domain_errors import FailedPrecondition, InvalidArgument

from . import values

PROGRAMME_NS = uuid5(NAMESPACE_URL, "urn:benefits:ledger:programme")


class ProgramKind(Enum):
    SUBSIDY = "SUBSIDY"  # stored value on the member card
    AID = "AID"  # cash aid
    MUTUAL_AID = "MUTUAL_AID"  # mutual-aid claims
    IN_KIND = "IN_KIND"  # benefits in kind, valued at cost


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

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            """v1 programmes had one standard amount for every hardship tier."""
            state["tier_standards"] = {}

    class ProgramClosed(Aggregate.Event):
        code: str
        fiscal_year: int
        reason: str

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
    ) -> None:
        self.code = code
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
        return self.kind == ProgramKind.SUBSIDY.value

    def check_open(self) -> None:
        if self.closed:
            raise FailedPrecondition(
                f"program_code: programme {self.code} {self.fiscal_year} is closed; "
                "no payouts are accepted"
            )

    def close(self, reason: str) -> None:
        self.check_open()
        self._closed(code=self.code, fiscal_year=self.fiscal_year, reason=reason)

    @event(ProgramClosed)
    def _closed(self, code: str, fiscal_year: int, reason: str) -> None:
        self.closed = True
        self.closed_on = self.modified_on
        self.close_reason = reason


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
) -> str:
    body = "\x1f".join(
        [
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
    )
    return hashlib.sha256(body.encode()).hexdigest()


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
