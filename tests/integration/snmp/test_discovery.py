"""``netctl discover`` on the discovery test network (tests/fixtures/discovery): snmpsim agents
with LLDP and ENTITY data, an inventory with known drift; the drift list is asserted exactly."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, REPO, Agent, free_port  # type: ignore[import-not-found, unused-ignore]

from netctl.discovery.drift import compute_drift
from netctl.discovery.poll import run_discovery
from netctl.discovery.store import seen_devices, seen_links
from netctl.inventory.index import load_inventory
from netctl.settings import Settings
from netctl.state.store import StateStore

pytestmark = pytest.mark.integration

DISC = FIXTURES.parent / "discovery"
HOSTS = ("metro1", "0001-gw1", "0001-sw1", "0001-sw2")


def lab(tmp: Path, sim: Agent) -> Settings:
    """A home with the discovery inventory, the repository's collectors and a targets file."""
    shutil.copytree(DISC / "inventory", tmp / "inventory")
    (tmp / "snmp.toml").write_text("[snmp]\ntimeout_s = 0.5\nretries = 0\ndeadline_s = 3\n",
                                   encoding="utf-8")
    lines = [f'"nx640104-{h}": {{address: "{sim.address()}", community: disc-{h.split("-")[-1]}}}'
             for h in HOSTS]
    lines.append(f'"nx640104-0001-sw3": {{address: "udp://127.0.0.1:{free_port()}", '
                 'community: public}')
    (tmp / "targets.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Settings.from_env({}, cwd=tmp, collectors_dir=REPO / "collectors",
                             state_url=str(tmp / "state.db"))


async def test_discover_records_what_the_network_says(snmpsim: Agent, tmp_path: Path) -> None:
    s = lab(tmp_path, snmpsim)
    summary = await run_discovery(s, config_path=tmp_path / "snmp.toml",
                                  targets_file=tmp_path / "targets.yaml")
    by_host = {d.hostname: d for d in summary.polls}
    assert set(by_host) == {f"nx640104-{h}" for h in (*HOSTS, "0001-sw3")}  # not the AP
    gw = by_host["nx640104-0001-gw1"]
    assert gw.ok and gw.vendor == "Huawei" and gw.platform == "huawei_vrp"
    assert (gw.model, gw.serial, gw.os_version) == ("S6730-H24X6C", "2102351931P0K1000001",
                                                    "V200R021C10SPC600")
    assert gw.chassis_id == "00:e0:fc:00:01:01"
    assert [(n.local_port, n.sys_name) for n in gw.neighbours][-1] == (
        "GigabitEthernet0/0/3", "nx640104-0001-sw9.nxedu.example.cn")
    sw2 = by_host["nx640104-0001-sw2"]
    assert (sw2.vendor, sw2.platform, sw2.os_version) == ("H3C", "hp_comware",
                                                          "7.1.070, Release 6615P01")
    assert not by_host["nx640104-0001-sw3"].ok
    with StateStore(s.state_url) as store:
        devices = seen_devices(store)
        links = seen_links(store)
    assert devices["lldp:nx640104-0001-sw9"].chassis_id == "00:e0:fc:99:00:09"
    assert devices["nx640104-0001-sw3"].last_error and not devices["nx640104-0001-sw3"].seen
    gw_links = {(sl.local_port, sl.remote_device) for sl in links
                if sl.device == "nx640104-0001-gw1"}
    assert gw_links == {("XGigabitEthernet0/0/1", "nx640104-metro1"),
                        ("GigabitEthernet0/0/1", "nx640104-0001-sw1"),
                        ("GigabitEthernet0/0/3", "lldp:nx640104-0001-sw9")}

    drift = compute_drift(load_inventory(s.inventory_dir), devices, links)
    assert [(d.code, d.device, re.sub(r"127\.0\.0\.1:\d+", "PORT", d.detail))
            for d in drift] == [
        ("device_undeclared", "lldp:nx640104-0001-sw9",
         "seen by LLDP from nx640104-0001-gw1:GigabitEthernet0/0/3, chassis 00:e0:fc:99:00:09"),
        ("device_not_seen", "nx640104-0001-sw3",
         "never answered (no response from PORT within 0.5 s)"),
        ("platform_mismatch", "nx640104-0001-sw2",
         "declared ruijie_os (model RG-S2910-24GT4XS-E), answers as H3C hp_comware"),
        ("model_mismatch", "nx640104-0001-gw1",
         "declared S5735-L48T4X-A1, ENTITY-MIB says S6730-H24X6C"),
        ("model_mismatch", "nx640104-0001-sw1",
         "declared S6730-H24X6C, ENTITY-MIB says S5735-L48T4X-A1"),
        ("model_mismatch", "nx640104-0001-sw2",
         "declared RG-S2910-24GT4XS-E, ENTITY-MIB says S5130S-52S-EI"),
        ("serial_mismatch", "nx640104-0001-sw1",
         "declared 2102351931P0K9999999, the device reports 2102351931P0K1000002"),
        ("link_undeclared", "nx640104-0001-gw1",
         "LLDP: nx640104-0001-gw1:GigabitEthernet0/0/3 - nx640104-0001-sw9:GigabitEthernet0/0/1"),
        ("link_not_seen", "nx640104-0001-gw1",
         "declared nx640104-0001-gw1:GigabitEthernet0/0/2 - "
         "nx640104-0001-sw2:GigabitEthernet1/0/49, LLDP does not show it"),
        ("interface_missing", "nx640104-0001-gw1",
         "no interface GigabitEthernet0/0/47 on the device"),
    ]
    fixes = {(d.code, d.device): d.fix for d in drift}
    assert fixes[("model_mismatch", "nx640104-0001-gw1")] == "model: S6730-H24X6C"
    assert fixes[("platform_mismatch", "nx640104-0001-sw2")] == "model: S5130S-52S-EI"
    assert all(d.line for d in drift if d.code in ("model_mismatch", "interface_missing"))
