from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class HardshipTier(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    HARDSHIP_TIER_UNSPECIFIED: _ClassVar[HardshipTier]
    HARDSHIP_TIER_DEEP: _ClassVar[HardshipTier]
    HARDSHIP_TIER_RELATIVE: _ClassVar[HardshipTier]
    HARDSHIP_TIER_ACCIDENT: _ClassVar[HardshipTier]
    HARDSHIP_TIER_GENERAL: _ClassVar[HardshipTier]
HARDSHIP_TIER_UNSPECIFIED: HardshipTier
HARDSHIP_TIER_DEEP: HardshipTier
HARDSHIP_TIER_RELATIVE: HardshipTier
HARDSHIP_TIER_ACCIDENT: HardshipTier
HARDSHIP_TIER_GENERAL: HardshipTier

class Money(_message.Message):
    __slots__ = ("fen", "currency")
    FEN_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    fen: int
    currency: str
    def __init__(self, fen: _Optional[int] = ..., currency: _Optional[str] = ...) -> None: ...

class Posting(_message.Message):
    __slots__ = ("account", "amount_fen")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    account: str
    amount_fen: int
    def __init__(self, account: _Optional[str] = ..., amount_fen: _Optional[int] = ...) -> None: ...

class PageRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...
