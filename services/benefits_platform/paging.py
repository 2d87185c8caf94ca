"""Paging of list calls: the page token is the offset of the page's first item."""

from __future__ import annotations

from typing import Protocol

from benefits_platform.domain_errors import InvalidArgument

MAX_PAGE = 500
DEFAULT_PAGE = 50


class PageRequest(Protocol):
    page_size: int
    page_token: str


def page_bounds(page: PageRequest | None) -> tuple[int, int]:
    """(offset, size) of the page asked for; INVALID_ARGUMENT for a bad size or token."""
    size = page.page_size if page is not None else 0
    token = page.page_token if page is not None else ""
    if size < 0 or size > MAX_PAGE:
        raise InvalidArgument("page.page_size", f"must be 0 (default {DEFAULT_PAGE}) to {MAX_PAGE}")
    if token and (not token.isdigit() or len(token) > 12):
        raise InvalidArgument("page.page_token", "must be a token returned by an earlier page")
    return (int(token) if token else 0), (size or DEFAULT_PAGE)


def next_page_token(offset: int, returned: int, total: int) -> str:
    """The token of the page after this one; empty after the last page."""
    following = offset + returned
    return str(following) if following < total else ""
