"""A cache of baseline results by configuration content, so unchanged configs are not re-checked.

Backups are written daily, but a device's configuration rarely changes: the cache keys each
result by the SHA-256 of the configuration text and a fingerprint of its platform's rules (a rule
edit invalidates that platform's results), and remembers which file (path, size, mtime) had
which content, so a known file is not even read again, and each device's backup folder's
newest file by the folder's mtime, so an unchanged folder is not even listed again. It is a
JSON file (never pickle: the folder may be shared), ``.netctl-baseline-cache.json`` in the
backups folder by default; entries of configurations no device uses any more are dropped when
it is saved. Each distinct set of findings is stored once (configurations differ, their findings
mostly do not), and files and folders are named relative to the cache's folder.

The folder index trusts what every POSIX file system (and NFS's own directory cache) does:
creating, removing or renaming a file in a folder sets the folder's mtime. A folder is only
remembered once its mtime is :data:`SETTLED_NS` in the past when it is listed (a change within
the same tick of a coarse clock, or on a server whose clock is a little behind, could otherwise
leave the mtime equal), and only when every backup in it carries its time in its name (a file
dated by its mtime could become the newest without the folder changing). Touching the newest
file (a backup job confirming an unchanged configuration) does not change the folder: the file
itself is still ``stat``-ed for that, as before.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from netctl.compliance.backups import Backup, _stamp, newest_and_named, newest_by_name
from netctl.compliance.baseline import Offending, RuleResult, RuleSet
from netctl.compliance.model import Reason

CACHE_FILE = ".netctl-baseline-cache.json"
VERSION = 4  # bump when the checker changes what it reports (4: words ending at \b, issue 17)
Check = Callable[[str, RuleSet], Iterable[RuleResult]]
SETTLED_NS = 10_000_000_000
"""How long a folder must have been unchanged (its mtime in the past, ns) to be remembered."""


def fingerprint(ruleset: RuleSet) -> str:
    """A short hash of a platform's rules."""
    return hashlib.sha256(ruleset.model_dump_json().encode()).hexdigest()[:16]


def _dump(results: tuple[RuleResult, ...]) -> list[Any]:
    """Only the rules that do not pass (the others are the rule set's, passing)."""
    return [
        [r.rule, r.status,
         [[o.line, o.text, o.why.code, o.why.zh, o.why.en] for o in r.offending],
         [[m.code, m.zh, m.en] for m in r.missing]]
        for r in results if r.status != "pass"
    ]  # fmt: skip


def _load(items: list[Any], ruleset: RuleSet) -> tuple[RuleResult, ...]:
    bad = {item[0]: item for item in items}
    out = []
    for rule in ruleset.rules:
        item = bad.get(rule.id)
        if item is None:
            out.append(RuleResult(rule.id, rule.clause, rule.title, "pass"))
            continue
        _id, status, off, miss = item
        out.append(
            RuleResult(
                rule.id,
                rule.clause,
                rule.title,
                status,
                tuple(Offending(line, text, Reason(c, z, e)) for line, text, c, z, e in off),
                tuple(Reason(c, z, e) for c, z, e in miss),
            )
        )
    return tuple(out)


def _read(name: str) -> tuple[bytes, os.stat_result]:
    """A file's bytes and the ``stat`` of the open file: ``open``, ``fstat``, ``read`` and
    ``close``, where ``open(name, "rb").read()`` after a ``stat`` makes twice as many system
    calls (a cold run reads every backup of the region: ~10,000 files)."""
    fd = os.open(name, os.O_RDONLY | getattr(os, "O_BINARY", 0))  # not inherited (PEP 446)
    try:
        st = os.fstat(fd)
        return _read_fd(fd, st), st
    finally:
        os.close(fd)


def _read_fd(fd: int, st: os.stat_result) -> bytes:
    """The bytes of the open file ``fd`` whose ``fstat`` is ``st``, to its end."""
    raw = os.read(fd, st.st_size + 1)  # a shorter read of a file is its end
    if len(raw) > st.st_size:  # it grew since: read to its end
        chunks = [raw]
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
        raw = b"".join(chunks)
    return raw


