"""Who may see national ID numbers in full.

For now a caller may when its gRPC metadata ``x-role`` is ``admin`` or
``auditor``. This is the seam the security issue replaces with authenticated
roles: servicers ask :func:`may_reveal` and nothing else.
"""

from __future__ import annotations

import grpc

from benefits_platform.rpc import metadata_value

ROLE_HEADER = "x-role"
REVEALING_ROLES = frozenset({"admin", "auditor"})


def role(context: grpc.aio.ServicerContext) -> str:
    return metadata_value(context, ROLE_HEADER).strip().lower()


def may_reveal(context: grpc.aio.ServicerContext) -> bool:
    """Whether the caller may see national ID numbers in full."""
    return role(context) in REVEALING_ROLES
