"""The domain's names for levels, tiers, causes and states, and their protobuf
enum values (``"DEEP"`` <-> ``HARDSHIP_TIER_DEEP``)."""

from __future__ import annotations

from typing import Any, Protocol

from benefits_platform.protos.benefits.v1 import common_pb2, members_pb2


class EnumType(Protocol):
    """What a generated protobuf enum wrapper offers."""

    def Name(self, number: int) -> str: ...

    def Value(self, name: str) -> int: ...

    def values(self) -> list[int]: ...


class ProtoEnum:
    """One protobuf enum whose value names are ``PREFIX_`` + the domain's name;
    the UNSPECIFIED value (0) stands for the domain's empty name."""

    def __init__(self, enum: EnumType, prefix: str) -> None:
        self.enum = enum
        self.prefix = prefix

    def name(self, number: int) -> str:
        """The domain's name of an enum value; '' for UNSPECIFIED or an unknown number."""
        if number == 0 or number not in self.enum.values():
            return ""
        return self.enum.Name(number).removeprefix(self.prefix)

    def value(self, name: str) -> Any:
        """The enum value of a domain name (typed Any: each generated field wants
        its enum's own value type)."""
        return self.enum.Value(self.prefix + name) if name else 0


LEVEL = ProtoEnum(members_pb2.UnitLevel, "UNIT_LEVEL_")  # type: ignore[arg-type]
TIER = ProtoEnum(common_pb2.HardshipTier, "HARDSHIP_TIER_")  # type: ignore[arg-type]
CAUSE = ProtoEnum(members_pb2.HardshipCause, "HARDSHIP_CAUSE_")  # type: ignore[arg-type]
MEMBERSHIP = ProtoEnum(members_pb2.MembershipStatus, "MEMBERSHIP_STATUS_")  # type: ignore[arg-type]
HARDSHIP = ProtoEnum(members_pb2.HardshipStatus, "HARDSHIP_STATUS_")  # type: ignore[arg-type]
