"""Load the inventory folder into validated models, reporting every problem with file and line.

Layout (see ``docs/inventory.md``)::

    inventory/
      region.yaml            region, defaults, backbone nodes and links
      catalog.yaml           device models → platform, Wi-Fi standard (optional)
      counties/<code>.yaml   one county: metro nodes, schools, devices, links
"""

from __future__ import annotations

import difflib
import types
import typing
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError
from pydantic.dataclasses import rebuild_dataclass

from netctl.exceptions import InventoryError, Problem
from netctl.inventory.parsecache import parse_for_validation
from netctl.inventory.yamlio import PARSER, YamlSyntaxError, locate, parse_yaml
from netctl.models.inventory import CatalogFile, CountyFile, RegionFile
from netctl.models.text import INTERFACE_FIX

M = TypeVar("M")

REGION_FILE = "region.yaml"
CATALOG_FILE = "catalog.yaml"
COUNTIES_DIR = "counties"


@dataclass(frozen=True, slots=True)
class Finding:
    """A problem before its line is known: the line is looked up only when it is reported."""

    file: Path | None
    loc: tuple[str | int, ...]
    message: str
    fix: str = ""
    severity: str = "error"


@dataclass(frozen=True, slots=True)
class RawInventory:
    """The files of an inventory folder, each validated on its own."""

    root: Path
    region: RegionFile
    catalog: CatalogFile
    counties: dict[Path, CountyFile]


def county_paths(root: Path) -> list[Path]:
    """The county files of an inventory folder, in name order."""
    folder = root / COUNTIES_DIR
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def read_files(root: Path) -> tuple[RawInventory | None, list[Finding]]:
    """Parse and validate every file; return the models and the findings (never raises)."""
    findings: list[Finding] = []
    if not (root / REGION_FILE).is_file():
        findings.append(
            Finding(
                root / REGION_FILE,
                (),
                f"no inventory here: {root / REGION_FILE} does not exist",
                "run 'netctl inventory generate --out DIR' to make one, or point --inventory "
                "(or NETCTL_INVENTORY) at an inventory folder",
            )
        )
        return None, findings
    region = _validate(root / REGION_FILE, RegionFile, findings, root)
    catalog: CatalogFile | None = CatalogFile()
    if (root / CATALOG_FILE).is_file():
        catalog = _validate(root / CATALOG_FILE, CatalogFile, findings, root)
    counties: dict[Path, CountyFile] = {}
    for path in county_paths(root):
        county = _validate(path, CountyFile, findings, root)
        if county is not None:
            counties[path] = county
    if region is None or catalog is None:
        return None, findings
    return RawInventory(root, region, catalog, counties), findings


def _validate(path: Path, model: type[M], findings: list[Finding], root: Path | None = None
              ) -> M | None:
    """Parse ``path`` and validate it against ``model``. With ``root`` (the inventory folder
    the file belongs to), the parse may come from the parse cache (parsecache.py): the data is
    validated all the same. Data the cache holds as JSON text is validated from that text in
    one pass; if that fails, the file itself is parsed and validated the usual way, which finds
    and reports the errors exactly as without the cache (whatever the cache entry held)."""
    try:
        if root is None:
            data = parse_yaml(path, path.read_bytes())
        else:
            data, blob = parse_for_validation(root, path, parse_yaml, PARSER)
            if blob is not None:
                try:
                    valid: M = _validator(model).validate_json(blob)
                except ValidationError:  # the errors are found below, in the file's own data
                    data = parse_yaml(path, path.read_bytes())
                else:
                    return valid
    except YamlSyntaxError as exc:
        findings.append(
            Finding(
                path,
                ("__line__", exc.line or 0),
                f"not valid YAML: {exc.message}",
                "fix the YAML syntax at that line (indentation, a missing ':' or quote)",
            )
        )
        return None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        findings.append(
            Finding(
                path,
                (),
                f"expected a mapping at the top of the file, found {type(data).__name__}",
                f"start the file with the keys of {model.__name__}: "
                + ", ".join(_fields_of(model)),
            )
        )
        return None
    try:
        result: M = _validator(model).validate_python(data)
    except ValidationError as exc:
        findings.extend(_from_pydantic(path, model, exc))
        return None
    return result


def _validator(model: type[Any]) -> Any:
    """The model's own validator, a ``pydantic_core.SchemaValidator`` (a ``TypeAdapter`` would
    build the same schema again), built on first use (the models defer it: see ``STRICT``)."""
    rebuild_dataclass(model)  # nothing to do once built
    return model.__pydantic_validator__


def _fields_of(model: Any) -> list[str]:
    fields: dict[str, Any] = getattr(model, "__pydantic_fields__", {})
    return list(fields)


