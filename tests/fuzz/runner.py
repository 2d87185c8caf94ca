"""One fuzzed call at a time, with the invariants checked after each.

:class:`Fuzzer` finds every RPC of every service in the generated modules
(``benefits_platform.protos.benefits.v1.*_pb2``), calls them through real gRPC
and records, per RPC, how many calls were made and the status codes seen.
Anything that breaks an invariant is kept as a :class:`Violation` (the run goes
on, so one long run reports everything it found):

- no call ends INTERNAL or UNKNOWN (nor hangs past its deadline, nor finds a
  service UNAVAILABLE);
- a refused call writes no event in any service's store;
- bad credentials are UNAUTHENTICATED and a role the method's policy does not
  allow is PERMISSION_DENIED, whatever the request;
- a request with a string longer than any text limit never gets an event
  written;
- at the end: each stream holds exactly its store's events, every ledger
  entry's postings sum to zero, VerifyLedger passes, every service is SERVING.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import grpc
from google.protobuf import descriptor as D
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass
from grpc_health.v1 import health_pb2, health_pb2_grpc

import benefits_platform.protos.benefits.v1 as generated
from benefits_platform.protos.benefits.v1 import events_pb2, reporting_pb2
from reporting.adapters.codec import payload_of
from tests.fuzz.harness import MAX_MESSAGE_BYTES, Caller, Stack
from tests.fuzz.strategies import summary

CALL_SECONDS = 30.0
NEVER = {grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN}
# Longer than any text limit of any field: accepting it into an event is a gap.
UNBOUNDED_TEXT = 1_000


@dataclass(frozen=True)
class Method:
    service: str  # full name, e.g. benefits.v1.LedgerService
    name: str
    input: D.Descriptor
    output: D.Descriptor
    server_streaming: bool

    @property
    def path(self) -> str:
        return f"/{self.service}/{self.name}"

    @property
    def label(self) -> str:
        return f"{self.service.rpartition('.')[2]}.{self.name}"


def all_methods() -> list[Method]:
    """Every RPC of every service the generated modules declare."""
    found: list[Method] = []
    for info in sorted(pkgutil.iter_modules(generated.__path__), key=lambda m: m.name):
        if not info.name.endswith("_pb2"):
            continue
        module = importlib.import_module(f"{generated.__name__}.{info.name}")
        for service in module.DESCRIPTOR.services_by_name.values():
            for m in service.methods:
                found.append(
                    Method(
                        service.full_name, m.name, m.input_type, m.output_type, m.server_streaming
                    )
                )
    return found


@dataclass
class Violation:
    rpc: str
    caller: str
    status: str
    details: str
    request: str
    rule: str

    def __str__(self) -> str:
        return (
            f"{self.rpc} as {self.caller}: {self.rule}; got {self.status} "
            f"{self.details[:300]!r}; request: {self.request}"
        )


@dataclass
class Outcome:
    code: grpc.StatusCode
    details: str
    reply: Message | None = None


def longest_text(msg: Message) -> int:
    longest = 0
    for f, value in msg.ListFields():
        if f.type == D.FieldDescriptor.TYPE_STRING:
            items = value if f.is_repeated else [value]
            longest = max([longest, *(len(v) for v in items)])
        elif f.type == D.FieldDescriptor.TYPE_MESSAGE:
            items = value if f.is_repeated else [value]
            for item in list(items)[:50]:
                longest = max(longest, longest_text(item))
    return longest


def _identity(data: bytes) -> bytes:
    return data


@dataclass
class Fuzzer:
    stack: Stack
    methods: list[Method] = field(default_factory=all_methods)
    calls: Counter[str] = field(default_factory=Counter)
    statuses: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    violations: list[Violation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    _channels: dict[str, grpc.Channel] = field(default_factory=dict)

    def __post_init__(self) -> None:
        hosts = {}
        for name, server in self.stack.servers.items():
            for service in server.host.service_names:
                hosts[service] = self.stack.addresses[name]
        self.hosts = hosts
        missing = {m.service for m in self.methods} - set(hosts)
        assert not missing, f"services no server hosts: {missing}"
        for address in set(hosts.values()):
            self._channels[address] = grpc.insecure_channel(
                address,
                options=[
                    ("grpc.max_send_message_length", -1),
                    ("grpc.max_receive_message_length", -1),
                ],
            )

    def close(self) -> None:
        for channel in self._channels.values():
            channel.close()

    # -- one call --------------------------------------------------------------------

    def raw_call(self, method: Method, payload: bytes, caller: Caller) -> Outcome:
        channel = self._channels[self.hosts[method.service]]
        try:
            if method.server_streaming:
                replies = channel.unary_stream(
                    method.path, request_serializer=_identity, response_deserializer=_identity
                )(payload, metadata=caller.metadata, timeout=CALL_SECONDS)
                last = b""
                for reply in replies:
                    last = reply
                return Outcome(grpc.StatusCode.OK, "", _parse(method.output, last))
            reply = channel.unary_unary(
                method.path, request_serializer=_identity, response_deserializer=_identity
            )(payload, metadata=caller.metadata, timeout=CALL_SECONDS)
            return Outcome(grpc.StatusCode.OK, "", _parse(method.output, reply))
        except grpc.RpcError as error:
            return Outcome(error.code(), error.details() or "")

    def call(
        self, method: Method, request: Message | bytes, caller: Caller, what: str = ""
    ) -> Outcome:
        """Make one call and check what every call must satisfy."""
        payload = request if isinstance(request, bytes) else request.SerializeToString()
        before = self.stack.positions()
        outcome = self.raw_call(method, payload, caller)
        after = self.stack.positions()
        code = outcome.code
        self.calls[method.label] += 1
        self.statuses[method.label][code.name] += 1
        shown = what or (
            summary(request) if isinstance(request, Message) else f"<{len(payload)} raw bytes>"
        )

        def violated(rule: str) -> None:
            self.violations.append(
                Violation(method.label, caller.name, code.name, outcome.details, shown, rule)
            )

        if code in NEVER:
            violated("never INTERNAL or UNKNOWN")
        elif code == grpc.StatusCode.DEADLINE_EXCEEDED:
            violated(f"answers within {CALL_SECONDS:g} s")
        elif code == grpc.StatusCode.UNAVAILABLE and not outcome.details.startswith(
            "members_position:"  # the documented wait for the members view, then retry
        ):
            violated("the service stays available")
        if code != grpc.StatusCode.OK and after != before:
            violated(f"a refused call writes no event (positions {before} -> {after})")
        if len(payload) > MAX_MESSAGE_BYTES:
            # gRPC refuses it before anything else looks at the call.
            if code != grpc.StatusCode.RESOURCE_EXHAUSTED:
                violated(f"a request over {MAX_MESSAGE_BYTES} bytes is RESOURCE_EXHAUSTED")
        elif caller.expected is not None and code != caller.expected:
            violated(f"bad credentials are {caller.expected.name}")
        elif caller.expected is None and code not in NEVER:
            rule = self.stack.rule(method.service, method.name)
            allowed = (
                rule is not None
                and bool(caller.roles & rule.roles)
                and (caller.all_units or not rule.all_units)
            )
            if not allowed and code != grpc.StatusCode.PERMISSION_DENIED:
                violated("a role the policy does not allow is PERMISSION_DENIED")
        if (
            code == grpc.StatusCode.OK
            and after != before
            and isinstance(request, Message)
            and longest_text(request) > UNBOUNDED_TEXT
        ):
            violated(f"text longer than {UNBOUNDED_TEXT} characters is refused, not recorded")
        return outcome

    # -- the end of a run --------------------------------------------------------------

    def check_final(self) -> list[str]:
        """The run-wide invariants; returns what was checked, for the report."""
        checked = []
        assert self.stack.admin is not None
        for name, (position, length) in self.stack.streams().items():
            if position != length:
                self.violations.append(
                    Violation(
                        name,
                        "-",
                        "-",
                        f"store {position}, stream {length}",
                        "",
                        "each stream holds exactly its store's events",
                    )
                )
            checked.append(f"{name}: {position} events in the store and on the stream")
        entries = 0
        for raw in self.stack.stream_messages("ledger"):
            envelope = events_pb2.EventEnvelope.FromString(raw)
            payload = payload_of(envelope)
            postings = getattr(payload, "postings", None) if payload is not None else None
            if postings is None or not len(postings):
                continue
            entries += 1
            total = sum(p.amount_fen for p in postings)
            if total != 0:
                self.violations.append(
                    Violation(
                        envelope.event_type,
                        "-",
                        "-",
                        f"postings sum to {total}",
                        f"position {envelope.position}",
                        "every entry's postings sum to zero",
                    )
                )
        checked.append(f"postings of {entries} ledger entries sum to zero")
        verdict = self._verify()
        if verdict is None or not verdict.ok:
            self.violations.append(
                Violation(
                    "ReportingService.VerifyLedger",
                    "admin",
                    "-",
                    str(verdict)[:500],
                    "",
                    "the audit passes after the run",
                )
            )
        else:
            checked.append(
                "VerifyLedger: " + ", ".join(f"{c.name} {c.checked}" for c in verdict.checks)
            )
        for name, address in self.stack.addresses.items():
            stub = health_pb2_grpc.HealthStub(self._channels[address])
            reply = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=CALL_SECONDS)
            if reply.status != health_pb2.HealthCheckResponse.SERVING:
                self.violations.append(
                    Violation(name, "-", str(reply.status), "", "", "services stay healthy")
                )
        checked.append("every service SERVING")
        return checked

    def _verify(self) -> reporting_pb2.AuditVerdict | None:
        assert self.stack.admin is not None
        stub_call = self._channels[self.stack.addresses["reporting"]].unary_stream(
            "/benefits.v1.ReportingService/VerifyLedger",
            request_serializer=reporting_pb2.VerifyLedgerRequest.SerializeToString,
            response_deserializer=reporting_pb2.VerifyLedgerResponse.FromString,
        )
        verdict = None
        for reply in stub_call(
            reporting_pb2.VerifyLedgerRequest(),
            metadata=self.stack.admin.metadata,
            timeout=CALL_SECONDS * 4,
        ):
            if reply.HasField("verdict"):
                verdict = reply.verdict
        return verdict

    def report(self) -> str:
        lines = [f"{sum(self.calls.values())} calls over {len(self.calls)} RPCs"]
        width = max((len(label) for label in self.calls), default=10)
        for label in sorted(self.calls):
            codes = ", ".join(f"{c} {n}" for c, n in self.statuses[label].most_common())
            lines.append(f"  {label:<{width}}  {self.calls[label]:>6}  {codes}")
        never_called = sorted({m.label for m in self.methods} - set(self.calls))
        if never_called:
            lines.append("never called: " + ", ".join(never_called))
        lines.extend(self.notes)
        lines.append(f"violations: {len(self.violations)}")
        seen: Counter[str] = Counter()
        for v in self.violations:
            key = f"{v.rpc}|{v.rule}|{v.status}"
            seen[key] += 1
            if seen[key] <= 3:
                lines.append(f"  {v}")
        repeats = {k: n for k, n in seen.items() if n > 3}
        for key, n in repeats.items():
            lines.append(f"  ({n - 3} more like {key})")
        return "\n".join(lines)


def _parse(descriptor: D.Descriptor, data: bytes) -> Message | None:
    try:
        return GetMessageClass(descriptor).FromString(data)
    except Exception:
        return None
