"""SSH host keys: netctl's own known_hosts file, trust on first use, loud refusal of a changed key.

netmiko's default (paramiko ``AutoAddPolicy``, no known_hosts) accepts any key, so an impostor
at a device's address receives the login password and every pushed secret. netctl keeps its own
known_hosts file (OpenSSH format, one line per host, the device name as a trailing comment):

* a host that is **not in the file** is trusted on first use (TOFU): its key is recorded and an
  audit line says who, when, which device and the key's SHA256 fingerprint. In **strict** mode
  (production: ``--strict-host-keys`` or ``NETCTL_STRICT_HOST_KEYS=1``) an unknown key is
  refused too; keys are then added only by ``netctl ssh keys accept``.
* a host whose key **differs** from the recorded one is refused before authentication (no
  password is sent): :class:`HostKeyChangedError` names the old and new fingerprints and the
  command that accepts the new key once someone has checked it on the device's console.

Host ids are paramiko's (and OpenSSH's): ``host`` on port 22, ``[host]:port`` otherwise.
Every change of the file holds a lock (threads and processes) and re-reads the file; a new host
is one appended, synced line, a replaced key rewrites the file atomically; the audit file
(``<known_hosts>.log``) is append-only.

Examples:
    >>> host_id("10.0.0.1", 22), host_id("127.0.0.1", 2201), host_id("2001:db8::1", 22)
    ('10.0.0.1', '[127.0.0.1]:2201', '2001:db8::1')
"""

from __future__ import annotations

import base64
import getpass
import hashlib
import logging
import os
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import paramiko  # type: ignore[import-untyped]

from netctl.exceptions import NetctlError
from netctl.inventory.yamlio import write_atomic
from netctl.state.filelock import file_lock

log = logging.getLogger(__name__)

_THREAD_LOCK = threading.Lock()
_INDEX_LOCK = threading.Lock()
_INDEX: dict[Path, tuple[tuple[int, int, int], tuple[KnownHost, ...],
                         dict[str, tuple[KnownHost, ...]]]] = {}
"""Parsed known_hosts files by path, with the (inode, size, mtime) they were parsed at."""


class HostKeyError(NetctlError):
    """A device's SSH host key cannot be trusted: the device is refused before login."""


class HostKeyChangedError(HostKeyError):
    """The device presented a key other than the recorded one."""

    def __init__(self, hid: str, device: str, old: str, new: str) -> None:
        self.host_id, self.old, self.new = hid, old, new
        super().__init__(
            f"HOST KEY CHANGED for {device} ({hid}): recorded {old}, presented {new}. "
            "Someone may be impersonating the device; nothing was sent, not even the password. "
            "Check the key on the device's console (display/show ssh server key), then: "
            f"netctl ssh keys accept '{hid}' --fingerprint {new}")


class UnknownHostKeyError(HostKeyError):
    """Strict mode and the host is not in known_hosts."""

    def __init__(self, hid: str, device: str, new: str) -> None:
        self.host_id, self.new = hid, new
        super().__init__(
            f"unknown host key for {device} ({hid}): {new}; strict host key checking refuses "
            "it. Check the key on the device's console, then: "
            f"netctl ssh keys accept '{hid}' --fingerprint {new}")


@dataclass(frozen=True, slots=True)
class KnownHost:
    """One line of the known_hosts file."""

    host: str
    key_type: str
    key_b64: str
    comment: str = ""

    @property
    def fingerprint(self) -> str:
        """``SHA256:…`` as OpenSSH prints it."""
        return fingerprint_bytes(base64.b64decode(self.key_b64))

    def line(self) -> str:
        """The OpenSSH known_hosts line."""
        return " ".join(x for x in (self.host, self.key_type, self.key_b64, self.comment) if x)


def host_id(host: str, port: int) -> str:
    """paramiko's/OpenSSH's name of a host in known_hosts."""
    return host if port == 22 else f"[{host}]:{port}"


