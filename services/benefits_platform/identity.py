"""Who is calling: the identity every RPC runs as.

The RPC wrapper (:mod:`benefits_platform.rpc`) binds the caller of each call in
a context variable; the application layer reads it with :func:`current` to
record who caused an event and to apply rules such as maker-checker (the
identity that filed a claim cannot approve it).

Until authentication binds a verified identity, the caller is taken from the
``x-actor`` metadata header; a call without one runs as ``anonymous``.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, field

ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Caller:
    """A caller: its identity (a key id or a certificate's name), its roles and
    the union unit whose subtree it may act in ("" for every unit)."""

    id: str = ANONYMOUS
    roles: frozenset[str] = field(default_factory=frozenset)
    unit_scope: str = ""


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
