"""The public corpus (``tests/fixtures/real/<platform>/*.cfg``) as sample devices (tests only).

Each real config is matched with a sample device of its platform whose role and OS family fit
(a CloudEngine/NetEngine config boots the VRP V8 emulator and is pushed as the sample's metro /
backbone device; a controller's config as the sample WLC), so the shipped templates render for
it and the emulator's variant is the one netctl selects from the inventory model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from netctl.config.diff import Diff, compute_diff
from netctl.config.placeholders import fill, split_prompts
from netctl.config.protect import load_protection
from netctl.config.render import policy_for, render_many
from netctl.config.scope import load_scopes
from netctl.inventory.index import Inventory
from netctl.models.inventory import Role
from netctl.platforms import Platform
from netctl.testing.emulator import Device
from netctl.testing.emulator.session import Session

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = REPO / "templates"
REAL = REPO / "tests" / "fixtures" / "real"
CORPUS = sorted(REAL.glob("*/*.cfg"))
FEATURES = ("baseline", "ipv6", "wlan")

V8_ROLE = {"ce": Role.METRO, "ne": Role.BACKBONE}
"""VRP V8 configs by file-name prefix (``ce6880_…``, ``ne40e_…``): the sample role whose model
is in that family (templates/policy.yaml: ``CE*`` → vrp8-ce, ``NE*`` → vrp8-ne)."""

ERROR = re.compile(r"(?m)^\s*(Error:|% )")
"""Any refusal of any platform (the emulator prints the real OS's texts)."""


def variant(path: Path) -> str | None:
    """``vrp8`` for a VRP V8 config of the corpus."""
    return "vrp8" if path.parent.name == "huawei_vrp" and path.stem[:2] in V8_ROLE else None


def role(path: Path) -> Role:
    """The sample role a corpus config stands for."""
    name = path.stem
    if variant(path):
        return V8_ROLE[name[:2]]
    words = set(name.split("_"))
    if words & {"wlan", "wireless", "c9800"} or "msr3600" in words:
        return Role.WLC  # msr3600: a Comware 7 router that is also the home's controller
    if "ap" in words:
        return Role.AP
    if "access" in words or "c2950" in words:
        return Role.ACCESS
    return Role.GATEWAY


@cache
def _host(inv_id: int, platform: Platform, want: Role) -> str:
    inv = _INVS[inv_id]
    return next(d.hostname for d in inv.devices.values()
                if d.platform is platform and d.role is want)


_INVS: dict[int, Inventory] = {}


def host_for(inv: Inventory, path: Path) -> str:
    """The sample device a corpus config stands for."""
    _INVS[id(inv)] = inv
    return _host(id(inv), Platform(path.parent.name), role(path))


def family(inv: Inventory, host: str) -> str:
    """The OS family netctl selects for ``host`` at push time."""
    dev = inv.devices[host]
    return policy_for(TEMPLATES).os_family(dev.platform, dev.device.model)


@dataclass(frozen=True)
class Case:
    path: Path
    host: str
    feature: str
    intended: str
    diff: Diff


def case(inv: Inventory, path: Path, feature: str) -> Case | None:
    """The remediation netctl computes for ``feature`` on this real config (None: the
    template refuses the sample device)."""
    host = host_for(inv, path)
    platform = Platform(path.parent.name)
    rendered = render_many(inv, [host], feature, templates_dir=TEMPLATES)[0]
    if rendered.text is None:
        return None
    device = inv.devices[host].device
    protection = load_protection(TEMPLATES).for_platform(platform).for_device(
        str(a) for a in (device.mgmt_ipv4, device.mgmt_ipv6) if a)
    scope = load_scopes(TEMPLATES).for_feature(feature)
    running = path.read_text(encoding="utf-8")
    diff = compute_diff(platform, running, rendered.text, scope, protection)
    return Case(path, host, feature, rendered.text, diff)


ENTER = {
    "huawei_vrp": ["system-view"],
    "hp_comware": ["system-view"],
    "ruijie_os": ["enable", "configure terminal"],
    "cisco_ios": ["enable", "configure terminal"],
}
_QUESTION = re.compile(r"(?i)(\[Y/N\]|\(y/n\)|\[yes/no\])[^\n]*:?\s*$")
_PASSWORD = re.compile(r"(?i)(password|key)[^\n:]*:\s*$")


def replay(path: Path, lines: list[str]) -> tuple[Device, list[tuple[str, str]]]:
    """Boot an emulated device from ``path`` and type ``lines`` in config mode as netctl's
    ``send_lines`` would (questions answered ``y``, password prompts twice; VRP V8 then
    ``commit``); return the device and each (line, refusal) the device printed."""
    dev = Device("R1", path.parent.name, initial_config=path.read_text(encoding="utf-8"),
                 variant=variant(path))
    session = Session(dev)
    refused: list[tuple[str, str]] = []
    for line in ENTER[path.parent.name]:
        session.feed(line)
    secret = "Pa55-w0rd-X"  # noqa: S105 - a stand-in for every secret the templates reference
    for line in [*lines, *(["commit"] if variant(path) else [])]:
        command, prompts = split_prompts(fill(line, lambda _ref: secret))
        out = session.feed(command).text
        for _ in range(6):  # bounded, as in send_lines
            last = out.rstrip().splitlines()[-1] if out.strip() else ""
            if _QUESTION.search(last):
                out += session.feed("y").text
            elif _PASSWORD.search(last) and prompts:
                out += session.feed(secret).text
            else:
                break
        if ERROR.search(out):
            refused.append((line, out.strip()))
    return dev, refused
