"""The stored JSON of a PayoutPosted event, written in one go.

A batch stores thousands of PayoutPosted events a second, and the JSON
transcoder's encoder (a general walk of the state) is a large part of what each
costs. :func:`payout_posted_json` writes exactly the text the transcoder writes
for the state of a PayoutPosted as the writer makes it (fields in their order,
strings, ints, a datetime, postings, an eligibility basis), and returns None for
anything else, which the transcoder then encodes as always
(benefits_platform.eventstore.stored_events). Tested equal to the transcoder's
text, byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from json.encoder import encode_basestring
from typing import Any

from benefits_platform.eventstore import StateJSON
from ledger.domain import entries as E

# A PayoutPosted's stored state, in order (the event's fields, then its class version).
PAYOUT_KEYS = (
    "timestamp",
    "originator_topic",
    "request_id",
    "member_id",
    "program_code",
    "fiscal_year",
    "amount_fen",
    "effective_date",
    "external_ref",
    "note",
    "postings",
    "body_digest",
    "basis",
    "actor",
    "claim_id",
    "class_version",
)
# The eligibility basis the rules record (book.check_eligibility), in order.
BASIS_KEYS = (
    "membership_status",
    "unit_code",
    "member_groups",
    "household_id",
    "hardship_status",
    "tier",
    "pre_exit_tier",
    "gradual_exit_until",
    "ceiling_fen",
    "members_position",
)


def _basis_json(basis: dict[str, Any], encode: Callable[[Any], str]) -> str:
    if tuple(basis) != BASIS_KEYS:
        return encode(basis)
    groups, ceiling = basis["member_groups"], basis["ceiling_fen"]
    position = basis["members_position"]
    if type(groups) is not list or type(ceiling) is not int or type(position) is not int:
        return encode(basis)
    q = encode_basestring
    return (
        f'{{"membership_status":{q(basis["membership_status"])},'
        f'"unit_code":{q(basis["unit_code"])},'
        f'"member_groups":[{",".join([q(group) for group in groups])}],'
        f'"household_id":{q(basis["household_id"])},'
        f'"hardship_status":{q(basis["hardship_status"])},'
        f'"tier":{q(basis["tier"])},"pre_exit_tier":{q(basis["pre_exit_tier"])},'
        f'"gradual_exit_until":{q(basis["gradual_exit_until"])},'
        f'"ceiling_fen":{ceiling!r},"members_position":{position!r}}}'
    )


def payout_posted_json(state: dict[str, Any], encode: Callable[[Any], str]) -> str | None:
    """The JSON of a PayoutPosted's stored state (``encode``: the transcoder's
    encoder, for the postings and any other basis), or None when the state is
    not of the usual shape. Valid only for a transcoder that writes non-ASCII
    as is, with compact separators and datetimes as ``datetime_iso``: the
    caller checks."""
    if tuple(state) != PAYOUT_KEYS:
        return None
    when = state["timestamp"]
    fiscal_year, amount, version = state["fiscal_year"], state["amount_fen"], state["class_version"]
    if (
        type(when) is not datetime
        or type(fiscal_year) is not int
        or type(amount) is not int
        or type(version) is not int
        or type(state["basis"]) is not dict
    ):
        return None
    q = encode_basestring
    try:  # encode_basestring refuses anything but a str: the transcoder decides then
        return (
            f'{{"timestamp":{{"_type_":"datetime_iso","_data_":{q(when.isoformat())}}},'
            f'"originator_topic":{q(state["originator_topic"])},'
            f'"request_id":{q(state["request_id"])},"member_id":{q(state["member_id"])},'
            f'"program_code":{q(state["program_code"])},'
            f'"fiscal_year":{fiscal_year!r},"amount_fen":{amount!r},'
            f'"effective_date":{q(state["effective_date"])},'
            f'"external_ref":{q(state["external_ref"])},"note":{q(state["note"])},'
            f'"postings":{encode(state["postings"])},"body_digest":{q(state["body_digest"])},'
            f'"basis":{_basis_json(state["basis"], encode)},"actor":{q(state["actor"])},'
            f'"claim_id":{q(state["claim_id"])},"class_version":{version!r}}}'
        )
    except TypeError:
        return None


# Event class -> the JSON of its stored state, for eventstore.stored_events.
STATE_JSON: dict[type, StateJSON] = {E.Payout.PayoutPosted: payout_posted_json}
