"""Push on real configurations: emulated devices boot from the public corpus.

Per platform (VRP V5 and V8, Comware 5/7, RGOS, IOS/IOS-XE): each feature that renders for the
device is pushed (diff → send → verify → save, VRP V8 with ``commit``), a second push finds
nothing to do, and a push forced to fail (a line the device refuses) rolls back to exactly the
running config it found.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from netctl.config.connect import Target
from netctl.config.guard import Guard
from netctl.config.push import PushOptions, PushResult, push
from netctl.inventory.index import Inventory, load_inventory
from netctl.secrets import Secrets
from netctl.testing.corpus import REAL, TEMPLATES, case, family, host_for, variant
from netctl.testing.emulator import EmulatedNetwork, HostSpec

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SECRETS = {
    "NETCTL_CRED_CAMPUS_ADMIN_PASSWORD": "Adm1n-Pa55w0rd",
    "NETCTL_CRED_SNMPV3_DEFAULT_AUTH_KEY": "AuthKey-12345",
    "NETCTL_CRED_SNMPV3_DEFAULT_PRIV_KEY": "PrivKey-67890",
    "NETCTL_CRED_RADIUS_CAMPUS_USERNAME": "radius",
    "NETCTL_CRED_RADIUS_CAMPUS_PASSWORD": "Radius-Key-1",
    "NETCTL_CRED_SNMPV3_RGOS_AUTH_KEY": "AuthRgos-1",
    "NETCTL_CRED_SNMPV3_RGOS_PRIV_KEY": "PrivRgos-1",
    "NETCTL_CRED_WLAN_STUDENT_USERNAME": "student",
    "NETCTL_CRED_WLAN_STUDENT_PASSWORD": "Student-Psk-1",
    "NETCTL_CRED_WLAN_IOT_USERNAME": "iot",
    "NETCTL_CRED_WLAN_IOT_PASSWORD": "Iot-Psk-12345",
}
CASES = [  # (corpus file, feature): one device of each kind and OS release the corpus has
    ("huawei_vrp/s6730_metro_mpls_v200r023", "baseline"),
    ("huawei_vrp/s5700_aggregation_v200r003", "ipv6"),
    ("huawei_vrp/ac6605_wlan_ac_lab_excerpt", "wlan"),
    ("huawei_vrp/ce6880_isp_aggregation_v200r005", "baseline"),
    ("huawei_vrp/ce_spine_lab_v200r005", "ipv6"),
    ("huawei_vrp/ne40e_bng_v800r011", "ipv6"),
    ("hp_comware/hp5930_dc_switch_cw710_e2415", "baseline"),
    ("hp_comware/hp5500ei_irf_core_cmw520_r2221", "ipv6"),
    ("hp_comware/msr3600_home_core_router_cw710_r6728", "wlan"),
    ("ruijie_os/n8560_lab_core_rgos11.0", "baseline"),
    ("ruijie_os/s2900_stack_access_rgos10.4", "baseline"),  # RGOS ipv6 renders nothing here
    ("ruijie_os/ws6008_wlan_ac_rgos11.9_abridged", "baseline"),
    ("cisco_ios/isr4331_lab_router_iosxe16.6", "ipv6"),
    ("cisco_ios/c9300_dnac_lab_access_iosxe16.6", "baseline"),
    ("cisco_ios/c9800_wlc_flex_lab_excerpt", "baseline"),
]
IDS = [f"{p}:{f}" for p, f in CASES]


PUSH_XFAIL: dict[str, str] = {}


def _marked(xfails: dict[str, str]) -> list[object]:
    return [pytest.param(n, f, marks=pytest.mark.xfail(reason=xfails[f"{n}:{f}"], strict=True))
            if f"{n}:{f}" in xfails else (n, f) for n, f in CASES]


@pytest.fixture(scope="module")
def inv(allocated_dir: Path) -> Inventory:
    return load_inventory(allocated_dir)


def _net(inv: Inventory, path: Path) -> EmulatedNetwork:
    host = host_for(inv, path)
    return EmulatedNetwork([HostSpec(host, path.parent.name, config_file=path,
                                     variant=variant(path))])


def _push(inv: Inventory, net: EmulatedNetwork, feature: str, tmp_path: Path) -> PushResult:
    host = next(iter(net.devices))
    opts = PushOptions(
        feature=feature, templates_dir=TEMPLATES, backups_dir=tmp_path / "backups",
        commit=True, timeout=30.0, user="tester",
        targets={host: Target("127.0.0.1", net.ports[host], "admin", "admin")},
        guard=Guard(allow_protected=True, max_removals=1000),  # a first push on a foreign config
    )
    return push(inv, [host], opts, Secrets(None, env=SECRETS))


@pytest.mark.parametrize(("name", "feature"), _marked(PUSH_XFAIL), ids=IDS)
def test_push_verify_save_then_nothing_to_do(inv: Inventory, name: str, feature: str,
                                             tmp_path: Path) -> None:
    path = REAL / f"{name}.cfg"
    c = case(inv, path, feature)
    assert c is not None and c.diff.remediation, "the case must change something"
    with _net(inv, path) as net:
        dev = net[c.host]
        if variant(path):
            assert family(inv, c.host).startswith("vrp8-")
        first = _push(inv, net, feature, tmp_path).outcomes[0]
        assert first.status == "changed", first.error
        assert dev.startup_config == dev.running_config, "the push did not save"
        if variant(path):
            assert len(dev.commits) >= 2, "VRP V8: nothing was committed"
        again = _push(inv, net, feature, tmp_path).outcomes[0]
        assert again.status == "unchanged", again.remediation


# Rollback on real configs (issue 11): every case rolls back; none is expected to fail.
ROLLBACK_XFAIL: dict[str, str] = {}
# Defaults the push negated and the rollback restored: the device then shows them explicitly
# (VRP `telnet server enable`; RGOS `enable service telnet-server`, `snmp-server enable version
# v1|v2c`), which is the same state as before the push.
RESTORED_DEFAULTS = {"telnet server enable", "enable service telnet-server",
                     "snmp-server enable version v1", "snmp-server enable version v2c"}
_NOISE = re.compile(r"^\s*([#!]|Building configuration|Current configuration|!Last config"
                    r"|!Time:|return$|end$)")


def _paths(text: str) -> list[str]:
    """Every line with the lines that open its sections: the configuration's content, in the
    device's order within a section. (A device displays WLAN profiles in a fixed order by type;
    the emulator appends a re-created section at the end of its parent.)"""
    out: list[str] = []
    stack: list[tuple[int, str]] = []
    for line in text.splitlines():
        if not line.strip() or _NOISE.match(line):
            continue
        depth = len(line) - len(line.lstrip(" "))
        while stack and stack[-1][0] >= depth:
            stack.pop()
        out.append(" > ".join([t for _, t in stack] + [line.strip()]))
        stack.append((depth, line.strip()))
    return sorted(out)


def _blocks(text: str) -> dict[str, str]:
    """Each top-level section of a displayed config: header → its text, byte for byte."""
    out: dict[str, str] = {}
    header = ""
    for line in text.splitlines(keepends=True):
        if line.strip() and not line.startswith(" ") and not _NOISE.match(line):
            header = line.strip()
            out[header] = ""
        if header and line.startswith(" "):
            out[header] += line
    return out


def _failing_line(remediation: list[str]) -> str:
    """The last remediation line sent as it reads (not an exit, banner, header or secret)."""
    return next(ln.strip() for ln in reversed(remediation)
                if ln.strip() not in ("quit", "exit", "#", "!")
                and not ln.strip().startswith(("banner", "header")) and "<" not in ln)


@pytest.mark.parametrize(("name", "feature"), _marked(ROLLBACK_XFAIL), ids=IDS)
def test_a_refused_line_rolls_back_to_the_running_config(inv: Inventory, name: str,
                                                         feature: str, tmp_path: Path) -> None:
    path = REAL / f"{name}.cfg"
    c = case(inv, path, feature)
    assert c is not None
    with _net(inv, path) as net:
        dev = net[c.host]
        before_running, before_startup = dev.running_config, dev.startup_config
        dev.knobs.unsupported.append("^" + re.escape(_failing_line(c.diff.remediation)) + "$")
        out = _push(inv, net, feature, tmp_path).outcomes[0]
        assert out.status == "rolled_back", out.error
        assert dev.startup_config == before_startup, "a failed push must save nothing"
        after = dev.running_config
        # restored defaults the push had negated show explicitly (`telnet server enable`)
        restored = {ln.strip() for ln in after.splitlines() if not _NOISE.match(ln)} - {
            ln.strip() for ln in before_running.splitlines()}
        assert restored <= RESTORED_DEFAULTS, restored
        # (a Comware 7 global shows indented after the last section: compare its own text)
        assert [p for p in _paths(after) if p.rsplit(" > ", 1)[-1] not in restored] == (
            _paths(before_running))
        # the owned sections (those the push entered) byte for byte; the WLAN view is compared
        # by content above (the emulator appends a re-created profile at the end of the view)
        owned = {ln.strip() for ln in c.diff.remediation if ln and not ln.startswith(" ")}
        old, new = _blocks(before_running), _blocks(after)
        for header in sorted(owned & old.keys() - {"wlan"}):
            assert new.get(header) == old[header], header
