"""The errors every service's domain raises: plain Python, standard library only.

Domains raise these (or subclasses); the gRPC layer maps them to status codes in
one place (benefits_platform.rpc). Messages name the field and the rule, and
never carry personal data.
"""

from __future__ import annotations


class DomainError(Exception):
    """A caller's request that the domain refuses. Never a server fault."""

    status = "FAILED_PRECONDITION"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidArgument(DomainError):
    """A field is missing, malformed or out of range."""

    status = "INVALID_ARGUMENT"

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule


class NotFound(DomainError):
    status = "NOT_FOUND"


class FailedPrecondition(DomainError):
    """The request is well formed but the current state does not allow it."""

    status = "FAILED_PRECONDITION"


class AlreadyExists(DomainError):
    status = "ALREADY_EXISTS"


class PermissionDenied(DomainError):
    status = "PERMISSION_DENIED"


class Unauthenticated(DomainError):
    status = "UNAUTHENTICATED"


class Unavailable(DomainError):
    """A dependency is not ready yet; the caller may retry with the same request id."""

    status = "UNAVAILABLE"


class ResourceExhausted(DomainError):
    status = "RESOURCE_EXHAUSTED"


class BatchRowError(DomainError):
    """A row of a batch was refused: the whole batch was refused."""

    def __init__(self, index: int, error: DomainError) -> None:
        super().__init__(f"payouts[{index}]: {error.message}")
        self.index = index
        self.error = error
        self.status = error.status
