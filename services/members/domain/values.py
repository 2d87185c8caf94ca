"""Value rules of the members domain: unit codes and levels, national ID numbers,
member groups, hardship tiers and causes, and the gradual-exit date arithmetic.

Messages name the field and the rule; none of them ever echoes a national ID
number or a name (they are personal data, and refusals are logged).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Sequence

from benefits_platform.domain_errors import InvalidArgument
from benefits_platform.values import iso_date

UNIT_CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,31}$")
MAX_NAME = 100
MAX_UNIT_NAME = 200

PROVINCE, CITY, COUNTY, GRASSROOTS = "PROVINCE", "CITY", "COUNTY", "GRASSROOTS"
LEVELS = (PROVINCE, CITY, COUNTY, GRASSROOTS)

MEMBER_GROUPS = (
    "courier",
    "delivery_rider",
    "ride_hailing_driver",
    "truck_driver",
    "migrant_worker",
    "sanitation_worker",
    "model_worker",
    "retired_worker",
    "other",
)
# 深度困难, 相对困难, 意外致困, 一般困难
TIERS = ("DEEP", "RELATIVE", "ACCIDENT", "GENERAL")
CAUSES = (
    "ILLNESS",
    "DISABILITY",
    "EDUCATION_COSTS",
    "DISASTER",
    "UNEMPLOYMENT",
    "ACCIDENT",
    "OTHER",
)
MAX_GRADUAL_EXIT_MONTHS = 6

# GB 11643-1999: weights of the first 17 digits (2^(17-i) mod 11) and the check
# character for each remainder of the weighted sum mod 11 (ISO 7064 MOD 11-2).
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
ID_LENGTH = 18
MIN_BIRTH_YEAR = 1900


def unit_code(value: str, field: str = "code") -> str:
    if not value:
        raise InvalidArgument(field, "is required")
    if not UNIT_CODE_RE.match(value):
        raise InvalidArgument(
            field,
            "must be 1-32 characters of A-Z 0-9 -, starting with a letter or digit "
            "(e.g. GD-SZ-NS-0001)",
        )
    return value


def level(value: str, field: str = "level") -> str:
    if value not in LEVELS:
        raise InvalidArgument(field, "must be one of " + ", ".join(LEVELS))
    return value


def check_character(first17: str) -> str:
    """The GB 11643 check character of the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11]


def national_id(value: str, field: str = "national_id") -> str:
    """An 18-character resident identity number (GB 11643), normalised to an
    upper-case X; the birth-date part must be a real date. Returns the number."""
    if not value:
        raise InvalidArgument(field, "is required")
    number = value.strip().upper()
    if len(number) != ID_LENGTH:
        raise InvalidArgument(field, f"must be {ID_LENGTH} characters, got {len(number)}")
    if not number[:17].isdigit() or not number[:17].isascii():
        raise InvalidArgument(field, "the first 17 characters must be digits")
    if not (number[17].isdigit() and number[17].isascii()) and number[17] != "X":
        raise InvalidArgument(field, "the last character must be a digit or X")
    birth = number[6:14]
    try:
        born = dt.date(int(birth[:4]), int(birth[4:6]), int(birth[6:]))
    except ValueError:
        raise InvalidArgument(field, "the birth date (characters 7-14) is not a date") from None
    if born.year < MIN_BIRTH_YEAR:
        raise InvalidArgument(field, f"the birth date (characters 7-14) is before {MIN_BIRTH_YEAR}")
    if check_character(number[:17]) != number[17]:
        raise InvalidArgument(field, "the check character does not match (GB 11643, MOD 11-2)")
    return number


def birth_date(number: str) -> dt.date:
    """The birth date of a number that passed :func:`national_id`."""
    return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def mask_national_id(number: str) -> str:
    """The first 6 (the issuing region) and the last 4 characters; the rest '*'."""
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def _from_vocabulary(
    chosen: Sequence[str], vocabulary: Sequence[str], field: str
) -> tuple[str, ...]:
    """The chosen words, each from the vocabulary and at most once, in the given order."""
    seen: list[str] = []
    for i, word in enumerate(chosen):
        if word not in vocabulary:
            raise InvalidArgument(f"{field}[{i}]", "must be one of " + ", ".join(vocabulary))
        if word in seen:
            raise InvalidArgument(f"{field}[{i}]", f"{word} is listed twice")
        seen.append(word)
    return tuple(seen)


def member_groups(chosen: Sequence[str], field: str = "member_groups") -> tuple[str, ...]:
    """Groups from the fixed vocabulary (none is fine), each at most once; sorted."""
    return tuple(sorted(_from_vocabulary(chosen, MEMBER_GROUPS, field)))


def tier(value: str, field: str = "tier") -> str:
    if value not in TIERS:
        raise InvalidArgument(field, "is required: one of " + ", ".join(TIERS))
    return value


def causes(chosen: Sequence[str], field: str = "causes") -> tuple[str, ...]:
    """At least one cause, each from the vocabulary and at most once."""
    if not chosen:
        raise InvalidArgument(field, "must name at least one cause: " + ", ".join(CAUSES))
    return _from_vocabulary(chosen, CAUSES, field)


def gradual_exit_months(value: int, field: str = "gradual_exit_months") -> int:
    if not 0 <= value <= MAX_GRADUAL_EXIT_MONTHS:
        raise InvalidArgument(field, f"must be 0 to {MAX_GRADUAL_EXIT_MONTHS}, got {value}")
    return value


def later_date(value: str, after: dt.date, field: str, after_field: str) -> dt.date:
    """An ISO date strictly after ``after``."""
    date = iso_date(value, field)
    if date <= after:
        raise InvalidArgument(field, f"must be after {after_field} {after.isoformat()}")
    return date


def add_months(date: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, clamped to the end of a shorter month
    (2026-01-31 + 1 month = 2026-02-28)."""
    index = date.month - 1 + months
    year, month = date.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(date.day, calendar.monthrange(year, month)[1]))


def gradual_exit_until(exit_date: dt.date, months: int) -> str:
    """The last day of a gradual-exit period of ``months`` starting on the exit
    date: exit date + N months (clamped to month ends) - 1 day, or '' for none.

    2026-03-15 + 1 month: until 2026-04-14; 2026-06-30 + 3 months: 2026-09-29;
    2026-01-31 + 1 month: 2026-02-28 - 1 day = 2026-02-27.
    """
    if months == 0:
        return ""
    return (add_months(exit_date, months) - dt.timedelta(days=1)).isoformat()
