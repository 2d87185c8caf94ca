"""Commands as plain values, validated field by field before any rule runs."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from uuid import UUID

from benefits_platform.domain_errors import InvalidArgument

from . import values
from .entries import digest
from .programme import open_programme_digest, validate_open
from .rules import MutualAidRules

REVERSAL_REASONS = frozenset(
    {
        "DUPLICATE_PAYMENT",
        "WRONG_AMOUNT",
        "WRONG_MEMBER",
        "INELIGIBLE",
        "RETURNED_BY_BANK",
        "FRAUD",
        "OTHER",
    }
)
MAX_BATCH = 10_000
HARDSHIP_TIERS = frozenset({"DEEP", "RELATIVE", "ACCIDENT", "GENERAL"})


@dataclass(frozen=True)
class OpenProgram:
    code: str
    fiscal_year: int
    name_zh: str
    name_en: str
    kind: str
    budget_fen: int
    standard_amount_fen: int = 0
    per_member_annual_cap_fen: int = 0
    member_groups: tuple[str, ...] = ()
    hardship_only: bool = False
    request_id: str = ""
    tier_standards: tuple[tuple[str, int], ...] = ()
    mutual_aid: MutualAidRules | None = None
    verify_within_days: int = 0
    secondary_aid_of: str = ""
    actor: str = field(default="", compare=False)

    def validate(self) -> None:
        validate_open(
            code=self.code,
            fiscal_year=self.fiscal_year,
            name_zh=self.name_zh,
            name_en=self.name_en,
            kind=self.kind,
            budget_fen=self.budget_fen,
            standard_amount_fen=self.standard_amount_fen,
            per_member_annual_cap_fen=self.per_member_annual_cap_fen,
            member_groups=list(self.member_groups),
            mutual_aid=self.mutual_aid,
            verify_within_days=self.verify_within_days,
            secondary_aid_of=self.secondary_aid_of,
        )
        if self.request_id:
            values.request_id(self.request_id)
        seen: set[str] = set()
        for i, (tier, amount) in enumerate(self.tier_standards):
            field = f"tier_standards[{i}]"
            if tier not in HARDSHIP_TIERS:
                raise InvalidArgument(
                    f"{field}.tier", "must be one of " + ", ".join(sorted(HARDSHIP_TIERS))
                )
            if tier in seen:
                raise InvalidArgument(f"{field}.tier", f"{tier} is listed twice")
            seen.add(tier)
            values.positive_amount(amount, f"{field}.amount_fen")
            if self.per_member_annual_cap_fen and amount > self.per_member_annual_cap_fen:
                raise InvalidArgument(
                    f"{field}.amount_fen", "must not exceed per_member_annual_cap_fen"
                )

    def digest(self) -> str:
        return open_programme_digest(
            code=self.code,
            fiscal_year=self.fiscal_year,
            name_zh=self.name_zh,
            name_en=self.name_en,
            kind=self.kind,
            budget_fen=self.budget_fen,
            standard_amount_fen=self.standard_amount_fen,
            per_member_annual_cap_fen=self.per_member_annual_cap_fen,
            member_groups=sorted(self.member_groups),
            hardship_only=self.hardship_only,
            tier_standards=dict(self.tier_standards),
            rules=self.rules_text(),
        )

    def resolved_mutual_aid(self) -> MutualAidRules | None:
        return self.mutual_aid.resolved(self.fiscal_year) if self.mutual_aid else None

    def rules_text(self) -> str:
        """The optional rules in text for the digest ('' when there are none)."""
        parts = []
        mutual_aid = self.resolved_mutual_aid()
        if mutual_aid is not None:
            parts.append("mutual_aid=" + mutual_aid.digest_text())
        if self.verify_within_days:
            parts.append(f"emergency={self.verify_within_days}")
        if self.secondary_aid_of:
            parts.append(f"secondary_aid={self.secondary_aid_of}")
        return ";".join(parts)


@dataclass(frozen=True)
class CloseProgram:
    code: str
    fiscal_year: int
    reason: str = ""
    actor: str = field(default="", compare=False)

    def validate(self) -> None:
        values.program_code(self.code, "code")
        values.fiscal_year(self.fiscal_year)
        values.text(self.reason, "reason")


# The rows of a batch mostly share a programme and a date: each is checked once
# (a refused value is not remembered, so it is refused again with its reason).
@functools.lru_cache(maxsize=1024)
def _program_code(value: str) -> str:
    return values.program_code(value)


@functools.lru_cache(maxsize=4096)
def _year_of(effective_date: str) -> int:
    return values.iso_date(effective_date).year


@dataclass(frozen=True)
class PostPayout:
    request_id: str
    member_id: str
    program_code: str
    fiscal_year: int
    amount_fen: int
    effective_date: str
    external_ref: str = ""
    note: str = ""
    members_position: int = 0
    # digest(), when the command's maker computed it already (a front prepares
    # a batch's rows in its own process: benefits_platform.forwarding).
    body_digest: str = field(default="", compare=False)
    actor: str = field(default="", compare=False)

    def validate(self) -> None:
        values.request_id(self.request_id)
        if self.members_position < 0:
            raise InvalidArgument("members_position", "must be zero or a members-log position")
        values.member_id(self.member_id)
        _program_code(self.program_code)
        values.fiscal_year(self.fiscal_year)
        values.positive_amount(self.amount_fen)
        if _year_of(self.effective_date) != self.fiscal_year:
            raise InvalidArgument(
                "effective_date",
                f"must fall in fiscal year {self.fiscal_year}, got {self.effective_date}",
            )
        # Printable text within the limit passes the text rule: only the rest is
        # looked at character by character (a batch checks thousands of rows).
        if len(self.external_ref) > 128 or not self.external_ref.isprintable():
            values.text(self.external_ref, "external_ref", 128)
        if len(self.note) > values.MAX_TEXT or not self.note.isprintable():
            values.text(self.note, "note")

    def digest(self) -> str:
        """entries.digest("payout", member_id, program_code, fiscal_year,
        amount_fen, effective_date, external_ref, note), the value recorded in
        every payout since the first, written out for the writer's hot path."""
        if self.body_digest:
            return self.body_digest
        return hashlib.sha256(
            f"payout\x1f{self.member_id}\x1f{self.program_code}\x1f{self.fiscal_year}"
            f"\x1f{self.amount_fen}\x1f{self.effective_date}\x1f{self.external_ref}"
            f"\x1f{self.note}".encode()
        ).hexdigest()