_Identity = tuple[int, int, int, int, int]
_PARSED: dict[str, tuple[_Identity, Any]] = {}
"""The cache file this process last read or wrote, by its path: the file's identity (device,
inode, size, mtime and ctime) and its parsed JSON. A run after the first in a process (a
report of every county, a daemon) finds the file it wrote, or read, unchanged: one ``fstat``
instead of parsing ~3 MB for a region. Nothing reads the parsed data but
:class:`BaselineCache`, which copies its top level and never changes what is inside."""


def _identity(st: os.stat_result) -> _Identity:
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


def _parsed(path: Path) -> Any:
    """The cache file's JSON (UTF-8, as written), parsed once per version of the file."""
    key = str(path)
    fd = os.open(key, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        st = os.fstat(fd)
        known = _PARSED.get(key)
        if known is not None and known[0] == _identity(st):
            return known[1]
        raw = _read_fd(fd, st)
        ident = _identity(os.fstat(fd))  # as read (a writer replaces the file: a new inode)
    finally:
        os.close(fd)
    data = json.loads(raw)
    _remember(key, ident, data)
    return data


def _remember(key: str, ident: _Identity, data: Any) -> None:
    if len(_PARSED) >= 8 and key not in _PARSED:
        _PARSED.clear()
    _PARSED[key] = (ident, data)


class BaselineCache:
    """Rule results by (rules fingerprint, content hash); file stat → content hash."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        # files and folders are keyed relative to the cache's folder (the backups folder)
        self._root = os.path.join(path.parent, "") if path is not None else ""  # noqa: PTH118
        # (rules, content) → the index of its findings in ``_findings`` (as read), or the
        # findings themselves (found in this run)
        self._results: dict[str, int | list[Any]] = {}
        self._findings: list[list[Any]] = []
        self._files: dict[str, list[Any]] = {}
        self._used: set[str] = set()
        self._seen_files: set[str] = set()
        self._loaded: dict[str, tuple[RuleResult, ...]] = {}
        self._keys: dict[int, str] = {}
        self._by_findings: dict[tuple[str, int], tuple[RuleResult, ...]] = {}
        self._folders: dict[str, list[Any]] = {}  # folder → [its mtime (ns), newest file name]
        self._seen_folders: set[str] = set()
        self._dumps: dict[tuple[int, ...], list[Any]] = {}  # result objects' ids → their dump
        self._dirty = False
        self._dir: Path | None = None  # the backups folder last looked in, and its _prefix
        self._dir_prefix = ("", False)
        if path is not None and path.is_file():
            try:
                data = _parsed(path)
                if data.get("version") == VERSION:
                    self._findings = list(data["findings"])
                    self._results = dict(data["results"])
                    self._files = dict(data["files"])
                    self._folders = dict(data["folders"])
                    count = len(self._findings)
                    if not all(type(i) is int and 0 <= i < count
                               for i in self._results.values()):
                        raise ValueError("a result names no findings")
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                self._results, self._findings, self._files, self._folders = {}, [], {}, {}

    def newest(self, backups_dir: Path, hostname: str) -> Backup | None:
        """:func:`~netctl.compliance.backups.newest_backup`, without listing a folder that has
        not changed since it was last listed (one ``stat`` instead)."""
        found = self._newest(backups_dir, hostname)
        if found is None:
            return None
        path, taken_at = found
        return Backup(hostname, Path(path), taken_at)

    def _prefix(self, backups_dir: Path) -> tuple[str, bool]:
        """``os.path.join(backups_dir, "")``, and whether it is the cache's own folder (then a
        device's folder is keyed by its hostname), worked out once per folder object."""
        if backups_dir is not self._dir:
            self._dir = backups_dir
            prefix = os.path.join(backups_dir, "")  # noqa: PTH118 - a string, as keyed
            self._dir_prefix = prefix, bool(self._root) and prefix == self._root
        return self._dir_prefix

    def _newest(self, backups_dir: Path, hostname: str) -> tuple[str, datetime] | None:
        """:meth:`newest` as the path's text and the time in its name (no object built)."""
        prefix, own = self._prefix(backups_dir)
        # os.path.join(backups_dir, hostname): a hostname is a single relative name (inventory)
        folder = prefix + hostname
        try:
            st = os.stat(folder)  # noqa: PTH116 - before listing: a later change shows next time
        except (FileNotFoundError, NotADirectoryError):
            return None
        key = hostname if own else self._relative(folder)
        self._seen_folders.add(key)
        known = self._folders.get(key)
        if known is not None and known[0] == st.st_mtime_ns:
            name = known[1]
            when = _stamp(name[:-4]) if type(name) is str else None
            # a name in the folder, as a listing gives it (a doctored cache names no other file)
            if when is not None and name.endswith(".cfg") and os.sep not in name:
                # str(backups_dir.joinpath(hostname, name)): folder is already a clean path
                return f"{folder}{os.sep}{name}", when
        try:
            names = os.listdir(folder)  # noqa: PTH208 - names only
        except (FileNotFoundError, NotADirectoryError):
            return None
        found, named = newest_by_name(names)  # the usual case: no Path, no stat per file
        if not named:
            backup = newest_and_named(backups_dir, hostname, names)[0]  # by their mtimes
            found = None if backup is None else (backup.taken_at, backup.path.name)
        if found is not None and named and st.st_mtime_ns < time.time_ns() - SETTLED_NS:
            entry = [st.st_mtime_ns, found[1]]
            if known != entry:
                self._folders[key] = entry
                self._dirty = True
        elif known is not None:
            del self._folders[key]
            self._dirty = True
        # str(backups_dir.joinpath(hostname, name)), as above
        return None if found is None else (f"{folder}{os.sep}{found[1]}", found[0])

    def lookup(
        self, backups_dir: Path, hostname: str, ruleset: RuleSet, run: Check
    ) -> tuple[str, datetime, os.stat_result, tuple[RuleResult, ...]] | None:
        """:meth:`newest` and :meth:`check` of a device's newest backup in one go, on the
        path's text (what the engine asks for each device): the path, the time in its name,
        the file's ``stat`` and the rule results; None when the device has no backup."""
        found = self._newest(backups_dir, hostname)
        if found is None:
            return None
        path, taken_at = found
        rel = self._relative(path)
        known = self._files.get(rel)
        if known is None:  # new to the cache: read it, stat the open file
            raw, st = _read(path)
            return path, taken_at, st, self._check(path, ruleset, run, st, raw)
        st = os.stat(path)  # noqa: PTH116 - once, for the cache and the confirmation time
        if known[0] == st.st_size and known[1] == st.st_mtime_ns and type(known[2]) is str:
            # the usual case, :meth:`_check`'s first steps for a file the cache knows as it is
            self._seen_files.add(rel)
            key = f"{self._rules_key(ruleset)}:{known[2]}"
            loaded = self._loaded.get(key)
            if loaded is not None:
                self._used.add(key)
                return path, taken_at, st, loaded
        return path, taken_at, st, self._check(path, ruleset, run, st)

    def _relative(self, name: str) -> str:
        """A file's or folder's key: its path inside the cache's folder (else as given)."""
        root = self._root
        return name[len(root):] if root and name.startswith(root) else name

    def _rules_key(self, ruleset: RuleSet) -> str:
        """``<platform>:<fingerprint>`` of a rule set (computed once per run)."""
        found = self._keys.get(id(ruleset))
        if found is None:
            found = self._keys[id(ruleset)] = f"{ruleset.platform.value}:{fingerprint(ruleset)}"
        return found

    def check(self, path: Path, ruleset: RuleSet, run: Check,
              st: os.stat_result | None = None) -> tuple[RuleResult, ...]:
        """The results for the config at ``path``: cached, or ``run(text, ruleset)``.
        ``st``: the file's stat, when the caller has it already."""
        if st is None:
            st = path.stat()
        return self._check(str(path), ruleset, run, st)

    def _check(self, name: str, ruleset: RuleSet, run: Check, st: os.stat_result,
               raw: bytes | None = None) -> tuple[RuleResult, ...]:
        """:meth:`check` of the file named ``name`` (``raw``: its bytes, when read already)."""
        rules_key = self._rules_key(ruleset)
        rel = self._relative(name)
        self._seen_files.add(rel)
        known = self._files.get(rel)
        digest: str | None = None
        if known is not None and known[0] == st.st_size and known[1] == st.st_mtime_ns:
            digest = str(known[2])
        text: str | None = None
        if digest is None:
            if raw is None:  # bytes: hashed as stored, then decoded
                raw = _read(name)[0]
            digest = hashlib.sha256(raw).hexdigest()
            # as Path.read_text would give it (its universal newlines change no line: the
            # checker splits on "\r\n" and "\r" too)
            text = raw.decode("utf-8", errors="replace")
            self._files[rel] = [st.st_size, st.st_mtime_ns, digest]
            self._dirty = True
        key = f"{rules_key}:{digest}"
        self._used.add(key)
        loaded = self._loaded.get(key)
        if loaded is not None:
            return loaded
        cached = self._results.get(key)
        if cached is not None:
            # Configurations differ (hostnames, addresses) but their findings mostly do not:
            # the file holds each set of findings once, and results are shared by (rules,
            # findings), not rebuilt per device.
            if isinstance(cached, int):
                same = (rules_key, cached)
                loaded = self._by_findings.get(same)
                if loaded is None:
                    loaded = self._by_findings[same] = _load(self._findings[cached], ruleset)
            else:
                loaded = _load(cached, ruleset)
            self._loaded[key] = loaded
            return loaded
        if text is None:  # as Path.read_text gives it
            with open(name, encoding="utf-8", errors="replace") as f:  # noqa: PTH123
                text = f.read()
        results = tuple(run(text, ruleset))
        # configurations that agree on what the rules read share their result objects
        # (fastcheck): their findings are dumped once (the tuples live as long as the cache)
        same_results = tuple(map(id, results))
        dump = self._dumps.get(same_results)
        if dump is None:
            dump = self._dumps[same_results] = _dump(results)
        self._results[key] = dump
        self._loaded[key] = results
        self._dirty = True
        return results

    def save(self) -> None:
        """Write the cache (atomically) if anything changed; keep only what this run used."""
        if self.path is None or not self._dirty:
            return
        findings: list[list[Any]] = []
        index: dict[str, int] = {}  # findings (their repr) → their index in the file
        results: dict[str, int] = {}
        by_id: dict[int, int] = {}  # a dump shared by several configurations: its index
        for key, found in self._results.items():
            if key not in self._used:
                continue
            dump = self._findings[found] if isinstance(found, int) else found
            i = by_id.get(id(dump))
            if i is None:
                same = repr(dump)
                i = index.get(same)
                if i is None:
                    i = index[same] = len(findings)
                    findings.append(dump)
                by_id[id(dump)] = i
            results[key] = i
        data = {
            "version": VERSION,
            "findings": findings,
            "results": results,
            "files": {k: v for k, v in self._files.items() if k in self._seen_files},
            "folders": {k: v for k, v in self._folders.items() if k in self._seen_folders},
        }
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".cache-", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as f:  # dumps: the C encoder, not dump's
                f.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")))
                f.flush()
                Path(tmp).replace(self.path)
                # the file as renamed (its ctime moved): what a later run in this process reads
                # back is ``data`` (lists, strings and numbers, as JSON gives them back)
                _remember(str(self.path), _identity(os.fstat(f.fileno())), data)
        except OSError:
            return  # a cache that cannot be written only costs time next run
