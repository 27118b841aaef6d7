"""A cache of parsed YAML, keyed by the content of each inventory file.

Every netctl command parses the whole inventory (a region: ~7 MB of YAML in 25 files) before it
does anything; parsing is a third of that load. This cache keeps, per inventory folder, the
parsed data of each file next to the BLAKE2b digest of the file's bytes: a file whose bytes are
the same as when it was parsed is not parsed again; a file whose bytes changed (or a new file)
is parsed and the cache rewritten. Only parsing is skipped: the data is validated by the
inventory's models on every load, exactly as freshly parsed data is, so an error is reported
with its file, line, field and fix whether the file came from the cache or not (lines are
always found by composing the file itself, :func:`netctl.inventory.yamlio.locate`).

Where: ``<home>/.netctl/cache/`` by default (``NETCTL_CACHE`` to move it, ``NETCTL_CACHE=off``
to disable it); the CLI turns it on with :func:`use_cache`, library callers get no cache unless
they do the same. One file per inventory folder and group of files (``inventory-<digest of
the folder path>.marshal``, ``ipam-…``), written atomically (temporary file and rename), so a
reader sees the old cache or the new, never half of one, and two commands at once at worst
parse twice. The cache is a
:mod:`marshal` stream of plain data (dicts, lists, strings, numbers): it is read only when the
file belongs to the user running netctl and nobody else can write it (mode 0600 in a 0700
folder), and anything unexpected in it (another format, a truncated file, wrong types) is a
miss, never an error.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import stat
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

FORMAT = 1
"""Bumped whenever what is stored changes meaning (parser, layout)."""

_DISABLED = ("", "0", "off", "no", "false", "none")

_folder: Path | None = None


def use_cache(folder: Path | None) -> None:
    """Cache parsed inventory files in ``folder`` from now on (None: no cache)."""
    global _folder  # noqa: PLW0603 - one setting for the whole process, set by the CLI
    _folder = folder


def cache_folder() -> Path | None:
    """The folder in use, or None."""
    return _folder


def folder_from_env(env: dict[str, str], home: Path) -> Path | None:
    """``NETCTL_CACHE`` (a folder, or ``off``), else ``<home>/.netctl/cache``.

    Examples:
        >>> folder_from_env({}, Path("/srv/netctl"))
        PosixPath('/srv/netctl/.netctl/cache')
        >>> folder_from_env({"NETCTL_CACHE": "off"}, Path("/srv/netctl")) is None
        True
    """
    value = env.get("NETCTL_CACHE")
    if value is None:
        return home / ".netctl" / "cache"
    if value.strip().lower() in _DISABLED:
        return None
    return Path(value).expanduser()


def digest(data: bytes) -> bytes:
    """The key of a file's content."""
    return hashlib.blake2b(data, digest_size=20).digest()


def cache_file(folder: Path, root: Path, group: str) -> Path:
    """The cache file of a group of files (``inventory``, ``ipam``) of an inventory folder."""
    key = hashlib.blake2b(str(root.absolute()).encode("utf-8", "surrogateescape"),
                          digest_size=10).hexdigest()
    return folder / f"{group}-{key}.marshal"


def _trusted(path: Path) -> bool:
    """The cache file is ours and nobody else can write it (nor its folder)."""
    try:
        st = path.stat()
        parent = path.parent.stat()
    except OSError:
        return False
    uid = os.getuid()
    return (stat.S_ISREG(st.st_mode) and st.st_uid == uid and not st.st_mode & 0o022
            and parent.st_uid == uid and not parent.st_mode & 0o022)


def _read(path: Path) -> dict[str, tuple[bytes, Any]]:
    if not _trusted(path):
        return {}
    try:
        # loads of the whole file: marshal.load on a file object reads object by object (6x slower)
        stored = marshal.loads(path.read_bytes())  # noqa: S302 - our own file, see _trusted
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    if not (isinstance(stored, tuple) and len(stored) == 2 and stored[0] == FORMAT
            and isinstance(stored[1], dict)):
        return {}
    entries: dict[str, tuple[bytes, Any]] = {}
    for name, entry in stored[1].items():
        if (isinstance(name, str) and isinstance(entry, tuple) and len(entry) == 2
                and isinstance(entry[0], bytes)):
            entries[name] = entry
    return entries


def _write(path: Path, entries: dict[str, tuple[bytes, Any]]) -> None:
    """Write the cache atomically; a cache that cannot be written is not an error."""
    with contextlib.suppress(OSError, ValueError):
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not _trusted_folder(path.parent):
            return
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(marshal.dumps((FORMAT, entries)))
            Path(tmp).replace(path)
        except BaseException:
            with contextlib.suppress(OSError):
                Path(tmp).unlink()
            raise


def _trusted_folder(folder: Path) -> bool:
    st = folder.stat()
    return st.st_uid == os.getuid() and not st.st_mode & 0o022


Parse = Callable[[Path, bytes], Any]
"""``parse(path, content)``: the file's data; raises on a file that cannot be parsed."""


def parse_files(root: Path, group: str, paths: Iterable[Path], parse: Parse,
                errors: tuple[type[Exception], ...] = ()) -> dict[Path, Any]:
    """The parsed data of each of ``paths`` (files under ``root``), from the cache when a
    file's bytes are those it was cached with, else from ``parse``. ``group`` names the set of
    files (one cache file each: the set is always read whole).

    An exception of a type in ``errors`` raised by ``parse`` becomes that file's value (and
    the file is not cached); other exceptions propagate, as does the ``OSError`` of a file
    that cannot be read.
    """
    paths = list(paths)
    folder = _folder
    contents = {p: p.read_bytes() for p in paths}
    out: dict[Path, Any] = {}
    if folder is None:
        for p in paths:
            try:
                out[p] = parse(p, contents[p])
            except errors as exc:
                out[p] = exc
        return out
    where = cache_file(folder, root, group)
    cached = _read(where)
    fresh: dict[str, tuple[bytes, Any]] = {}
    changed = False
    for p in paths:
        name = str(p.relative_to(root)) if p.is_relative_to(root) else str(p)
        key = digest(contents[p])
        hit = cached.get(name)
        if hit is not None and hit[0] == key:
            out[p] = hit[1]
            fresh[name] = hit
            continue
        changed = True
        try:
            data = parse(p, contents[p])
        except errors as exc:
            out[p] = exc
            continue
        fresh[name] = (key, data)
        out[p] = data
    if changed or fresh.keys() != cached.keys():
        _write(where, fresh)
    return out
