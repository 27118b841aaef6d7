"""A cache of parsed YAML, keyed by the content of each inventory file.

Every netctl command parses the whole inventory (a region: ~7 MB of YAML in 25 files) before it
does anything; parsing is a third of that load. This cache keeps, per inventory folder, the
parsed data of each file next to the BLAKE2b digest of the file's bytes and the parser's name
and version: a file whose bytes are the same as when it was parsed (by the same parser) is not
parsed again; a file whose bytes changed (or a new file)
is parsed and the cache rewritten. Only parsing is skipped: the data is validated by the
inventory's models on every load, exactly as freshly parsed data is, so an error is reported
with its file, line, field and fix whether the file came from the cache or not (lines are
always found by composing the file itself, :func:`netctl.inventory.yamlio.locate`).

Where: ``<home>/.netctl/cache/`` by default (``NETCTL_CACHE`` to move it, ``NETCTL_CACHE=off``
to disable it); the CLI turns it on with :func:`use_cache`, library callers get no cache unless
they do the same. One entry per file of each inventory folder
(``inventory-<digest of the folder path>/counties__640104.yaml.marshal``: the cache never holds
more than one copy of the inventory), written atomically (temporary file and rename), so a
reader sees the old entry or the new, never half of one, and two commands at once at worst
parse twice. Entries are read and validated one file at a time, like the files themselves.
Each entry is a :mod:`marshal` stream of plain data (dicts, lists, strings, numbers, bytes),
read only when it belongs to the user running netctl and nobody else can write it or its
folders (0600 in a 0700 folder); anything unexpected in it (another format, another file's
digest, a truncated file) is a miss, never an error.

The data of a file the models validate (:func:`parse_for_validation`: the inventory's own
files) is kept as JSON text when JSON holds it exactly (a file's data that reads back from
its JSON equal to what the YAML parser gave, which is every inventory file netctl writes):
the loader hands that text to the model's validator (``validate_json``, pydantic's parser and
validator in one pass, ~20 % cheaper than building the Python objects and validating them),
and when that validation fails it parses the file itself and validates that the usual way,
so errors are found and reported exactly as without the cache, whatever the entry held.
Data JSON cannot hold exactly (keys that are not strings, say), and the data of files nobody
validates (:func:`parse_file`: IPAM's record files), are kept as marshal data.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import marshal
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

FORMAT = 3
"""Bumped whenever what is stored changes meaning (parser, layout). 3: ``(FORMAT, key, kind,
payload)``, ``kind`` ``"json"`` (payload: the data as JSON text) or ``"data"``."""

JSON = "json"
DATA = "data"

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


def entry_file(folder: Path, root: Path, path: Path) -> Path:
    """The cache entry of one file of an inventory folder: one entry per file, so the cache
    holds one parsed copy of each file, whatever its history."""
    key = hashlib.blake2b(str(root.absolute()).encode("utf-8", "surrogateescape"),
                          digest_size=10).hexdigest()
    name = str(path.relative_to(root)) if path.is_relative_to(root) else path.name
    return folder / f"inventory-{key}" / (name.replace("/", "__") + ".marshal")


def _trusted(path: Path) -> bool:
    """The cache entry is ours and nobody else can write it (nor its folder)."""
    try:
        st = path.stat()
        parent = path.parent.stat()
    except OSError:
        return False
    uid = os.getuid()
    return (stat.S_ISREG(st.st_mode) and st.st_uid == uid and not st.st_mode & 0o022
            and parent.st_uid == uid and not parent.st_mode & 0o022)


_MISS = object()


def _read(path: Path, key: tuple[str, bytes]) -> Any:
    """``(kind, payload)`` cached in ``path`` for ``key`` (parser, content digest), or
    ``_MISS``."""
    if not _trusted(path):
        return _MISS
    try:
        # loads of the whole file: marshal.load on a file object reads object by object
        stored = marshal.loads(path.read_bytes())  # noqa: S302 - our own file, see _trusted
    except (OSError, EOFError, ValueError, TypeError):
        return _MISS
    if (isinstance(stored, tuple) and len(stored) == 4 and stored[0] == FORMAT
            and stored[1] == key and (stored[2] == DATA
                                      or (stored[2] == JSON and isinstance(stored[3], bytes)))):
        return stored[2], stored[3]
    return _MISS


def _write(path: Path, key: tuple[str, bytes], entry: tuple[str, Any]) -> None:
    """Write a cache entry atomically; an entry that cannot be written is not an error."""
    with contextlib.suppress(OSError, ValueError):
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        for folder in (path.parent, path.parent.parent):
            st = folder.stat()
            if st.st_uid != os.getuid() or st.st_mode & 0o022:
                return  # a folder others can write: never trust what it would hold
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(marshal.dumps((FORMAT, key, *entry)))
            Path(tmp).replace(path)
        except BaseException:
            with contextlib.suppress(OSError):
                Path(tmp).unlink()
            raise


Parse = Callable[[Path, bytes], Any]
"""``parse(path, content)``: the file's data; raises on a file that cannot be parsed."""


