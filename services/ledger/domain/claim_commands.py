"""Commands of mutual aid and emergency aid, as plain values validated field by
field before any rule runs. ``actor`` is the caller, captured where the call
is received; it is recorded on the events but is not part of a command's body
(a retry by another caller with the same request id and body replays)."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from benefits_platform.domain_errors import BatchRowError, DomainError, InvalidArgument

from . import values
from .claims import REJECTION_REASONS
from .commands import MAX_BATCH
from .entries import digest
from .rules import CATEGORY_RE, PERIOD_ID_RE

MAX_DOCUMENTS = 20
MAX_HOSPITAL = 200
MAX_REF = 128


class ContributionRowError(BatchRowError):
    """A row of a contributions batch was refused: the whole batch was refused."""

    def __init__(self, index: int, error: DomainError) -> None:
        super().__init__(index, error)
        self.message = f"contributions[{index}]: {error.message}"
        self.args = (self.message,)


def period_id(value: str, field: str = "period_id") -> str:
    if not value:
        raise InvalidArgument(field, "is required")
    if not PERIOD_ID_RE.match(value):
        raise InvalidArgument(field, "must be 1-32 characters of A-Z a-z 0-9 . _ -")
    return value


def members_position(value: int) -> None:
    if value < 0:
        raise InvalidArgument("members_position", "must be zero or a members-log position")


@dataclass(frozen=True)
class RecordContribution:
    request_id: str
    member_id: str
    program_code: str
    fiscal_year: int
    period_id: str
    amount_fen: int
    effective_date: str
    external_ref: str = ""
    members_position: int = 0
    actor: str = field(default="", compare=False)

    def validate(self) -> None:
        values.request_id(self.request_id)
        members_position(self.members_position)
        values.member_id(self.member_id)
        values.program_code(self.program_code)
        values.fiscal_year(self.fiscal_year)
        period_id(self.period_id)
        values.positive_amount(self.amount_fen)
        values.iso_date(self.effective_date)
        values.text(self.external_ref, "external_ref", MAX_REF)

    def digest(self) -> str:
        return digest(
            "contribution",
            self.member_id,
            self.program_code,
            self.fiscal_year,
            self.period_id,
            self.amount_fen,
            self.effective_date,
            self.external_ref,
        )


@dataclass(frozen=True)
class RecordContributionBatch:
    rows: tuple[RecordContribution, ...]

    def validate(self) -> None:
        if not self.rows:
            raise InvalidArgument("contributions", "must hold at least one contribution")
        if len(self.rows) > MAX_BATCH:
            raise InvalidArgument(
                "contributions",
                f"must hold at most {MAX_BATCH} contributions, got {len(self.rows)}",
            )
        for index, row in enumerate(self.rows):
            try:
                row.validate()
            except DomainError as error:
                raise ContributionRowError(index, error) from None


@dataclass(frozen=True)
class FileClaim:
    request_id: str
    member_id: str
    program_code: str
    fiscal_year: int
    period_id: str
    category: str
    incident_date: str
    bill_total_fen: int
    insurance_covered_fen: int
    self_paid_fen: int
    hospital: str
    bill_ref: str
    document_refs: tuple[str, ...] = ()
    note: str = ""
    members_position: int = 0
    actor: str = field(default="", compare=False)

    def validate(self) -> None:
        values.request_id(self.request_id)
        members_position(self.members_position)
        values.member_id(self.member_id)
        values.program_code(self.program_code)
        values.fiscal_year(self.fiscal_year)
        period_id(self.period_id)
        if not self.category:
            raise InvalidArgument("category", "is required (one of the programme's categories)")
        if not CATEGORY_RE.match(self.category):
            raise InvalidArgument(
                "category", "must be 2-32 characters of A-Z 0-9 _, starting with a letter"
            )
        values.iso_date(self.incident_date, "incident_date")
        values.positive_amount(self.bill_total_fen, "bill_total_fen")
        values.optional_amount(self.insurance_covered_fen, "insurance_covered_fen")
        values.positive_amount(self.self_paid_fen, "self_paid_fen")
        if self.insurance_covered_fen + self.self_paid_fen > self.bill_total_fen:
            raise InvalidArgument(
                "self_paid_fen",
                f"insurance_covered_fen + self_paid_fen ({self.insurance_covered_fen} + "
                f"{self.self_paid_fen}) must not exceed bill_total_fen ({self.bill_total_fen})",
            )
        values.text(self.hospital, "hospital", MAX_HOSPITAL, required=True)
        values.text(self.bill_ref, "bill_ref", MAX_REF, required=True)
        if len(self.document_refs) > MAX_DOCUMENTS:
            raise InvalidArgument("document_refs", f"must list at most {MAX_DOCUMENTS} documents")
        for i, ref in enumerate(self.document_refs):
            values.text(ref, f"document_refs[{i}]", MAX_REF * 2, required=True)
        values.text(self.note, "note")

    def digest(self) -> str:
        return digest(
            "claim",
            self.member_id,
            self.program_code,
            self.fiscal_year,
            self.period_id,
            self.category,
            self.incident_date,
            self.bill_total_fen,
            self.insurance_covered_fen,
            self.self_paid_fen,
            self.hospital,
            self.bill_ref,
            "\x1e".join(self.document_refs),
            self.note,
        )


@dataclass(frozen=True)
class _ClaimDecision:
    """A command on one claim, named by its id."""

    request_id: str
    claim_id: str

    @property
    def parsed_claim_id(self) -> UUID:
        return UUID(self.claim_id)

    def validate_ids(self) -> None:
        values.request_id(self.request_id)
        values.uuid_of(self.claim_id, "claim_id", "a claim id")


@dataclass(frozen=True)
class StartReview(_ClaimDecision):
    note: str = ""
    actor: str = field(default="", compare=False)

    def validate(self) -> None:
        self.validate_ids()
        values.text(self.note, "note")

    def digest(self) -> str:
        return digest("review", str(self.parsed_claim_id), self.note)


@dataclass(frozen=True)
class ApproveClaim(_ClaimDecision):
    approved_benefit_fen: int = 0
    reason: str = ""
    actor: str = field(default="", compare=False)

    def validate(self) -> None:
        self.validate_ids()
        values.optional_amount(self.approved_benefit_fen, "approved_benefit_fen")
        values.text(self.reason, "reason")

    def digest(self) -> str:
        return digest("approve", str(self.parsed_claim_id), self.approved_benefit_fen, self.reason)


@dataclass(frozen=True)
class RejectClaim(_ClaimDecision):
    reason: str = ""
    note: str = ""
    actor: str = field(default="", compare=False)

    def validate(self) -> None:
        self.validate_ids()
        if self.reason not in REJECTION_REASONS:
            raise InvalidArgument(
                "reason", "must be one of " + ", ".join(sorted(REJECTION_REASONS))
            )
        values.text(self.note, "note")

    def digest(self) -> str:
        return digest("reject", str(self.parsed_claim_id), self.reason, self.note)


@dataclass(frozen=True)
class WithdrawClaim(_ClaimDecision):
    note: str = ""
    actor: str = field(default="", compare=False)

    def validate(self) -> None:
        self.validate_ids()
        values.text(self.note, "note")

    def digest(self) -> str:
        return digest("withdraw", str(self.parsed_claim_id), self.note)


@dataclass(frozen=True)
class PayClaim(_ClaimDecision):
    effective_date: str = ""
    actor: str = field(default="", compare=False)

    def validate(self) -> None:
        self.validate_ids()
        values.iso_date(self.effective_date)

    def digest(self) -> str:
        return digest("claim-payment", str(self.parsed_claim_id), self.effective_date)


@dataclass(frozen=True)
class VerifyEmergencyAid:
    request_id: str
    entry_id: str
    verified_on: str
    note: str = ""
    actor: str = field(default="", compare=False)

    @property
    def parsed_entry_id(self) -> UUID:
        return UUID(self.entry_id)

    def validate(self) -> None:
        values.request_id(self.request_id)
        values.uuid_of(self.entry_id, "entry_id")
        values.iso_date(self.verified_on, "verified_on")
        values.text(self.note, "note")

    def digest(self) -> str:
        return digest("verify", str(self.parsed_entry_id), self.verified_on, self.note)


@dataclass(frozen=True)
class RecoverPayment:
    request_id: str
    entry_id: str
    amount_fen: int
    effective_date: str
    note: str = ""
    actor: str = field(default="", compare=False)

    @property
    def parsed_entry_id(self) -> UUID:
        return UUID(self.entry_id)

    def validate(self) -> None:
        values.request_id(self.request_id)
        values.uuid_of(self.entry_id, "entry_id")
        values.positive_amount(self.amount_fen)
        values.iso_date(self.effective_date)
        values.text(self.note, "note")

    def digest(self) -> str:
        return digest(
            "recovery", str(self.parsed_entry_id), self.amount_fen, self.effective_date, self.note
        )
