"""A real PostgreSQL server on a loopback port for the session (``initdb`` + ``pg_ctl``).

As root (containers) PostgreSQL refuses to run, so it is started as an unprivileged user in a
user namespace (``unshare --user --map-user=1000``, same network namespace: the tests reach it on
127.0.0.1). Skipped when the binaries, psycopg or user namespaces are missing.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _bin(name: str) -> str:
    path = shutil.which(name) or next(
        (str(p) for p in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))), None)
    if path is None:
        pytest.skip(f"{name} not found: apt-get install postgresql")
    return path


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``postgresql+psycopg://netctl@127.0.0.1:<port>/postgres``."""
    pytest.importorskip("psycopg")
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    folder = tmp_path_factory.mktemp("pg")
    data, port = folder / "data", _free_port()
    prefix: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("unshare") is None:
            pytest.skip("running as root and no unshare: PostgreSQL refuses root")
        prefix = ["unshare", "--user", "--map-user=1000", "--map-group=1000"]
        folder.chmod(0o777)  # a test folder, written by the mapped user
    script = (f'"{initdb}" -D "{data}" -A trust -U netctl >"{folder}/initdb.log" 2>&1 && '
              f'"{pg_ctl}" -D "{data}" -w -t 30 -l "{folder}/pg.log" '
              f'-o "-h 127.0.0.1 -p {port} -k {folder} -F" start >/dev/null')
    done = subprocess.run([*prefix, "sh", "-c", script], capture_output=True, text=True,
                          timeout=90, check=False)
    if done.returncode != 0:
        log = (folder / "initdb.log").read_text(errors="replace") if (
            folder / "initdb.log").exists() else ""
        pytest.skip(f"cannot start PostgreSQL: {done.stderr.strip()} {log[-300:]}")
    try:
        yield f"postgresql+psycopg://netctl@127.0.0.1:{port}/postgres"
    finally:
        pid_file = data / "postmaster.pid"
        if pid_file.exists():
            pid = int(pid_file.read_text().split()[0])
            os.kill(pid, signal.SIGINT)  # fast shutdown
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.05)
