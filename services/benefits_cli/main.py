"""The ``benefits`` command: programmes, payouts, batches, reversals and lookups
in the ledger; units, members and hardship files in the members service
(benefits_cli.members).

``main(argv)`` returns the exit code (0 ok, 1 refused or failed, 2 usage) so
tests can call it in-process; the console script passes it to ``sys.exit``.
Amounts are typed in yuan (up to 2 decimals) or, with ``--fen``, in fen.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TextIO

from google.protobuf.message import Message

from benefits_cli import batch as batch_file
from benefits_cli import formatting as fmt
from benefits_cli.client import (
    DEFAULT_TIMEOUT,
    CallError,
    Credentials,
    CredentialsError,
    LedgerClient,
    MembersClient,
)
from benefits_cli.money import AmountError, parse_amount
from benefits_cli.progress import Progress
from benefits_platform.protos.benefits.v1 import ledger_pb2

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
DEFAULT_LEDGER = "127.0.0.1:50051"
DEFAULT_MEMBERS = "127.0.0.1:50052"
MAX_PAGE_SIZE = 500
KINDS = {
    "subsidy": ledger_pb2.PROGRAM_KIND_SUBSIDY,
    "aid": ledger_pb2.PROGRAM_KIND_AID,
    "mutual-aid": ledger_pb2.PROGRAM_KIND_MUTUAL_AID,
    "in-kind": ledger_pb2.PROGRAM_KIND_IN_KIND,
}


def enum_choices(enum: Any, prefix: str) -> dict[str, str]:
    """CLI spelling -> enum value name for every value but UNSPECIFIED (0), e.g.
    "duplicate-payment" -> "REVERSAL_REASON_DUPLICATE_PAYMENT"."""
    return {
        value.name.removeprefix(prefix).lower().replace("_", "-"): value.name
        for value in enum.DESCRIPTOR.values
        if value.number != 0
    }


REASONS = enum_choices(ledger_pb2.ReversalReason, "REVERSAL_REASON_")
_PREFIX_RE = re.compile(r"^[A-Za-z0-9._:\-]{0,80}$")


class UsageError(Exception):
    """The command line asks for something this client cannot send (exit 2)."""


class Cli:
    """One invocation: parsed arguments, output streams and a lazily opened client."""

    def __init__(self, args: argparse.Namespace, out: TextIO, err: TextIO) -> None:
        self.args = args
        self.out = out
        self.err = err
        self._client: LedgerClient | None = None
        self._members: MembersClient | None = None
        self._credentials: Credentials | None = None

    @property
    def credentials(self) -> Credentials:
        """The API key and TLS settings every client of this invocation uses."""
        if self._credentials is None:
            a = self.args
            try:
                self._credentials = Credentials.resolve(a.api_key, a.api_key_file, a.tls_ca)
            except CredentialsError as error:
                raise UsageError(str(error)) from None
        return self._credentials

    @property
    def client(self) -> LedgerClient:
        if self._client is None:
            a = self.args
            self._client = LedgerClient(
                a.ledger, a.timeout, a.request_id_prefix, credentials=self.credentials
            )
        return self._client

    @property
    def members(self) -> MembersClient:
        if self._members is None:
            a = self.args
            self._members = MembersClient(
                a.members, a.timeout, a.request_id_prefix, credentials=self.credentials
            )
        return self._members

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        if self._members is not None:
            self._members.close()

    def emit(self, document: Message | Mapping[str, Any], text: Callable[[], str]) -> None:
        """Print one JSON document with --json, otherwise the readable text."""
        print(fmt.as_json(document) if self.args.json else text(), file=self.out)

    def note(self, text: str) -> None:
        print(text, file=self.err)

    def amount(self, option: str, allow_zero: bool = False) -> int:
        """The amount given with ``--option`` in fen (0 when the option was left out)."""
        text: str | None = getattr(self.args, option)
        if text is None:
            return 0
        try:
            return parse_amount(text, fen=self.args.fen, allow_zero=allow_zero)
        except AmountError as error:
            raise UsageError(f"--{option}: {error}") from None

    def request_id(self) -> str:
        """The user's --request-id, or a new one announced so a retry can reuse it."""
        given: str = self.args.request_id or ""
        if given:
            return given
        new = self.client.new_request_id()
        self.note(f"request id: {new} (to retry safely, rerun with --request-id {new})")
        return new


def page_size(value: int) -> int:
    """A --page-size the services accept."""
    if not 1 <= value <= MAX_PAGE_SIZE:
        raise UsageError(f"--page-size must be 1 to {MAX_PAGE_SIZE}, got {value}")
    return value


# -- commands -------------------------------------------------------------------------


