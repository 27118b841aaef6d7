"""Fuzz: roster CSV/XLSX, SNMP profiles, collector configuration, policy, targets, secrets."""

from __future__ import annotations

import contextlib
import copy
import csv
import functools
import io
import tempfile
from pathlib import Path
from typing import Any

import yaml
from fuzz_strategies import nasty_text, yaml_scalar  # type: ignore[import-not-found,unused-ignore]
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook

from netctl.collectors.config import load_config, load_target_overrides
from netctl.collectors.snmp.profile import load_profiles
from netctl.compliance.targets import load_targets
from netctl.config.policy import EXAMPLE, load_policy
from netctl.exceptions import ConfigError, NetctlError, RenderError, SecretsError
from netctl.inventory.roster import read_roster
from netctl.models.text import problem_in
from netctl.secrets import Secrets
from netctl.testing.hostile import bounded

REPO = Path(__file__).resolve().parents[2]
HEADER = ["学校标识码", "学校名称", "区县代码", "城乡分类", "学段", "班级数", "教室数",
          "数字化教室数", "网站域名"]
ROW = ["2401049001", "兴庆区第九十一小学", "640104", "城区", "小学", "24", "26", "20", ""]


def mutate(text: str, edits: list[tuple[int, int, str]]) -> str:
    for where, delete, insert in edits:
        pos = min(where, len(text))
        text = text[:pos] + insert + text[pos + delete:]
    return text


edits = st.lists(st.tuples(st.integers(0, 4000), st.integers(0, 10), nasty_text), max_size=4)


# -- roster -------------------------------------------------------------------------------------


def _check_roster(path: Path) -> None:
    roster = bounded(lambda: read_roster(path))  # never raises for bad content
    for row in roster.rows:
        assert problem_in(row.school.name) is None, row.school.name
        assert row.school.code.isascii() and row.school.code.isdigit()
    for p in roster.problems:
        assert p.message


