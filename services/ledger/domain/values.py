"""Value rules shared by the ledger's commands: money, ids, codes, dates."""

from __future__ import annotations

import re
from uuid import UUID

from benefits_platform.domain_errors import InvalidArgument

# The checks every service shares, re-exported for the ledger's rules.
from benefits_platform.values import MAX_TEXT as MAX_TEXT
from benefits_platform.values import MEMBER_ID_RE as MEMBER_ID_RE
from benefits_platform.values import iso_date as iso_date
from benefits_platform.values import member_id as member_id
from benefits_platform.values import text as text

# Money is integer fen. One amount may not exceed 10^12 fen (10 billion yuan);
# a budget may not exceed 10^15 fen. Sums of accepted amounts never leave int64.
MAX_AMOUNT_FEN = 10**12
MAX_BUDGET_FEN = 10**15

REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
PROGRAM_CODE_RE = re.compile(r"^[A-Z][A-Z0-9_]{1,31}$")
MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_NAME = 200


def request_id(value: str, field: str = "request_id") -> str:
    if not value:
        raise InvalidArgument(field, "is required (a client-chosen idempotency key)")
    if not REQUEST_ID_RE.match(value):
        raise InvalidArgument(field, "must be 1-128 characters of A-Z a-z 0-9 . _ : -")
    return value


def program_code(value: str, field: str = "program_code") -> str:
    if not value:
        raise InvalidArgument(field, "is required")
    if not PROGRAM_CODE_RE.match(value):
        raise InvalidArgument(
            field,
            "must be 2-32 characters of A-Z 0-9 _, starting with a letter (e.g. GREEN_TRAVEL)",
        )
    return value


def fiscal_year(value: int, field: str = "fiscal_year") -> int:
    if not MIN_YEAR <= value <= MAX_YEAR:
        raise InvalidArgument(field, f"must be a year from {MIN_YEAR} to {MAX_YEAR}, got {value}")
    return value


def positive_amount(value: int, field: str = "amount_fen", limit: int = MAX_AMOUNT_FEN) -> int:
    if value <= 0:
        raise InvalidArgument(field, f"must be a positive number of fen, got {value}")
    if value > limit:
        raise InvalidArgument(field, f"must not exceed {limit} fen, got {value}")
    return value


def optional_amount(value: int, field: str, limit: int = MAX_AMOUNT_FEN) -> int:
    if value < 0:
        raise InvalidArgument(
            field, f"must be zero (none) or a positive number of fen, got {value}"
        )
    if value > limit:
        raise InvalidArgument(field, f"must not exceed {limit} fen, got {value}")
    return value


def uuid_of(value: str, field: str, what: str = "an entry id") -> UUID:
    """A required id in UUID form."""
    if not value:
        raise InvalidArgument(field, "is required")
    try:
        return UUID(value)
    except ValueError:
        raise InvalidArgument(field, f"must be {what} (a UUID)") from None