def cmd_up(cli: Cli) -> int:
    try:
        # Imported here: every other command works without the stack runner.
        from benefits_cli.stack import run_stack
    except ModuleNotFoundError as error:
        if error.name != "benefits_cli.stack":
            raise
        cli.note("error: the stack runner (benefits_cli.stack) is not installed")
        return EXIT_FAILED
    if cli.args.cluster:
        from benefits_cli.cluster import run_cluster

        return run_cluster(data_dir=Path(cli.args.data_dir))
    return run_stack(data_dir=Path(cli.args.data_dir))


def cmd_program_open(cli: Cli) -> int:
    from benefits_cli import claims

    a = cli.args
    groups = [g.strip() for g in (a.groups or "").split(",") if g.strip()]
    request = ledger_pb2.OpenProgramRequest(
        code=a.code,
        fiscal_year=a.year,
        name_zh=a.name_zh,
        name_en=a.name_en,
        kind=KINDS[a.kind],
        budget_fen=cli.amount("budget"),
        standard_amount_fen=cli.amount("standard", allow_zero=True),
        per_member_annual_cap_fen=cli.amount("cap", allow_zero=True),
        eligibility=ledger_pb2.Eligibility(member_groups=groups, hardship_only=a.hardship_only),
        request_id=a.request_id or "",
        **claims.programme_rules(cli),
    )
    program = cli.client.open_program(request)
    cli.emit(program, lambda: fmt.program_detail(program))
    return EXIT_OK


def cmd_program_close(cli: Cli) -> int:
    a = cli.args
    request = ledger_pb2.CloseProgramRequest(code=a.code, fiscal_year=a.year, reason=a.reason)
    program = cli.client.close_program(request)
    cli.emit(program, lambda: fmt.program_detail(program))
    return EXIT_OK


def cmd_program_show(cli: Cli) -> int:
    program = cli.client.get_program(cli.args.code, cli.args.year)
    cli.emit(program, lambda: fmt.program_detail(program))
    return EXIT_OK


def cmd_program_list(cli: Cli) -> int:
    response = cli.client.list_programs(cli.args.year or 0)
    cli.emit(response, lambda: fmt.program_table(response.programs))
    return EXIT_OK


def _recorded(entry: ledger_pb2.Entry, what: str) -> str:
    status = "replayed (recorded earlier with this request id)" if entry.replayed else "recorded"
    return f"{what} {status}\n{fmt.entry_detail(entry)}"


def cmd_post(cli: Cli) -> int:
    a = cli.args
    amount = cli.amount("amount")
    request = ledger_pb2.PostPayoutRequest(
        request_id=cli.request_id(),
        member_id=a.member,
        program_code=a.program,
        fiscal_year=a.year,
        amount_fen=amount,
        effective_date=a.date,
        external_ref=a.ref,
        note=a.note,
    )
    entry = cli.client.post_payout(request)
    cli.emit(entry, lambda: _recorded(entry, "payout"))
    return EXIT_OK


def cmd_reverse(cli: Cli) -> int:
    a = cli.args
    request = ledger_pb2.ReversePayoutRequest(
        request_id=cli.request_id(), entry_id=a.entry_id, reason=REASONS[a.reason], note=a.note
    )
    entry = cli.client.reverse_payout(request)
    cli.emit(entry, lambda: _recorded(entry, "reversal"))
    return EXIT_OK


def cmd_batch(cli: Cli) -> int:
    path, size = Path(cli.args.file), cli.args.chunk
    if not 1 <= size <= batch_file.MAX_CHUNK:
        raise UsageError(f"--chunk must be 1 to {batch_file.MAX_CHUNK}, got {size}")
    try:
        total = batch_file.check_file(path)
        result = batch_file.post_file(cli.client, path, size, Progress(total, cli.err))
    except batch_file.BatchFileError as error:
        cli.note(f"error: {path}: {error}")
        cli.note("the file was refused: no row of it was posted by this run.")
        return EXIT_FAILED
    cli.emit(batch_file.document(path, result), lambda: batch_file.summary(path, result))
    if result.refusal is None:
        return EXIT_OK
    for line in batch_file.refusal_lines(result.refusal, result):
        cli.note(line)
    return EXIT_FAILED


def cmd_show_entry(cli: Cli) -> int:
    entry = cli.client.get_payout(cli.args.entry_id)
    cli.emit(entry, lambda: fmt.entry_detail(entry))
    return EXIT_OK


def cmd_show_member(cli: Cli) -> int:
    a = cli.args
    size = page_size(a.page_size)
    account = cli.client.member_account(a.member)
    entries = list(cli.client.member_entries(a.member, size)) if a.entries else None
    document: Message | dict[str, Any] = account
    if entries is not None:
        document = {"account": account, "entries": entries}
    cli.emit(document, lambda: _member_text(cli, account, entries))
    return EXIT_OK


