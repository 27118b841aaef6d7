"""``netctl discover`` on the discovery test network (tests/fixtures/discovery): snmpsim agents
with LLDP and ENTITY data, an inventory with known drift; the drift list is asserted exactly."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import (  # type: ignore[import-not-found, unused-ignore]
    FIXTURES,
    REPO,
    Agent,
    free_port,
    need,
)

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
    (tmp / "snmp.toml").write_text("[snmp]\ntimeout_s = 2\nretries = 1\ndeadline_s = 6\n",
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
    assert [(d.code, d.device, re.sub(r"never answered \(.+\)", "never answered (...)",
                                      d.detail))
            for d in drift] == [
        ("device_undeclared", "lldp:nx640104-0001-sw9",
         "seen by LLDP from nx640104-0001-gw1:GigabitEthernet0/0/3, chassis 00:e0:fc:99:00:09"),
        ("device_not_seen", "nx640104-0001-sw3",
         "never answered (...)"),
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


def cli(home: Path, *args: str) -> tuple[int, str, str]:
    from typer.testing import CliRunner

    from netctl.cli import build_app

    result = CliRunner().invoke(build_app(), ["--home", str(home), *args],
                                env={"NETCTL_COLLECTORS": str(REPO / "collectors"),
                                     "NETCTL_REPORTS": str(REPO / "reports")})
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


CHECK = """<script>
const out = {maps: document.querySelectorAll('svg.topology').length, nodes: [], edges: {}};
for (const g of document.querySelectorAll('g.node')) {
  const c = g.querySelector('circle:last-of-type').getBBox();
  out.nodes.push([g.dataset.id, g.getAttribute('class'), c.x + c.width / 2, c.y + c.height / 2,
                  g.closest('svg').querySelector('title').textContent]);
}
for (const l of document.querySelectorAll('line.edge')) {
  const kind = l.getAttribute('class').split(' ')[1];
  out.edges[kind] = [(out.edges[kind] || [0])[0] + 1, getComputedStyle(l).stroke];
}
document.body.insertAdjacentHTML('beforeend', '<pre id="result">' + JSON.stringify(out) + '</pre>');
</script>"""


def test_cli_drift_import_assets_and_map_in_chromium(snmpsim: Agent, tmp_path: Path) -> None:
    import html
    import json
    import subprocess
    import tempfile

    from netctl.report.pdf import headless_args

    lab(tmp_path, snmpsim)
    code, _out, _err = cli(tmp_path, "discover", "--county", "640104", "--targets",
                           str(tmp_path / "targets.yaml"), "--config", str(tmp_path / "snmp.toml"))
    assert code == 1  # sw3 does not answer
    code, out, _err = cli(tmp_path, "discover", "drift", "--format", "json")
    assert code == 1
    drift = json.loads(out)["drift"]
    assert [d["code"] for d in drift].count("model_mismatch") == 3

    # import: a reviewable diff, nothing written without --write
    before = (tmp_path / "inventory" / "counties" / "640104.yaml").read_text(encoding="utf-8")
    code, diff, err = cli(tmp_path, "discover", "import")
    assert code == 0
    assert "+++ b/inventory/counties/640104.yaml" in diff
    assert "-    model: S5735-L48T4X-A1\n+    model: S6730-H24X6C" in diff
    assert "+  - {hostname: nx640104-0001-sw9, role: access, platform: huawei_vrp}" in diff
    assert ("+- {kind: lan, a: nx640104-0001-gw1:GigabitEthernet0/0/3, "
            "b: nx640104-0001-sw9:GigabitEthernet0/0/1}") in diff
    assert "+  S5130S-52S-EI" not in diff  # already in the catalog
    assert "not imported (link_not_seen" in err
    assert (tmp_path / "inventory" / "counties" / "640104.yaml").read_text(
        encoding="utf-8") == before
    code, _out, _err = cli(tmp_path, "discover", "import", "--write")
    assert code == 0
    code, out, _err = cli(tmp_path, "discover", "drift", "--format", "json")
    left = sorted({d["code"] for d in json.loads(out)["drift"]})
    assert left == ["device_not_seen", "interface_missing", "link_not_seen"]  # need a human

    # the asset register
    code, out, _err = cli(tmp_path, "assets", "--county", "640104", "--format", "json")
    assert code == 0
    assets = {a["hostname"]: a for a in json.loads(out)["assets"]}
    gw = assets["nx640104-0001-gw1"]
    assert (gw["vendor"], gw["model"], gw["serial"], gw["os_version"], gw["school_code"]) == (
        "Huawei", "S6730-H24X6C", "2102351931P0K1000001", "V200R021C10SPC600", "2401040001")
    assert gw["first_seen"] and gw["mgmt_address"] == "192.0.2.11"
    assert gw["baseline"] == "no_backup"
    assert assets["nx640104-0001-sw9"]["declared"] is True  # imported above
    assert assets["nx640104-0001-ap001"]["last_seen"] == ""
    code, _out, _err = cli(tmp_path, "assets", "--county", "640104", "--format", "xlsx",
                           "--out", str(tmp_path / "assets.xlsx"))
    assert code == 0
    from openpyxl import load_workbook

    ws = load_workbook(tmp_path / "assets.xlsx").active
    assert ws["A1"].value == "设备名" and ws.max_row == len(assets) + 1
    code, out, _err = cli(tmp_path, "assets", "--format", "csv", "--lang", "en")
    assert out.splitlines()[0].lstrip("\ufeff").startswith("hostname,declared,county")

    # the county report carries the map
    report = tmp_path / "report.html"
    code, _out, _err = cli(tmp_path, "report", "--county", "640104", "--out", str(report))
    assert code == 0
    text = report.read_text(encoding="utf-8")
    assert '<section class="topology">' in text and 'class="node not_seen"' in text

    # the map, rendered by headless Chromium
    page = tmp_path / "map.html"
    code, _out, _err = cli(tmp_path, "discover", "map", "--out", str(page))
    assert code == 0
    need("chromium", "chromium")
    probe = tmp_path / "probe.html"
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", CHECK + "</body>"),
                     encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="netctl-chromium-") as profile:
        dom = subprocess.run([*headless_args(Path(profile)), "--dump-dom", probe.as_uri()],
                             capture_output=True, text=True, timeout=120, check=True).stdout
    result = json.loads(html.unescape(dom.rsplit('<pre id="result">', 1)[1].split("</pre>")[0]))
    assert result["maps"] == 2  # the backbone and 兴庆区
    county = [n for n in result["nodes"] if n[4].startswith("640104")]
    assert {n[0] for n in county} == {"nx640104-metro1", "nx640104-0001-gw1",
                                      "nx640104-0001-sw1", "nx640104-0001-sw2",
                                      "nx640104-0001-sw3", "nx640104-0001-sw9"}
    classes = {n[0]: n[1] for n in county}
    assert classes["nx640104-0001-sw3"] == "node not_seen"
    assert result["edges"]["missing"] == [1, "rgb(214, 39, 40)"]  # gw1-sw2, red
    assert result["edges"]["seen"][0] == 3  # metro1-gw1, gw1-sw1 and the imported gw1-sw9
    centres = [(x, y) for _i, _c, x, y, _t in county]
    assert min(((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5
               for i, a in enumerate(centres) for b in centres[i + 1:]) > 30  # laid out