@dataclass(frozen=True)
class ReversePayout:
    request_id: str
    entry_id: str
    reason: str
    note: str = ""
    parsed_entry_id: UUID = field(default=UUID(int=0), compare=False)
    actor: str = field(default="", compare=False)

    @classmethod
    def of(
        cls, request_id: str, entry_id: str, reason: str, note: str = "", actor: str = ""
    ) -> ReversePayout:
        cmd = cls(request_id, entry_id, reason, note)
        cmd.validate()
        return cls(request_id, entry_id, reason, note, UUID(entry_id), actor)

    def validate(self) -> None:
        values.request_id(self.request_id)
        if not self.entry_id:
            raise InvalidArgument("entry_id", "is required")
        try:
            UUID(self.entry_id)
        except ValueError:
            raise InvalidArgument("entry_id", "must be an entry id (a UUID)") from None
        if self.reason not in REVERSAL_REASONS:
            raise InvalidArgument("reason", "must be one of " + ", ".join(sorted(REVERSAL_REASONS)))
        values.text(self.note, "note")

    def digest(self) -> str:
        return digest("reversal", str(UUID(self.entry_id)), self.reason, self.note)


@dataclass(frozen=True)
class GetProgramQuery:
    code: str
    fiscal_year: int

    def validate(self) -> None:
        values.program_code(self.code, "code")
        values.fiscal_year(self.fiscal_year)