def _member_text(
    cli: Cli, account: ledger_pb2.MemberAccount, entries: list[ledger_pb2.Entry] | None
) -> str:
    programs = cli.client.list_programs(0).programs if account.receipts else []
    text = fmt.account_detail(account, programs)
    if entries is not None:
        text += "\n\nEntries:\n" + fmt.entries_table(entries)
    return text


# -- the parser -----------------------------------------------------------------------


def _global_options(parser: argparse.ArgumentParser, defaults: bool) -> None:
    """The same options on the top parser (with defaults) and on every subcommand
    (without, so `benefits program list --json` works as well as `benefits --json ...`)."""

    env_ledger = os.environ.get("BENEFITS_LEDGER_ADDR", "").strip() or DEFAULT_LEDGER
    env_members = os.environ.get("BENEFITS_MEMBERS_ADDR", "").strip() or DEFAULT_MEMBERS
    options: list[tuple[str, Any, dict[str, Any]]] = [
        ("--ledger", env_ledger, {"metavar": "ADDR", "help": "ledger gRPC address "
         f"(env BENEFITS_LEDGER_ADDR; default {env_ledger})"}),
        ("--members", env_members, {"metavar": "ADDR", "help": "members gRPC address "
         f"(env BENEFITS_MEMBERS_ADDR; default {env_members})"}),
        ("--api-key", "", {"metavar": "KEY", "help": "API key sent with every call (env "
         "BENEFITS_API_KEY; default: the development key var/keys/dev-admin.key of `make up`)"}),
        ("--api-key-file", "", {"metavar": "FILE", "help": "file holding the API key "
         "(env BENEFITS_API_KEY_FILE)"}),
        ("--tls-ca", "", {"metavar": "FILE", "help": "CA of the services' TLS certificates "
         "(env BENEFITS_TLS_CA_FILE; default: plaintext)"}),
        ("--json", False, {"action": "store_true",
         "help": "print one JSON document (protobuf field names)"}),
        ("--timeout", DEFAULT_TIMEOUT, {"type": float, "metavar": "SECONDS",
         "help": f"deadline of each call (default {DEFAULT_TIMEOUT:g})"}),
        ("--request-id-prefix", "", {"metavar": "PREFIX",
         "help": "prefix of the request ids this client generates"}),
    ]  # fmt: skip
    for flag, default, settings in options:
        parser.add_argument(flag, default=default if defaults else argparse.SUPPRESS, **settings)


def _sub(
    group: Any, name: str, handler: Callable[[Cli], int], help_text: str
) -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    _global_options(common, defaults=False)
    parser: argparse.ArgumentParser = group.add_parser(
        name, help=help_text, description=help_text, parents=[common]
    )
    parser.set_defaults(handler=handler)
    return parser


def _program_key(parser: argparse.ArgumentParser, positional: bool = False) -> None:
    if positional:
        parser.add_argument("code", help="programme code, e.g. GREEN_TRAVEL")
    else:
        parser.add_argument("--code", required=True, help="programme code, e.g. GREEN_TRAVEL")
    parser.add_argument("--year", type=int, required=True, help="fiscal year, e.g. 2026")


def _money_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--fen", action="store_true", help="amounts are whole fen instead of yuan")


def _request_id_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--request-id", metavar="ID", help="idempotency key (default: a new one, printed on stderr)"
    )


def _add_program(commands: Any) -> None:
    from benefits_cli import claims

    program = commands.add_parser("program", help="open, close, show and list programmes")
    sub = program.add_subparsers(dest="program_command", required=True, metavar="COMMAND")
    p = _sub(sub, "open", cmd_program_open, "open a programme for a fiscal year")
    _program_key(p)
    p.add_argument("--name-zh", required=True, help="Chinese name, e.g. 绿色出行")
    p.add_argument("--name-en", required=True, help='English name, e.g. "Green travel"')
    p.add_argument("--kind", required=True, choices=list(KINDS))
    p.add_argument("--budget", required=True, help="budget in yuan (fen with --fen)")
    p.add_argument("--standard", help="standard amount per payout")
    p.add_argument("--cap", help="cap on what one member may receive in the year")
    p.add_argument("--groups", help="comma-separated member groups (default: all members)")
    p.add_argument(
        "--hardship-only",
        action="store_true",
        help="only members with an open hardship file or gradual-exit period",
    )
    claims.add_programme_rule_options(p)
    _money_options(p)
    _request_id_option(p)
    p = _sub(sub, "close", cmd_program_close, "close a programme: no further payouts")
    _program_key(p)
    p.add_argument("--reason", default="", help="why it is closed")
    _program_key(_sub(sub, "show", cmd_program_show, "show one programme"))
    p = _sub(sub, "list", cmd_program_list, "list programmes")
    p.add_argument("--year", type=int, help="only this fiscal year")


