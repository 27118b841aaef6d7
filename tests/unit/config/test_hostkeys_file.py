"""netctl's known_hosts file: concurrent trust-on-first-use loses no key; OpenSSH format."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import paramiko  # type: ignore[import-untyped]

from netctl.config.hostkeys import KnownHosts, default_known_hosts, fingerprint, host_id

KEY = paramiko.RSAKey.generate(1024)


def test_forty_records_in_threads_and_ten_in_a_process_at_once(tmp_path: Path) -> None:
    known = KnownHosts(tmp_path / "known_hosts", user="t")
    other = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, paramiko\nfrom pathlib import Path\n"
         "from netctl.config.hostkeys import KnownHosts\n"
         "k = KnownHosts(Path(sys.argv[1]), user='p')\nkey = paramiko.RSAKey.generate(1024)\n"
         "for i in range(10):\n    k.record(f'[10.9.0.{i}]:22', key, device=f'p{i}')\n",
         str(tmp_path / "known_hosts")])
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda i: known.record(host_id("10.0.0.1", 2000 + i), KEY,
                                             device=f"d{i}"), range(40)))
    assert other.wait(60) == 0
    entries = known.entries()
    assert len(entries) == 50 and len({e.host for e in entries}) == 50
    assert len(paramiko.HostKeys(str(known.path))) == 50
    assert len(known.audit_path.read_text().splitlines()) == 50
    assert {e.fingerprint for e in entries if e.comment.startswith("d")} == {fingerprint(KEY)}


def test_record_replaces_and_forget_removes(tmp_path: Path) -> None:
    known = KnownHosts(tmp_path / "kh")
    new = paramiko.RSAKey.generate(1024)
    known.record("gw1", KEY)
    known.record("gw1", new, event="accept")
    assert [e.fingerprint for e in known.lookup("gw1")] == [fingerprint(new)]
    assert known.forget("gw1") == 1 and known.forget("gw1") == 0
    events = [line.split()[2] for line in known.audit_path.read_text().splitlines()]
    assert events == ["event=tofu", "event=accept", "event=forget"]


def test_default_path_beside_the_state_store() -> None:
    assert default_known_hosts("sqlite:////srv/a/state.db", Path("/h"), {}) == Path(
        "/srv/a/known_hosts")
    assert default_known_hosts("x", Path("/h"), {"NETCTL_KNOWN_HOSTS": "/k"}) == Path("/k")


def test_an_edit_by_hand_or_by_ssh_keygen_is_seen_by_the_next_lookup(tmp_path: Path) -> None:
    """The parsed file is cached by (inode, size, mtime): any change of the file is read."""
    known = KnownHosts(tmp_path / "kh")
    known.record("gw1", KEY)
    assert known.lookup("gw1")
    other = paramiko.RSAKey.generate(1024)
    # OpenSSH's own tool writes the file too (here: paramiko writes it in OpenSSH format)
    keys = paramiko.HostKeys(str(known.path))
    keys.add("gw2", other.get_name(), other)
    keys.save(str(known.path))
    assert [e.fingerprint for e in known.lookup("gw2")] == [fingerprint(other)]
    known.path.write_text("")
    assert known.lookup("gw1") == [] and known.entries() == []


def test_a_line_left_unterminated_by_a_crash_does_not_swallow_the_next(tmp_path: Path) -> None:
    known = KnownHosts(tmp_path / "kh")
    known.record("gw1", KEY)
    with known.path.open("a") as fh:  # a crash in the middle of an append
        fh.write("gw9 ssh-rsa AAAAB3Nza")
    known.record("gw2", KEY)
    assert [e.host for e in known.entries()] == ["gw1", "gw9", "gw2"]
    assert [e.fingerprint for e in known.lookup("gw2")] == [fingerprint(KEY)]