def fingerprint_bytes(blob: bytes) -> str:
    """OpenSSH's SHA256 fingerprint of a public key blob."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def fingerprint(key: Any) -> str:
    """The SHA256 fingerprint of a paramiko key."""
    return fingerprint_bytes(key.asbytes())


def default_known_hosts(state_url: str, home: Path, env: dict[str, str] | None = None) -> Path:
    """``NETCTL_KNOWN_HOSTS``, else ``known_hosts`` beside a SQLite store, else under
    ``<home>/.netctl``.

    Examples:
        >>> str(default_known_hosts("sqlite:////srv/n/.netctl/state.db", Path("/srv"), {}))
        '/srv/n/.netctl/known_hosts'
        >>> str(default_known_hosts("postgresql://db/n", Path("/srv"), {}))
        '/srv/.netctl/known_hosts'
    """
    e = dict(os.environ) if env is None else env
    if e.get("NETCTL_KNOWN_HOSTS"):
        return Path(e["NETCTL_KNOWN_HOSTS"])
    if state_url.startswith("sqlite:///") and not state_url.endswith(":memory:"):
        return Path(state_url.removeprefix("sqlite:///")).parent / "known_hosts"
    return home / ".netctl" / "known_hosts"


def strict_from_env(env: dict[str, str] | None = None) -> bool:
    """``NETCTL_STRICT_HOST_KEYS`` set to 1/true/yes/on."""
    e = dict(os.environ) if env is None else env
    return e.get("NETCTL_STRICT_HOST_KEYS", "").strip().lower() in ("1", "true", "yes", "on")


class KnownHosts:
    """netctl's known_hosts file and its audit log."""

    def __init__(self, path: Path, *, strict: bool = False, user: str | None = None) -> None:
        self.path = path
        self.strict = strict
        self.user = user or os.environ.get("NETCTL_USER") or _whoami()

    @property
    def audit_path(self) -> Path:
        """The append-only audit log beside the file."""
        return self.path.with_name(self.path.name + ".log")

    # -- reading ----------------------------------------------------------------------------
    def entries(self) -> list[KnownHost]:
        """Every recorded key, in file order (unparsable lines are skipped)."""
        return list(self._index()[0])

    def lookup(self, hid: str) -> list[KnownHost]:
        """Recorded keys of one host id (the file is parsed once per change, not per lookup:
        a push looks up every device, and re-reading a fleet-sized file each time is
        quadratic)."""
        return list(self._index()[1].get(hid, ()))

    def _index(self) -> tuple[tuple[KnownHost, ...], dict[str, tuple[KnownHost, ...]]]:
        """The parsed file, re-read only when it changed; one thread parses while the others
        wait for its result (fifty sessions connecting at once each parsed a fleet-sized file,
        and a stale parse could replace a newer one)."""
        with _INDEX_LOCK:
            try:
                st = self.path.stat()
            except FileNotFoundError:
                return (), {}
            stamp = _stamp(st)
            hit = _INDEX.get(self.path)
            if hit is not None and hit[0] == stamp:
                return hit[1], hit[2]
            try:
                text = self.path.read_text(encoding="utf-8")  # a change after the stat: the
                # next lookup sees a newer stamp and reads again
            except FileNotFoundError:
                return (), {}
            entries: list[KnownHost] = []
            by_host: dict[str, list[KnownHost]] = {}
            for raw in text.splitlines():
                fields = raw.split(None, 3)
                if len(fields) < 3 or raw.lstrip().startswith("#"):
                    continue
                entry = KnownHost(fields[0], fields[1], fields[2],
                                  fields[3] if len(fields) > 3 else "")
                entries.append(entry)
                for name in entry.host.split(","):
                    by_host.setdefault(name, []).append(entry)
            index = tuple(entries), {k: tuple(v) for k, v in by_host.items()}
            _INDEX[self.path] = (stamp, *index)
            return index

    # -- changing ---------------------------------------------------------------------------
    def record(self, hid: str, key: Any, *, device: str = "", event: str = "tofu") -> KnownHost:
        """Add (or replace) the key of ``hid`` and write an audit line."""
        entry = KnownHost(hid, key.get_name(), key.get_base64(), device)
        with self._locked():
            if self.lookup(hid):  # a replaced key: the file is rewritten (atomically)
                kept = [e for e in self.entries() if hid not in e.host.split(",")]
                self._write([*kept, entry])
            else:  # a new host: one appended line (a fleet's first push is not quadratic)
                self._append(entry)
        self.audit(event, hid, entry.fingerprint, device)
        return entry

    def forget(self, hid: str) -> int:
        """Remove every key of ``hid``; return how many lines went."""
        with self._locked():
            entries = self.entries()
            kept = [e for e in entries if hid not in e.host.split(",")]
            if len(kept) != len(entries):
                self._write(kept)
        gone = len(entries) - len(kept)
        if gone:
            for e in entries:
                if hid in e.host.split(","):
                    self.audit("forget", hid, e.fingerprint, e.comment)
        return gone

    def audit(self, event: str, hid: str, fp: str, device: str = "") -> None:
        """Append one line: when (UTC), who, event, host id, fingerprint, device."""
        when = datetime.now(UTC).isoformat(timespec="seconds")
        line = f"{when} user={self.user} event={event} host={hid} {fp}"
        if device:
            line += f" device={device}"
        self.audit_path.parent.mkdir(parents=True, exist_ok=True)
        with _THREAD_LOCK, self.audit_path.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")
        log.log(logging.WARNING if event.startswith("refused") else logging.INFO,
                "ssh host key: %s", line)

    # -- paramiko / netmiko -----------------------------------------------------------------
    def policy(self, device: str = "") -> paramiko.MissingHostKeyPolicy:
        """What paramiko does with a host not in the file: record it, or refuse (strict)."""
        return _Policy(self, device)

    def configure(self, conn: Any, device: str = "") -> None:
        """Check a netmiko connection (created with ``auto_connect=False``) against this file.

        paramiko is given no key file (loading one parses every key in it: at hundreds of
        devices, each connection re-read the whole file, quadratic in the fleet); the policy,
        which paramiko consults for every host it holds no key for, looks up the one host in
        the file instead and accepts, records or refuses exactly as OpenSSH would.
        """
        conn.system_host_keys = False
        conn.alt_host_keys = False
        conn.key_policy = self.policy(device)

    def changed(self, exc: paramiko.BadHostKeyException, device: str,
                hid: str) -> HostKeyChangedError:
        """Turn paramiko's exception into netctl's, with an audit line (``hid``: the host id,
        ``[host]:port``; paramiko's exception names the bare host)."""
        old, new = fingerprint(exc.expected_key), fingerprint(exc.key)
        self.audit("refused-changed", hid, new, device)
        return HostKeyChangedError(hid, device or hid, old, new)

    # -- internals --------------------------------------------------------------------------
    def _locked(self) -> Any:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return _Both(self.path.with_name(self.path.name + ".lock"))

    def _write(self, entries: list[KnownHost]) -> None:
        write_atomic(self.path, "".join(e.line() + "\n" for e in entries))

    def _append(self, entry: KnownHost) -> None:
        """One line at the end, in one write, synced (the lock is held). A line left
        unterminated by a crash is closed first, so it cannot merge with the new one."""
        with self.path.open("ab") as fh:
            lead = b""
            if fh.tell() > 0:
                with self.path.open("rb") as rd:
                    rd.seek(-1, os.SEEK_END)
                    lead = b"" if rd.read(1) == b"\n" else b"\n"
            before = os.fstat(fh.fileno())
            fh.write(lead + (entry.line() + "\n").encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
            after = os.fstat(fh.fileno())
        with _INDEX_LOCK:  # the parsed file plus this line, when it was parsed just before
            hit = _INDEX.get(self.path)
            if hit is not None and not lead and hit[0] == _stamp(before):
                by_host = dict(hit[2])
                for name in entry.host.split(","):
                    by_host[name] = (*by_host.get(name, ()), entry)
                _INDEX[self.path] = (_stamp(after), (*hit[1], entry), by_host)


class _Both:
    """The in-process lock, then the file lock (other processes)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._cm: Any = None

    def __enter__(self) -> None:
        _THREAD_LOCK.acquire()
        try:
            self._cm = file_lock(self.path, timeout=30.0)
            self._cm.__enter__()
        except BaseException:
            _THREAD_LOCK.release()
            raise

    def __exit__(self, *exc: object) -> None:
        try:
            self._cm.__exit__(*exc)
        finally:
            _THREAD_LOCK.release()


class _Policy(paramiko.MissingHostKeyPolicy):  # type: ignore[misc]
    def __init__(self, known: KnownHosts, device: str) -> None:
        self.known = known
        self.device = device

    def missing_host_key(self, client: Any, hostname: str, key: Any) -> None:
        del client
        known = self.known.lookup(hostname)
        if known:  # as paramiko's own check: the same type and key, or refused as changed
            same = [e for e in known if e.key_type == key.get_name()]
            if any(e.key_b64 == key.get_base64() for e in same):
                return
            expected = paramiko.hostkeys.HostKeyEntry.from_line((same or known)[0].line()).key
            raise paramiko.BadHostKeyException(hostname, key, expected)
        fp = fingerprint(key)
        if self.known.strict:
            self.known.audit("refused-unknown", hostname, fp, self.device)
            raise UnknownHostKeyError(hostname, self.device or hostname, fp)
        self.known.record(hostname, key, device=self.device, event="tofu")


def _stamp(st: os.stat_result) -> tuple[int, int, int]:
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def fetch_key(host: str, port: int, *, timeout: float = 10.0) -> Any:
    """The host key a server presents now (key exchange only: no authentication)."""
    sock = socket.create_connection((host, port), timeout=timeout)
    transport = paramiko.Transport(sock)
    try:
        transport.start_client(timeout=timeout)
        return transport.get_remote_server_key()
    finally:
        transport.close()
        sock.close()


def parse_host_id(hid: str) -> tuple[str, int]:
    """``[host]:port`` or ``host`` → (host, port).

    Examples:
        >>> parse_host_id("[127.0.0.1]:2201"), parse_host_id("gw1.edu.nx")
        (('127.0.0.1', 2201), ('gw1.edu.nx', 22))
    """
    if hid.startswith("[") and "]:" in hid:
        host, _, port = hid[1:].partition("]:")
        if port.isdigit():
            return host, int(port)
    return hid, 22


def accept(known: KnownHosts, hid: str, expected: str, *, timeout: float = 10.0) -> KnownHost:
    """Record the key ``hid`` presents now, only if its fingerprint is ``expected``."""
    host, port = parse_host_id(hid)
    try:
        key = fetch_key(host, port, timeout=timeout)
    except (OSError, paramiko.SSHException) as exc:
        msg = f"cannot read the host key of {hid}: {exc}"
        raise HostKeyError(msg) from exc
    fp = fingerprint(key)
    if expected and fp != expected:
        known.audit("refused-accept", hid, fp)
        msg = (f"{hid} presents {fp}, not the {expected} you gave: nothing recorded "
               "(check the key on the device's console)")
        raise HostKeyError(msg)
    return known.record(hid, key, event="accept")


def iter_fingerprints(known: KnownHosts) -> Iterator[tuple[str, str, str, str]]:
    """(host id, key type, fingerprint, device) per recorded key."""
    for e in known.entries():
        yield e.host, e.key_type, e.fingerprint, e.comment


def _whoami() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid{os.getuid()}"
