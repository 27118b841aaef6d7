"""YAML reading and writing for inventory files.

Reading is on the hot path (a whole region is tens of thousands of devices), so it uses a Rust
YAML parser (``yaml-rs``; PyYAML's C loader if it is missing) and keeps no positions. Positions
are recovered only when there is something to report: :func:`locate` composes the one file
again and walks the node tree to the reported field. Writing is atomic: a temporary file in the
same folder, then a rename.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

_yaml_rs: Any
try:  # a Rust parser: 30x faster than libyaml through PyYAML on a whole region
    import yaml_rs as _yaml_rs
except ImportError:  # pragma: no cover - no wheel for this platform: PyYAML still works
    _yaml_rs = None

if TYPE_CHECKING:
    import yaml

PARSER = f"yaml-rs {getattr(_yaml_rs, '__version__', '?')}" if _yaml_rs is not None else "PyYAML"
"""What :func:`parse_yaml` parses with (the parse cache keeps data only for the same parser)."""


def _yaml() -> tuple[Any, type[Any], type[Any]]:
    """PyYAML with its libyaml loader and dumper (the C ones when libyaml is there), imported
    when first needed: reading goes through yaml-rs, so most commands never need it."""
    import yaml

    loader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    dumper: type[Any] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml, loader, dumper


class YamlSyntaxError(Exception):
    """A file is not valid YAML; ``line`` is 1-based."""

    def __init__(self, path: Path, line: int | None, message: str) -> None:
        self.path = path
        self.line = line
        self.message = message
        super().__init__(f"{path}:{line}: {message}")


def read_yaml(path: Path) -> Any:
    """Parse one YAML file (fast path, no positions); duplicate keys are errors."""
    return parse_yaml(path, path.read_bytes())


def parse_yaml(path: Path, content: bytes) -> Any:
    """Parse the bytes of the YAML file ``path`` (named in errors); duplicate keys are errors.

    Raises:
        YamlSyntaxError: not UTF-8, or not valid YAML (with the line when known).
    """
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise YamlSyntaxError(path, None, f"not UTF-8 text ({exc.reason})") from exc
    if "\r" in text:  # as reading in text mode would (universal newlines)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _yaml_rs is not None:
        try:
            return _yaml_rs.loads(text, parse_datetime=False)
        except _yaml_rs.YAMLDecodeError as exc:
            message = str(exc)
            found = re.search(r"line (\d+)", message)
            detail = message.strip().splitlines()[-1] if message.strip() else message
            if "duplicate" in message.lower():
                detail = "duplicate key: " + detail
            raise YamlSyntaxError(path, int(found.group(1)) if found else None, detail) from exc
    yaml, loader, _ = _yaml()
    try:
        return yaml.load(text, Loader=loader)  # the safe loader (CSafeLoader or SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        raise YamlSyntaxError(path, line, f"{exc.problem} {exc.context or ''}".strip()) from exc
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(path, None, str(exc)) from exc


def locate(path: Path, locs: Sequence[Sequence[str | int]]) -> list[int | None]:
    """Return the 1-based line of the value at each ``loc`` in ``path`` (or its nearest parent).

    A ``loc`` is a pydantic-style location: mapping keys and sequence indexes. Parts that do not
    name anything in the file (pydantic's union tags) are skipped. The file is composed once for
    all locations.
    """
    yaml, loader, _ = _yaml()
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return [None for _ in locs]
    if root is None:
        return [None for _ in locs]
    return [_walk(root, loc) for loc in locs]


def _walk(node: yaml.Node, loc: Sequence[str | int]) -> int:
    yaml, _, _ = _yaml()
    line: int = node.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if str(key.value) == str(part):
                    # a key is reported on its own line unless it opens a block below it
                    line = key.start_mark.line + 1
                    node = value
                    if isinstance(value, yaml.CollectionNode) and not value.flow_style:
                        line = value.start_mark.line + 1
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if 0 <= part < len(node.value):
                node = node.value[part]
                line = node.start_mark.line + 1
        else:
            break
    return line


def dump_yaml(data: Any) -> str:
    """Serialise plain data the way inventory files are written (block style, UTF-8 text)."""
    yaml, _, dumper = _yaml()
    text: str = yaml.dump(
        data,
        Dumper=dumper,
        allow_unicode=True,
        sort_keys=False,
        width=100,
        default_flow_style=False,
    )
    return text


def write_atomic(path: Path, text: str | Iterable[str]) -> None:
    """Write ``text`` to ``path`` atomically: a reader sees the old file or the new, never half.

    ``text`` may come in parts (an iterable of strings, written one after another): a large
    file (a region's zone) is then never one string in memory, nor one encoded copy of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            if isinstance(text, str):
                fh.write(text)
            else:
                for part in text:
                    fh.write(part)
            fh.flush()
            os.fsync(fh.fileno())
        tmp_path = Path(tmp)
        if path.exists():
            with contextlib.suppress(OSError):
                tmp_path.chmod(path.stat().st_mode & 0o777)
        else:
            tmp_path.chmod(0o644)
        tmp_path.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(tmp).unlink()
        raise
