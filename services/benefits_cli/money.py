"""Money as the user types it and reads it: yuan text <-> integer fen.

Amounts are parsed with string arithmetic only (never float): "20", "20.5" and
"20.05" are yuan with up to two decimals; with ``fen=True`` the text is a whole
number of fen. Shown amounts are yuan with two decimals, or 万元 for totals.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

FEN_PER_YUAN = 100
FEN_PER_WAN_YUAN = 1_000_000
INT64_MAX = 2**63 - 1

_YUAN_RE = re.compile(r"^([+-]?)(\d{1,19})(?:\.(\d{1,2}))?$")
_FEN_RE = re.compile(r"^([+-]?)(\d{1,19})$")
YUAN_HINT = "an amount in yuan with at most 2 decimals (e.g. 20, 20.5, 20.05)"


class AmountError(ValueError):
    """The text is not an amount this client can convert exactly."""


def to_fen(text: str, *, fen: bool = False) -> int:
    """Convert yuan text (or fen text when ``fen``) to a signed integer of fen."""
    match = (_FEN_RE if fen else _YUAN_RE).match(text.strip())
    if match is None:
        expected = "a whole number of fen" if fen else YUAN_HINT
        raise AmountError(f"{text!r} is not {expected}")
    value = int(match.group(2))
    if not fen:
        value = value * FEN_PER_YUAN + int((match.group(3) or "").ljust(2, "0"))
    if value > INT64_MAX:
        raise AmountError(f"{text!r} is out of range")
    return -value if match.group(1) == "-" else value


def parse_amount(text: str, *, fen: bool = False, allow_zero: bool = False) -> int:
    """A positive amount (or zero when ``allow_zero``) in fen, from user input."""
    value = to_fen(text, fen=fen)
    if value < 0 or (value == 0 and not allow_zero):
        rule = "zero or positive" if allow_zero else "positive"
        raise AmountError(f"{text!r}: the amount must be {rule}")
    return value


def yuan(fen: int) -> str:
    """Fen as yuan with two decimals and thousands separators: 221000000 -> '2,210,000.00'."""
    whole, cents = divmod(abs(fen), FEN_PER_YUAN)
    sign = "-" if fen < 0 else ""
    return f"{sign}{whole:,}.{cents:02d}"


def wan_yuan(fen: int) -> str:
    """Fen as 万元 with two decimals (rounded half up): 2210000000 -> '2,210.00万元'."""
    wan = (Decimal(fen) / FEN_PER_WAN_YUAN).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{wan:,.2f}万元"