@given(cells=st.lists(st.one_of(nasty_text, st.sampled_from(ROW)), min_size=1, max_size=12),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16", "big5", "latin-1"]))
def test_roster_csv(cells: list[str], encoding: str) -> None:
    buf = io.StringIO()
    csv.writer(buf).writerows([HEADER, ROW, cells])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "r.csv"
        path.write_bytes(buf.getvalue().encode(encoding, errors="replace"))
        _check_roster(path)


@given(st.binary(max_size=600))
def test_roster_csv_raw_bytes(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "r.csv"
        path.write_bytes(data)
        _check_roster(path)


def _xlsx(cells: list[Any]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(ROW)
    ws.append(cells)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


GOOD_XLSX = _xlsx(ROW)
_XLSX_CHARS = nasty_text.map(lambda s: "".join(c for c in s if c >= " " or c in "\t\n\r"))


@given(cells=st.lists(st.one_of(_XLSX_CHARS, st.integers(), st.floats(allow_nan=False),
                                st.none()), max_size=10))
def test_roster_xlsx_cells(cells: list[Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "r.xlsx"
        path.write_bytes(_xlsx(cells))
        _check_roster(path)


@given(st.lists(st.tuples(st.integers(0, len(GOOD_XLSX) - 1), st.binary(min_size=1, max_size=8)),
                min_size=1, max_size=6), st.integers(0, len(GOOD_XLSX)))
def test_roster_xlsx_corrupted(flips: list[tuple[int, bytes]], cut: int) -> None:
    data = bytearray(GOOD_XLSX)
    for pos, junk in flips:
        data[pos:pos + len(junk)] = junk
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "r.xlsx"
        path.write_bytes(bytes(data[:max(cut, 4)]))
        _check_roster(path)


# -- collector profiles and configuration -------------------------------------------------------

PROFILE = (REPO / "collectors" / "snmp" / "profiles" / "if_mib.yaml").read_text(encoding="utf-8")


@given(edits)
def test_snmp_profiles(changes: list[tuple[int, int, str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "if_mib.yaml"
        path.write_text(mutate(PROFILE, changes), encoding="utf-8")
        with contextlib.suppress(ConfigError):
            bounded(lambda: load_profiles(Path(tmp)))


@given(st.binary(max_size=300))
def test_snmp_profile_bytes(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "x.yaml").write_bytes(data)
        with contextlib.suppress(ConfigError):
            load_profiles(Path(tmp))


DAEMON = (REPO / "collectors" / "daemons" / "snmp.toml").read_text(encoding="utf-8")


@given(edits, st.sampled_from([".toml", ".yaml"]))
def test_collector_config_and_targets(changes: list[tuple[int, int, str]], suffix: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"snmp{suffix}"
        path.write_text(mutate(DAEMON, changes), encoding="utf-8")
        try:
            bounded(lambda: load_config(path) if suffix == ".toml" else None)
            bounded(lambda: load_target_overrides(path))
        except ConfigError:
            pass


# -- policy, targets, secrets -------------------------------------------------------------------


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(data, dict):
        return [p for k, v in data.items() for p in [(*prefix, k), *_paths(v, (*prefix, k))]]
    if isinstance(data, list):
        return [p for i, v in enumerate(data) for p in [(*prefix, i), *_paths(v, (*prefix, i))]]
    return []


POLICY_PATHS = _paths(EXAMPLE)


@given(st.lists(st.tuples(st.sampled_from(POLICY_PATHS), st.one_of(yaml_scalar, nasty_text)),
                min_size=1, max_size=3))
def test_policy(changes: list[tuple[tuple[Any, ...], Any]]) -> None:
    data = copy.deepcopy(EXAMPLE)
    for path, value in changes:
        node: Any = data
        try:
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue
    with tempfile.TemporaryDirectory() as tmp:
        file = Path(tmp) / "policy.yaml"
        file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        try:
            policy = bounded(lambda: load_policy(file))
        except RenderError:
            return
    strings = [policy.domain_name, policy.baseline.banner, policy.wlan.aaa_domain,
               *(s.ssid for s in policy.wlan.ssids.values()),
               *(u.name for u in policy.baseline.local_users),
               *(u.name for u in policy.baseline.snmp.users),
               *(r.name for r in policy.wlan.radius)]
    for value in strings:
        assert problem_in(value) is None, value


TARGETS = (REPO / "reports" / "targets.yaml").read_text(encoding="utf-8")


@given(st.one_of(edits, st.lists(st.tuples(st.integers(0, 4000), st.integers(0, 4),
                                           st.sampled_from([".nan", ".inf", "-1", "1e309"])),
                                 max_size=3)))
def test_targets(changes: list[tuple[int, int, str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "targets.yaml"
        path.write_text(mutate(TARGETS, changes), encoding="utf-8")
        try:
            targets = bounded(lambda: load_targets(path))
        except ConfigError:
            return
    targets.model_dump_json()  # valid JSON: no NaN or infinity


SECRETS = ("credentials:\n  campus: {username: netops, password: \"Pa55\"}\n"
           "  snmpv3: {username: netctl, auth_key: a1, priv_key: p1}\n")


@given(st.one_of(edits.map(lambda e: mutate(SECRETS, e)),
                 st.dictionaries(nasty_text, st.dictionaries(
                     st.sampled_from(["username", "password", "auth_key"]), yaml_scalar),
                                 max_size=3).map(lambda d: yaml.safe_dump({"credentials": d}))))
def test_secrets(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "secrets.yaml"
        path.write_text(text, encoding="utf-8")
        path.chmod(0o600)
        secrets = Secrets(path, env={})
        for name in ("campus", "snmpv3", ""):
            try:
                cred = bounded(functools.partial(secrets.get, name))
            except SecretsError as exc:
                assert "Pa55" not in str(exc)  # a YAML error never quotes the file
                return
            if cred is not None:
                for value in (cred.username, cred.password, cred.auth_key):
                    assert value is None or isinstance(value, str)


def test_errors_are_netctl_errors() -> None:
    """The refusals above are the project's own error types (what the CLI maps to exit 1)."""
    assert all(issubclass(e, NetctlError) for e in (ConfigError, RenderError, SecretsError))


@given(st.binary(max_size=300), st.sampled_from(["snmp.toml", "targets.yaml", "policy.yaml",
                                                 "targets.toml"]))
def test_config_files_as_raw_bytes(data: bytes, name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            if name == "snmp.toml":
                bounded(lambda: load_config(path))
            elif name == "targets.toml":
                bounded(lambda: load_target_overrides(path))
            elif name == "targets.yaml":
                bounded(lambda: load_targets(path))
            else:
                bounded(lambda: load_policy(path))
        except (ConfigError, RenderError):
            pass