def as_json(data: Any) -> bytes | None:
    """The data as JSON text (UTF-8) when JSON holds it exactly: read back, it is equal to
    ``data`` (JSON keeps strings, integers, floats, booleans, null, lists and string-keyed
    mappings as they are); None for anything else (a date, a key that is not a string, a
    NaN, a string that is not Unicode text).

    Examples:
        >>> as_json({"a": [1, 2.5, True, None, "宁"]}).decode()
        '{"a":[1,2.5,true,null,"宁"]}'
        >>> as_json({1: "a"}) is None  # the key would come back as "1"
        True
    """
    try:
        blob = json.dumps(data, ensure_ascii=False, allow_nan=False,
                          separators=(",", ":")).encode("utf-8")
    except (TypeError, ValueError, RecursionError):  # UnicodeEncodeError is a ValueError
        return None
    return blob if json.loads(blob) == data else None


def parse_file(root: Path, path: Path, parse: Parse, parser: str) -> Any:
    """The parsed data of ``path`` (a file of the inventory folder ``root``): from the cache
    when the file's bytes are those it was cached with, by the same ``parser`` (a name and
    version: another parser may read a file otherwise), else from ``parse`` (and cached).

    Exceptions of ``parse`` propagate (a file that does not parse is never cached), as does the
    ``OSError`` of a file that cannot be read.
    """
    data, blob = _parse(root, path, parse, parser, keep_json=False)
    return json.loads(blob) if blob is not None else data


def parse_for_validation(root: Path, path: Path, parse: Parse, parser: str
                         ) -> tuple[Any, bytes | None]:
    """:func:`parse_file` for a validator: ``(data, None)``, or ``(None, text)`` when the
    cache holds the file's data as JSON text (:func:`as_json`), which a pydantic validator
    reads in one pass (``validate_json``); ``json.loads(text)`` is the data itself. A file
    parsed now is cached as JSON text when JSON holds it exactly (:func:`parse_file` keeps
    marshal data: for data nobody validates, JSON text would only cost its conversion).

    Exceptions as :func:`parse_file`.
    """
    return _parse(root, path, parse, parser, keep_json=True)


def _parse(root: Path, path: Path, parse: Parse, parser: str, *, keep_json: bool
           ) -> tuple[Any, bytes | None]:
    content = path.read_bytes()
    folder = _folder
    if folder is None:
        return parse(path, content), None
    key = (parser, digest(content))
    where = entry_file(folder, root, path)
    hit = _read(where, key)
    if hit is not _MISS:
        kind, payload = hit
        return (None, payload) if kind == JSON else (payload, None)
    data = parse(path, content)
    blob = as_json(data) if keep_json else None
    _write(where, key, (JSON, blob) if blob is not None else (DATA, data))
    return data, None
