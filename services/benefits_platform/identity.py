"""Who is calling: the identity every RPC runs as.

Authentication (:mod:`benefits_platform.auth`, a server interceptor installed
on every service's gRPC server) verifies each call's credentials (an API key
sent as a bearer token, or the client certificate of mutual TLS) and binds the
caller in a context variable for the duration of the call; the application
layer reads it with :func:`current` to record who caused an event and to apply
rules such as maker-checker (the identity that filed a claim cannot approve it)
and the union-unit scope of the caller.

Outside an authenticated call the caller is ``anonymous``: no roles and no
scope, so every check made on its behalf fails closed.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable
from dataclasses import dataclass, field

ANONYMOUS = "anonymous"
# The unit scope of a caller that may act on every union unit.
ALL_UNITS = "*"


@dataclass(frozen=True)
class Caller:
    """A caller: its identity (an API key's id or a certificate's common name),
    its roles and its unit scope: ``*`` (:data:`ALL_UNITS`) for every unit, a
    unit code for that unit and every unit below it, or empty for none at all
    (the anonymous caller)."""

    id: str = ANONYMOUS
    roles: frozenset[str] = field(default_factory=frozenset)
    unit_scope: str = ""

    @property
    def all_units(self) -> bool:
        return self.unit_scope == ALL_UNITS

    def has_any(self, roles: Iterable[str]) -> bool:
        return not self.roles.isdisjoint(roles)

    def covers(self, unit_path: Iterable[str]) -> bool:
        """Whether a unit whose path (its ancestors from the top, then itself)
        is ``unit_path`` lies within the caller's scope."""
        if self.all_units:
            return True
        return bool(self.unit_scope) and self.unit_scope in tuple(unit_path)

    @property
    def scope_text(self) -> str:
        """The scope in words, for refusals."""
        if self.all_units:
            return "every unit"
        if self.unit_scope:
            return f"unit {self.unit_scope} and the units below it"
        return "no unit"


_NOBODY = Caller()
_caller: contextvars.ContextVar[Caller | None] = contextvars.ContextVar(
    "benefits_caller", default=None
)


def current() -> Caller:
    """The caller of the RPC being served (``anonymous`` outside one)."""
    return _caller.get() or _NOBODY


def bind(caller: Caller) -> contextvars.Token[Caller | None]:
    return _caller.set(caller)


def reset(token: contextvars.Token[Caller | None]) -> None:
    _caller.reset(token)
