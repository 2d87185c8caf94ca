"""A PostgreSQL server of our own on a loopback port: ``initdb`` into a directory
(once), then ``postgres`` on it, as an unprivileged user when we are root
(initdb and postgres refuse to run as root).

Used by ``benefits up --cluster`` (the cluster's store under
``<data dir>/cluster/pg``, kept across runs) and by the tests (a throw-away
server per test session, without fsync). Needs Debian's ``postgresql`` package
(its binaries live under /usr/lib/postgresql/<version>/bin, not on PATH).
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import IO, Any, Self

HOST = "127.0.0.1"
READY_SECONDS = 60.0
STOP_SECONDS = 20.0
# Off only where a lost commit costs nothing (tests, benchmarks): these settings
# lose the last commits on an operating-system crash, never on a crash of
# PostgreSQL itself (synchronous_commit stays on: with it off, an acknowledged
# commit still in PostgreSQL's WAL buffers is lost when the server crashes).
FAST_SETTINGS = ("fsync=off", "full_page_writes=off")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def pg_binary(name: str) -> str:
    """``initdb``, ``postgres``...: the newest installed version's, else PATH's."""
    for base in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (base / name).exists():
            return str(base / name)
    found = shutil.which(name)
    if not found:
        raise RuntimeError(
            f"PostgreSQL's {name} not found: install Debian's postgresql package "
            "(apt-get install postgresql)"
        )
    return found


def unprivileged_user() -> tuple[int, int] | None:
    """(uid, gid) to run PostgreSQL as when we are root ('postgres', else
    'nobody'); None when we are not root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return entry.pw_uid, entry.pw_gid
    raise RuntimeError("running as root and no unprivileged user to run PostgreSQL as")


class PostgresServer:
    """One PostgreSQL server whose data lives in ``base/data``.

    ``start()`` runs initdb if ``base/data`` holds no cluster yet, starts the
    server, waits until it accepts connections and creates ``database``.
    ``stop()`` shuts it down (fast), ``crash()`` the way a power cut would look
    to the server (immediate shutdown: recovery from the WAL at the next start);
    ``start()`` again on the same directory and port brings it back.
    """

    def __init__(
        self,
        base: Path,
        port: int | None = None,
        *,
        database: str = "benefits",
        user: str = "benefits",
        password: str = "benefits",  # noqa: S107 (a loopback server of our own)
        durable: bool = False,
        max_connections: int = 200,
    ) -> None:
        self.base = base
        self.port = port or free_port()
        self.database = database
        self.user = user
        self.password = password
        self.durable = durable
        self.max_connections = max_connections
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def data_dir(self) -> Path:
        return self.base / "data"

    @property
    def dsn(self) -> str:
        return self.dsn_for(self.database)

    def dsn_for(self, database: str) -> str:
        return f"postgresql://{self.user}:{self.password}@{HOST}:{self.port}/{database}"

    # -- set-up -----------------------------------------------------------------------

    def popen_options(self) -> dict[str, Any]:
        """How to run :meth:`command`: from ``base`` (as an unprivileged user when
        we are root and setpriv is missing)."""
        options: dict[str, Any] = {"cwd": self.base}
        account = unprivileged_user()
        if account is not None and not shutil.which("setpriv"):
            options.update(user=account[0], group=account[1])
        return options

    @staticmethod
    def as_account(command: list[str]) -> list[str]:
        """``command`` run as the unprivileged user when we are root, through
        setpriv: Popen then needs no user switch of its own, which would make it
        fork() rather than vfork(), running the fork handlers of libraries such as
        gRPC in a process that is using them."""
        account = unprivileged_user()
        setpriv = shutil.which("setpriv")
        if account is None or setpriv is None:
            return command
        uid, gid = account
        return [setpriv, f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--", *command]

    def init(self) -> None:
        """initdb into ``base/data`` unless a cluster is already there."""
        self.base.mkdir(parents=True, exist_ok=True)
        account = unprivileged_user()
        if account is not None:
            os.chown(self.base, *account)
        os.chmod(self.base, 0o700)
        if (self.data_dir / "PG_VERSION").exists():
            return
        pwfile = self.base / "initdb-password"
        pwfile.write_text(self.password)
        if account is not None:
            os.chown(pwfile, *account)
        try:
            subprocess.run(
                self.as_account([
                    pg_binary("initdb"),
                    "-D",
                    str(self.data_dir),
                    "-U",
                    self.user,
                    "--pwfile",
                    str(pwfile),
                    "-A",
                    "scram-sha-256",
                    "-E",
                    "UTF8",
                    "--no-sync",
                ]),
                check=True,
                capture_output=True,
                **self.popen_options(),
            )
        except subprocess.CalledProcessError as error:
            detail = error.stderr.decode(errors="replace").strip()[-2000:]
            raise RuntimeError(f"initdb failed: {detail}") from None
        finally:
            pwfile.unlink(missing_ok=True)

    def command(self) -> list[str]:
        settings = [f"max_connections={self.max_connections}"]
        if not self.durable:
            settings += FAST_SETTINGS
        flags: list[str] = []
        for setting in settings:
            flags += ["-c", setting]
        return self.as_account([
            pg_binary("postgres"),
            "-D",
            str(self.data_dir),
            "-p",
            str(self.port),
            "-h",
            HOST,
            "-k",
            str(self.base),
            *flags,
        ])

    # -- run --------------------------------------------------------------------------

    def start(self, output: IO[bytes] | int = subprocess.DEVNULL) -> Self:
        """initdb if needed, start the server and wait until ``database`` exists."""
        self.init()
        self.proc = subprocess.Popen(
            self.command(), stdout=output, stderr=subprocess.STDOUT, **self.popen_options()
        )
        self.wait_ready(self.proc)
        return self

    def wait_ready(
        self, proc: subprocess.Popen[bytes] | None = None, timeout: float = READY_SECONDS
    ) -> None:
        """Wait until the server accepts connections, then create ``database`` if
        missing. Raises RuntimeError if ``proc`` exits or ``timeout`` passes."""
        deadline = time.monotonic() + timeout
        while not self.ready():
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"postgres exited with status {proc.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"PostgreSQL not ready after {timeout:.0f} s")
            time.sleep(0.1)

    def ready(self) -> bool:
        """True when the server accepts connections (``database`` is created then
        if missing)."""
        import psycopg

        try:
            with psycopg.connect(
                self.dsn_for("postgres"), autocommit=True, connect_timeout=2
            ) as conn:
                if not conn.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", (self.database,)
                ).fetchone():
                    conn.execute(f'CREATE DATABASE "{self.database}"')
                return True
        except psycopg.OperationalError:
            return False

    def create_database(self, name: str) -> str:
        """A new database on this server; its DSN."""
        import psycopg

        with psycopg.connect(self.dsn_for("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.dsn_for(name)

    def stop(self, timeout: float = STOP_SECONDS) -> None:
        """Fast shutdown (SIGINT): open transactions are rolled back."""
        self._signal_and_wait(signal.SIGINT, timeout)

    def crash(self, timeout: float = STOP_SECONDS) -> None:
        """Immediate shutdown (SIGQUIT): no checkpoint, the next start recovers
        from the WAL, as after a crash."""
        self._signal_and_wait(signal.SIGQUIT, timeout)

    def _signal_and_wait(self, sig: signal.Signals, timeout: float) -> None:
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        if proc.poll() is None:
            proc.send_signal(sig)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
