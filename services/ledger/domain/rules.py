"""The optional rules a programme is opened with: a mutual-aid pool with periods
and claim rules, pay-first emergency aid, secondary aid.

Rules are plain values; on the ProgramOpened event they are stored as plain
dicts and lists (what the event store's JSON transcoder keeps as they are), and
``{}`` means "none".
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from benefits_platform.domain_errors import InvalidArgument

from . import values

PERIOD_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,31}$")
CATEGORY_RE = re.compile(r"^[A-Z][A-Z0-9_]{1,31}$")
BASIS_POINTS = 10_000
MAX_PERIODS = 60
MAX_CATEGORIES = 20
MAX_DAYS = 366


@dataclass(frozen=True)
class Period:
    period_id: str
    start_date: str  # YYYY-MM-DD, inclusive
    end_date: str

    def contains(self, date: str) -> bool:
        return self.start_date <= date <= self.end_date


@dataclass(frozen=True)
class MutualAidRules:
    periods: tuple[Period, ...] = ()
    contribution_fen: int = 0
    waiting_days: int = 0
    deductible_fen: int = 0
    categories: tuple[tuple[str, int], ...] = ()  # (category, ratio in basis points)
    per_claim_cap_fen: int = 0
    per_period_cap_fen: int = 0
    overdraft_fen: int = 0

    def resolved(self, fiscal_year: int) -> MutualAidRules:
        """The rules with the default period (the fiscal year) filled in."""
        if self.periods:
            return self
        year = Period(str(fiscal_year), f"{fiscal_year:04d}-01-01", f"{fiscal_year:04d}-12-31")
        return MutualAidRules(
            (year,),
            self.contribution_fen,
            self.waiting_days,
            self.deductible_fen,
            self.categories,
            self.per_claim_cap_fen,
            self.per_period_cap_fen,
            self.overdraft_fen,
        )

    def period(self, period_id: str) -> Period | None:
        for period in self.periods:
            if period.period_id == period_id:
                return period
        return None

    def ratio_bp(self, category: str) -> int | None:
        for name, ratio in self.categories:
            if name == category:
                return ratio
        return None

    def validate(self, prefix: str = "mutual_aid") -> None:
        if len(self.periods) > MAX_PERIODS:
            raise InvalidArgument(f"{prefix}.periods", f"must list at most {MAX_PERIODS} periods")
        seen: set[str] = set()
        previous: Period | None = None
        for i, period in enumerate(self.periods):
            field = f"{prefix}.periods[{i}]"
            if not PERIOD_ID_RE.match(period.period_id):
                raise InvalidArgument(
                    f"{field}.period_id", "must be 1-32 characters of A-Z a-z 0-9 . _ -"
                )
            if period.period_id in seen:
                raise InvalidArgument(f"{field}.period_id", f"{period.period_id} is listed twice")
            seen.add(period.period_id)
            values.iso_date(period.start_date, f"{field}.start_date")
            values.iso_date(period.end_date, f"{field}.end_date")
            if period.end_date < period.start_date:
                raise InvalidArgument(f"{field}.end_date", "must not be before start_date")
            if previous is not None and period.start_date <= previous.end_date:
                raise InvalidArgument(
                    f"{field}.start_date",
                    f"must be after the previous period's end ({previous.end_date}): periods "
                    "are listed in date order and do not overlap",
                )
            previous = period
        values.optional_amount(self.contribution_fen, f"{prefix}.contribution_fen")
        if not 0 <= self.waiting_days <= MAX_DAYS:
            raise InvalidArgument(f"{prefix}.waiting_days", f"must be 0 to {MAX_DAYS} days")
        values.optional_amount(self.deductible_fen, f"{prefix}.deductible_fen")
        if not self.categories:
            raise InvalidArgument(
                f"{prefix}.categories", "must list at least one claim category and its ratio"
            )
        if len(self.categories) > MAX_CATEGORIES:
            raise InvalidArgument(
                f"{prefix}.categories", f"must list at most {MAX_CATEGORIES} categories"
            )
        names: set[str] = set()
        for i, (category, ratio) in enumerate(self.categories):
            field = f"{prefix}.categories[{i}]"
            if not CATEGORY_RE.match(category):
                raise InvalidArgument(
                    f"{field}.category",
                    "must be 2-32 characters of A-Z 0-9 _, starting with a letter",
                )
            if category in names:
                raise InvalidArgument(f"{field}.category", f"{category} is listed twice")
            names.add(category)
            if not 1 <= ratio <= BASIS_POINTS:
                raise InvalidArgument(
                    f"{field}.ratio_bp", f"must be 1 to {BASIS_POINTS} basis points, got {ratio}"
                )
        values.optional_amount(self.per_claim_cap_fen, f"{prefix}.per_claim_cap_fen")
        values.optional_amount(self.per_period_cap_fen, f"{prefix}.per_period_cap_fen")
        values.optional_amount(self.overdraft_fen, f"{prefix}.overdraft_fen", values.MAX_BUDGET_FEN)

    def state(self) -> dict[str, Any]:
        """As stored on the event."""
        return {
            "periods": [[p.period_id, p.start_date, p.end_date] for p in self.periods],
            "contribution_fen": self.contribution_fen,
            "waiting_days": self.waiting_days,
            "deductible_fen": self.deductible_fen,
            "categories": [[name, ratio] for name, ratio in self.categories],
            "per_claim_cap_fen": self.per_claim_cap_fen,
            "per_period_cap_fen": self.per_period_cap_fen,
            "overdraft_fen": self.overdraft_fen,
        }

    @classmethod
    def of(cls, state: dict[str, Any]) -> MutualAidRules | None:
        if not state:
            return None
        return cls(
            periods=tuple(Period(str(a), str(b), str(c)) for a, b, c in state["periods"]),
            contribution_fen=int(state["contribution_fen"]),
            waiting_days=int(state["waiting_days"]),
            deductible_fen=int(state["deductible_fen"]),
            categories=tuple((str(n), int(r)) for n, r in state["categories"]),
            per_claim_cap_fen=int(state["per_claim_cap_fen"]),
            per_period_cap_fen=int(state["per_period_cap_fen"]),
            overdraft_fen=int(state["overdraft_fen"]),
        )

    def digest_text(self) -> str:
        return repr(sorted(self.state().items()))


def validate_emergency(verify_within_days: int, prefix: str = "emergency") -> None:
    if not 1 <= verify_within_days <= MAX_DAYS:
        raise InvalidArgument(f"{prefix}.verify_within_days", f"must be 1 to {MAX_DAYS} days")


def add_days(date: str, days: int) -> str:
    return (dt.date.fromisoformat(date) + dt.timedelta(days=days)).isoformat()


def rule_result(self_paid_fen: int, deductible_fen: int, ratio_bp: int) -> int:
    """(self-paid - deductible) x ratio, floored to the fen, never negative."""
    return max(self_paid_fen - deductible_fen, 0) * ratio_bp // BASIS_POINTS


def capped_benefit(
    rule_fen: int, per_claim_cap_fen: int, per_period_cap_fen: int, already_fen: int
) -> int:
    """min(rule result, per-claim cap, what the per-period cap leaves); a cap of 0 is none."""
    benefit = rule_fen
    if per_claim_cap_fen:
        benefit = min(benefit, per_claim_cap_fen)
    if per_period_cap_fen:
        benefit = min(benefit, max(per_period_cap_fen - already_fen, 0))
    return benefit
