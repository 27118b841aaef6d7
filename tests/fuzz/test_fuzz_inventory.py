"""Fuzz: inventory YAML (structured hostile values and raw text mutations) and rendering."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml
from fuzz_strategies import (  # type: ignore[import-not-found,unused-ignore]
    interface_like,
    nasty_text,
    yaml_scalar,
)
from hypothesis import event, given
from hypothesis import strategies as st

from netctl.exceptions import InventoryError
from netctl.inventory.index import Inventory, load_inventory
from netctl.models.text import problem_in
from netctl.testing.hostile import bounded

REGION = """\
region: {code: "640000", name: 宁夏回族自治区}
defaults: {aps_per_room: 1, credentials: default}
nodes:
  - id: bb-640100
    kind: backbone
    name: 银川市教育骨干网核心节点
    devices:
      - {hostname: nx-bb-yi1, role: backbone, model: NE40E-X8A}
"""
CATALOG = """\
models:
  NE40E-X8A: {platform: huawei_vrp}
  S6730-H24X6C: {platform: huawei_vrp}
  RG-S5750C-28GT4XS-H: {platform: ruijie_os}
"""


def county(school_name: Any, if_name: Any, descr: Any, model: Any, room: Any,
           link_if: Any) -> dict[str, Any]:
    return {
        "county": "640104",
        "schools": [{
            "code": "2401040001", "name": school_name, "category": "urban", "stage": "primary",
            "devices": [
                {"hostname": "s1-gw1", "role": "gateway", "model": "S6730-H24X6C",
                 "interfaces": [{"name": if_name, "role": "uplink", "description": descr}]},
                {"hostname": "s1-sw1", "role": "access", "model": model, "room": room},
            ],
        }],
        "links": [{"kind": "edu_private", "a": f"s1-gw1:{link_if}", "b": "nx-bb-yi1",
                   "mbps": 1000}],
    }


def write(root: Path, county_text: str) -> None:
    (root / "counties").mkdir(parents=True, exist_ok=True)
    (root / "region.yaml").write_text(REGION, encoding="utf-8")
    (root / "catalog.yaml").write_text(CATALOG, encoding="utf-8")
    (root / "counties" / "640104.yaml").write_text(county_text, encoding="utf-8",
                                                    errors="surrogatepass")


def template_bound(inv: Inventory) -> list[str]:
    """Every loaded string a template (or a device) can receive."""
    out: list[str] = []
    for entry in inv.devices.values():
        d = entry.device
        out += [entry.hostname, d.model or "", d.building or "", d.room or ""]
        for i in d.interfaces:
            out += [i.name, i.description or ""]
    for school in inv.schools.values():
        out.append(school.school.name)
    for link in inv.links:
        out += [link.link.description or "", link.link.a.interface or "",
                link.link.b.interface or ""]
    return out


def load_or_refuse(root: Path) -> Inventory | None:
    try:
        inv = bounded(lambda: load_inventory(root))
    except InventoryError as exc:
        for problem in exc.problems:  # every refusal names a file and is one printable message
            assert problem.file is not None
            assert problem.message
        event("refused")
        return None
    event("loaded")
    for value in template_bound(inv):
        assert problem_in(value) is None, f"accepted {value!r}"
    return inv


@given(school_name=st.one_of(nasty_text, yaml_scalar), if_name=interface_like,
       descr=st.one_of(nasty_text, yaml_scalar),
       model=st.one_of(nasty_text, st.just("S6730-H24X6C")),
       room=st.one_of(nasty_text, st.none()), link_if=interface_like)
def test_structured_hostile_values(school_name: Any, if_name: Any, descr: Any, model: Any,
                                   room: Any, link_if: Any) -> None:
    data = county(school_name, if_name, descr, model, room, link_if)
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write(root, text)
        load_or_refuse(root)


GOOD = yaml.safe_dump(county("兴庆区第一小学", "XGigabitEthernet0/0/1", "to metro", "S6730-H24X6C",
                             "A101", "XGigabitEthernet0/0/1"), allow_unicode=True, sort_keys=False)


@given(st.lists(st.tuples(st.integers(0, len(GOOD)), st.integers(0, 12), nasty_text),
                min_size=1, max_size=4))
def test_raw_text_mutations(edits: list[tuple[int, int, str]]) -> None:
    """Insert hostile text and delete ranges anywhere in a valid county file."""
    text = GOOD
    for where, delete, insert in edits:
        pos = min(where, len(text))
        text = text[:pos] + insert + text[pos + delete:]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write(root, text)
        load_or_refuse(root)


@given(st.binary(max_size=400))
def test_raw_bytes(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write(root, "")
        (root / "counties" / "640104.yaml").write_bytes(data)
        load_or_refuse(root)