def _add_payouts(commands: Any) -> None:
    p = _sub(commands, "post", cmd_post, "post one payout (idempotent on its request id)")
    p.add_argument("--member", required=True, help="member id")
    p.add_argument("--program", required=True, help="programme code")
    p.add_argument("--year", type=int, required=True, help="fiscal year")
    p.add_argument("--amount", required=True, help="amount in yuan, e.g. 20.00 (fen with --fen)")
    p.add_argument("--date", required=True, help="effective date YYYY-MM-DD")
    p.add_argument("--ref", default="", help="external reference")
    p.add_argument("--note", default="")
    _money_options(p)
    _request_id_option(p)
    p = _sub(commands, "batch", cmd_batch, "post a CSV file of payouts in all-or-nothing chunks")
    p.add_argument(
        "file",
        help="CSV: request_id,member_id,program_code,fiscal_year,"
        "amount|amount_fen,effective_date[,external_ref,note]",
    )
    p.add_argument("--chunk", type=int, default=1000, help="rows per call (1-10000, default 1000)")
    p = _sub(commands, "reverse", cmd_reverse, "reverse a payout (once; with a reason)")
    p.add_argument("entry_id", help="the payout's entry id")
    p.add_argument("--reason", required=True, choices=list(REASONS))
    p.add_argument("--note", default="")
    _request_id_option(p)


def _add_show(commands: Any) -> None:
    show = commands.add_parser("show", help="show a member's account, an entry or a programme")
    sub = show.add_subparsers(dest="show_command", required=True, metavar="WHAT")
    p = _sub(sub, "member", cmd_show_member, "a member's receipts and stored-value balance")
    p.add_argument("member", help="member id")
    p.add_argument("--entries", action="store_true", help="also list every entry")
    p.add_argument("--page-size", type=int, default=100, help="entries per call (1-500)")
    p = _sub(sub, "entry", cmd_show_entry, "one payout or reversal")
    p.add_argument("entry_id")
    _program_key(_sub(sub, "program", cmd_program_show, "one programme"), positional=True)


def build_parser() -> argparse.ArgumentParser:
    # Imported here: benefits_cli.members and .reports use this module's Cli and helpers.
    from benefits_cli import certs, claims, keys, members, reports

    parser = argparse.ArgumentParser(
        prog="benefits",
        description="Client of the benefits ledger and members services "
        "(amounts in 元 unless --fen).",
    )
    _global_options(parser, defaults=True)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = _sub(commands, "up", cmd_up, "run the whole stack locally (NATS and the services)")
    p.add_argument("--data-dir", default="var", help="where the stack keeps its data")
    p.add_argument(
        "--cluster",
        action="store_true",
        help="three NATS nodes (streams at 3 replicas), PostgreSQL, two ledger instances, "
        "a relay, members and reporting; data under <data dir>/cluster",
    )
    _add_program(commands)
    _add_payouts(commands)
    _add_show(commands)
    members.add_commands(commands, _sub)
    claims.add_commands(commands, _sub)
    reports.add_commands(commands, _sub)
    keys.add_commands(commands, _sub)
    certs.add_commands(commands, _sub)
    return parser


# -- running --------------------------------------------------------------------------


def _parse(argv: list[str] | None) -> argparse.Namespace | int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    if args.timeout <= 0:
        print("error: --timeout must be a positive number of seconds", file=sys.stderr)
        return EXIT_USAGE
    if not _PREFIX_RE.match(args.request_id_prefix):
        print("error: --request-id-prefix must be up to 80 of A-Z a-z 0-9 . _ : -", file=sys.stderr)
        return EXIT_USAGE
    return args


def _report(cli: Cli, error: CallError) -> int:
    cli.note(f"error: {error}")
    if error.hint():
        cli.note(f"hint: {error.hint()}")
    return EXIT_FAILED


def main(argv: list[str] | None = None) -> int:
    parsed = _parse(argv)
    if isinstance(parsed, int):
        return parsed
    cli = Cli(parsed, sys.stdout, sys.stderr)
    try:
        handler: Callable[[Cli], int] = parsed.handler
        return handler(cli)
    except UsageError as error:
        cli.note(f"error: {error}")
        return EXIT_USAGE
    except CallError as error:
        return _report(cli, error)
    except KeyboardInterrupt:
        cli.note("interrupted; running the same command again is safe (request ids replay)")
        return EXIT_INTERRUPTED
    finally:
        cli.close()


if __name__ == "__main__":
    sys.exit(main())
