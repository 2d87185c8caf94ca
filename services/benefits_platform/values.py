"""Value checks every service's commands share: ids, ISO dates, free text.

Each check raises :class:`InvalidArgument` naming the field and the rule, and
never echoes more of the value than is needed to recognise it.
"""

from __future__ import annotations

import datetime as dt
import re

from benefits_platform.domain_errors import InvalidArgument

MEMBER_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,63}$")
MAX_TEXT = 500


def member_id(value: str, field: str = "member_id") -> str:
    if not value:
        raise InvalidArgument(field, "is required")
    if not MEMBER_ID_RE.match(value):
        raise InvalidArgument(
            field, "must be 1-64 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit"
        )
    return value


def iso_date(value: str, field: str = "effective_date") -> dt.date:
    if not value:
        raise InvalidArgument(field, "is required (YYYY-MM-DD)")
    if len(value) != 10:
        raise InvalidArgument(field, f"must be an ISO date YYYY-MM-DD, got {value[:20]!r}")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidArgument(field, f"must be an ISO date YYYY-MM-DD, got {value!r}") from None


def text(value: str, field: str, limit: int = MAX_TEXT, required: bool = False) -> str:
    if required and not value.strip():
        raise InvalidArgument(field, "is required")
    if len(value) > limit:
        raise InvalidArgument(field, f"must be at most {limit} characters, got {len(value)}")
    if any(ord(ch) < 32 and ch not in "\t" for ch in value):
        raise InvalidArgument(field, "must not contain control characters")
    return value