def _from_pydantic(path: Path, model: type[Any], exc: ValidationError) -> Iterable[Finding]:
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        kind = err["type"]
        ctx = err.get("ctx") or {}
        field = str(loc[-1]) if loc else ""
        message = err["msg"]
        fix = ""
        if kind in ("extra_forbidden", "unexpected_keyword_argument"):
            allowed = _fields_at(model, loc[:-1])
            close = difflib.get_close_matches(field, allowed, n=1)
            message = f"unknown field '{field}'"
            fix = (f"did you mean '{close[0]}'?" if close else "remove it") + (
                f" Allowed here: {', '.join(allowed)}" if allowed else ""
            )
        elif kind == "missing":
            message = f"required field '{field}' is missing"
            fix = f"add '{field}: ...'"
        elif kind == "enum":
            message = f"'{err['input']}' is not allowed"
            fix = f"use one of {ctx.get('expected', '')}"
            if field == "platform":
                message = f"unknown platform '{err['input']}'"
                fix = (
                    "use a netutils platform name: 'huawei_vrp', 'hp_comware', 'ruijie_os' "
                    "or 'cisco_ios'"
                )
        elif kind == "string_pattern_mismatch":
            if "interfaces" in loc or field == "interface":
                field = "interface"
            message = f"{_shown(err['input'])} is not a valid {field}"
            if field == "interface":
                message += " name"
            fix = _PATTERN_FIXES.get(field, f"it must match {ctx.get('pattern', '')}")
        elif kind == "value_error":
            message, _, fix = str(ctx.get("error", message)).partition("; ")
        yield Finding(path, loc, message, fix)


def _shown(value: Any) -> str:
    """A rejected value quoted so that control characters show as escapes (``'a\\nb'``)."""
    text = repr(value) if isinstance(value, str) else repr(str(value))
    return text if len(text) <= 80 else text[:77] + "...'"


_PATTERN_FIXES: dict[str, str] = {
    "interface": INTERFACE_FIX,
    "model": "a device model as the vendor names it: letters, digits and - _ . + / ( ), "
             "no spaces (e.g. AirEngine5761-11, RG-AP820-L(V3))",
    "tags": "a tag is one word: letters, digits and _ . : = / + -",
    "credentials": "the name of a credential set (letters, digits, '.', '_', '-'), never a secret",
    "snmp": "the name of an SNMP credential set (letters, digits, '.', '_', '-')",
    "role": "a prefix role of the address plan: lower-case letters, digits and '-' (e.g. office)",
    "code": 'a school code is the 10-digit 学校标识码, e.g. code: "2164010401"',
    "county": "a county is its 6-digit GB/T 2260 code in Ningxia (640104 … 640522), quoted",
    "hostname": "letters, digits, '.', '_' and '-', at most 63 characters, no spaces",
    "controller": "the hostname of the AP's wireless controller",
    "device": "the hostname of a device of the inventory",
    "website": "a domain name such as www.yc1z.example.cn (no http://, no path)",
    "zone": "a domain name such as nxedu.example.cn",
    "id": "letters, digits, '.', '_' and '-' (e.g. 640104-metro)",
}


def _fields_at(model: type[Any], loc: Sequence[str | int]) -> list[str]:
    """The field names of the model that sits at ``loc`` (for 'did you mean')."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        fields: dict[str, Any] = getattr(current, "__pydantic_fields__", {})
        if not fields:
            return []
        info = fields.get(str(part))
        if info is None:
            continue  # a union tag, or a dict key
        current = _unwrap(info.annotation)
    return _fields_of(current)


def _unwrap(annotation: Any) -> Any:
    """Find the model class inside list[...], X | None, dict[str, X]."""
    for _ in range(5):
        origin = typing.get_origin(annotation)
        if origin is None:
            return annotation
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if origin in (list, tuple, set):
            annotation = args[0]
        elif origin is dict:
            annotation = args[-1]
        elif origin in (typing.Union, types.UnionType):
            models = [a for a in args if hasattr(a, "__pydantic_fields__")]
            annotation = models[0] if models else args[0]
        else:
            annotation = args[0] if args else annotation
    return annotation


def resolve(findings: Sequence[Finding]) -> list[Problem]:
    """Turn findings into problems with line numbers, reading each affected file once."""
    by_file: dict[Path | None, list[Finding]] = defaultdict(list)
    for f in findings:
        by_file[f.file].append(f)
    problems: list[Problem] = []
    for path, group in by_file.items():
        lines: list[int | None]
        if path is None or not path.is_file():
            lines = [None] * len(group)
        else:
            locs = [f.loc for f in group if not (f.loc and f.loc[0] == "__line__")]
            found = iter(locate(path, locs) if locs else [])
            lines = [
                int(f.loc[1]) or None if f.loc and f.loc[0] == "__line__" else next(found)
                for f in group
            ]
        for f, line in zip(group, lines, strict=True):
            problems.append(Problem(path, line, _dotted(f.loc), f.message, f.fix, f.severity))
    problems.sort(key=lambda p: (p.severity != "error", str(p.file), p.line or 0))
    return problems


def _dotted(loc: Sequence[str | int]) -> str:
    """``('schools', 3, 'devices', 1, 'platform')`` → ``schools[3].devices[1].platform``."""
    if loc and loc[0] == "__line__":
        return ""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif "[" in str(part) or ("-" in str(part) and "[" in str(part)):
            continue  # pydantic union tags
        else:
            out += ("." if out else "") + str(part)
    return out


def raise_if_errors(findings: Sequence[Finding]) -> list[Problem]:
    """Raise :class:`InventoryError` when any finding is an error; return the warnings."""
    problems = resolve(findings)
    if any(p.severity == "error" for p in problems):
        raise InventoryError(problems)
    return problems
