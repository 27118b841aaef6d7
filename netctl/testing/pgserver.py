"""A private PostgreSQL server on loopback for tests and benchmarks (never a system service).

``initdb`` a throw-away cluster in a temporary folder, start ``postgres`` on 127.0.0.1 at a free
port with its socket in that folder, hand out one fresh database per test, stop and delete it
all at the end. As root the server runs as the ``postgres`` account that Debian's package
creates (PostgreSQL refuses to run as root).

Usage::

    with PgServer.start(tmp) as pg:
        url = pg.new_database()        # postgresql+psycopg://netctl@127.0.0.1:PORT/t_1
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

USER = "netctl"


def find_bindir() -> Path | None:
    """The newest installed PostgreSQL server's ``bin`` folder (Debian layout), if any."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"),
                   key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
    return found[-1].parent if found else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PgServer:
    """A running private cluster."""

    root: Path
    port: int
    proc: subprocess.Popen[bytes]
    _names: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    @classmethod
    @contextlib.contextmanager
    def start(cls, root: Path, *, timeout: float = 30.0) -> Iterator[PgServer]:
        """Create, start and finally remove a cluster under ``root``."""
        bindir = find_bindir()
        if bindir is None:
            msg = "PostgreSQL server binaries not found under /usr/lib/postgresql"
            raise FileNotFoundError(msg)
        root.mkdir(parents=True, exist_ok=True)
        data = root / "data"
        run_as: list[str] = []
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            os.chown(root, account.pw_uid, account.pw_gid)
            run_as = ["runuser", "-u", "postgres", "--"]
        subprocess.run([*run_as, str(bindir / "initdb"), "-D", str(data), "-U", USER,
                        "--auth=trust", "-E", "UTF8", "--no-sync", "--locale=C.UTF-8"],
                       check=True, capture_output=True, timeout=120)
        port = _free_port()
        log = (root / "postgres.log").open("wb")
        proc = subprocess.Popen(
            [*run_as, str(bindir / "postgres"), "-D", str(data), "-h", "127.0.0.1",
             "-p", str(port), "-k", str(root), "-c", "fsync=off",
             "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
             "-c", "max_connections=200"],
            stdout=subprocess.DEVNULL, stderr=log,
        )
        log.close()  # the child holds its own descriptor
        server = cls(root=root, port=port, proc=proc)
        try:
            server._wait(timeout)
            yield server
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
            shutil.rmtree(root, ignore_errors=True)

    def _wait(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                log = (self.root / "postgres.log").read_text(errors="replace")[-2000:]
                msg = f"postgres exited with {self.proc.returncode}: {log}"
                raise RuntimeError(msg)
            try:
                self._admin("select 1")
            except Exception:  # not up yet
                time.sleep(0.1)
                continue
            return
        msg = f"postgres did not accept connections within {timeout} s"
        raise TimeoutError(msg)

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user=USER, dbname="postgres",
                             autocommit=True, connect_timeout=5) as conn:
            conn.execute(sql.encode())

    def url(self, database: str) -> str:
        """SQLAlchemy URL of a database of this server."""
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh, empty database; its SQLAlchemy URL."""
        name = f"t_{next(self._names)}"
        self._admin(f'create database "{name}"')
        return self.url(name)
