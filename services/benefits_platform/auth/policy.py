"""Roles, and the per-service policy saying which roles may call each method.

Roles:

- POSTER: moves money on behalf of a payment desk or member-card platform
  (payouts, reversals, contributions, filing/withdrawing/paying claims,
  recoveries);
- REVIEWER: the checker (reviews, approves and rejects claims, verifies
  emergency aid);
- AUDITOR: reads, replays and verifies; writes nothing;
- ADMIN: programmes, units, the members registry and hardship files.

Every role may read within its scope. A service lists every method of its
gRPC service in its :class:`Policy` (``<service>/entrypoints/access.py``); a
method the policy does not name is refused (fail closed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from benefits_platform.domain_errors import PermissionDenied
from benefits_platform.identity import Caller

POSTER, REVIEWER, AUDITOR, ADMIN = "POSTER", "REVIEWER", "AUDITOR", "ADMIN"
ROLES = (POSTER, REVIEWER, AUDITOR, ADMIN)


@dataclass(frozen=True)
class Rule:
    """Who may call a method: any of ``roles``; with ``all_units``, only a
    caller whose scope is every unit (``*``)."""

    roles: frozenset[str]
    all_units: bool = False

    def describe(self) -> str:
        roles = " or ".join(r for r in ROLES if r in self.roles)
        return f"{roles} with every unit in scope (*)" if self.all_units else roles


def allow(*roles: str, all_units: bool = False) -> Rule:
    unknown = set(roles) - set(ROLES)
    if unknown or not roles:
        raise ValueError(f"roles must be some of {ROLES}, got {roles}")
    return Rule(frozenset(roles), all_units)


# Reads: every role (each within its scope).
READ = allow(*ROLES)
ANY_ROLE = READ


@dataclass(frozen=True)
class Policy:
    """Method name -> :class:`Rule` for one gRPC service (its full name, e.g.
    ``benefits.v1.LedgerService``)."""

    service: str
    rules: Mapping[str, Rule]

    def rule(self, method: str) -> Rule | None:
        return self.rules.get(method)


def outside_scope(caller: Caller, what: str) -> PermissionDenied:
    """The refusal of something outside a caller's unit scope: ``what`` names it
    (e.g. "member_id: member M1 is in unit GD-GZ-0001")."""
    return PermissionDenied(
        f"{what}, outside the scope of caller {caller.id} ({caller.scope_text})"
    )
