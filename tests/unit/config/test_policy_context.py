"""The policy file, the render context and secret placeholders: errors an operator will meet."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netctl.config.addressing import (
    DeviceAddressing,
    InventoryPrefixSource,
    LinkAddressing,
    StaticSource,
)
from netctl.config.context import build_context
from netctl.config.placeholders import fill, match_pattern, placeholder, refs
from netctl.config.policy import Policy, PortRange, load_policy
from netctl.config.render import render_device, render_many
from netctl.exceptions import RenderError
from netctl.inventory.index import Inventory, load_inventory
from netctl.models.inventory import Role

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "render"


def test_shipped_policy_is_valid(templates_dir: Path) -> None:
    """templates/policy.yaml, as operators get it, validates."""
    policy = load_policy(templates_dir / "policy.yaml")
    assert policy.wlan.ssids["teacher"].security.value == "wpa3-enterprise"


def test_policy_typo_names_file_line_and_field(tmp_path: Path) -> None:
    """A misspelt field is an error with the file, the line, the dotted field and a suggestion."""
    text = (FIXTURES / "policy.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "policy.yaml"
    typo = text.replace("      security: wpa3-enterprise", "      securty: wpa3-enterprise")
    bad.write_text(typo, encoding="utf-8")
    line = next(i for i, t in enumerate(bad.read_text().splitlines(), 1) if "securty" in t)
    with pytest.raises(RenderError) as err:
        load_policy(bad)
    message = str(err.value)
    assert f"{bad}:{line}: wlan.ssids.teacher.securty: unknown field 'securty': did you mean " \
           "'security'?" in message
    assert "wlan.ssids.teacher.security: Field required" in message


def test_policy_bad_value_and_bad_yaml(tmp_path: Path) -> None:
    """A wrong value names its field; broken YAML names its line."""
    text = (FIXTURES / "policy.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "policy.yaml"
    bad.write_text(text.replace("idle_timeout_minutes: 10", "idle_timeout_minutes: 600"),
                   encoding="utf-8")
    with pytest.raises(RenderError, match=r"policy.yaml:\d+: baseline.idle_timeout_minutes: "
                                          r"Input should be less than or equal to 60"):
        load_policy(bad)
    bad.write_text("wlan: [\n", encoding="utf-8")
    with pytest.raises(RenderError, match=r"policy.yaml:\d+: invalid YAML"):
        load_policy(bad)


def test_policy_rules() -> None:
    """Cross-field rules: PSK for personal SSIDs, RADIUS for 802.1X, lifetimes in order."""
    from netctl.config.policy import EXAMPLE

    data = {**EXAMPLE, "wlan": {**EXAMPLE["wlan"], "radius": []}}
    with pytest.raises(ValueError, match=r"uses 802\.1X: list the RADIUS servers"):
        Policy.model_validate(data)
    ssid = {"ssid": "X", "wlan_id": 2, "vlan_role": "iot", "security": "wpa2-personal"}
    with pytest.raises(ValueError, match="needs psk"):
        Policy.model_validate({**EXAMPLE, "wlan": {**EXAMPLE["wlan"], "ssids": {"iot": ssid}}})
    with pytest.raises(ValueError, match="preferred_lifetime must not exceed"):
        Policy.model_validate({**EXAMPLE, "ipv6": {"ra": {"valid_lifetime": 600,
                                                          "preferred_lifetime": 700}}})
    assert PortRange(format="Gi1/0/{n}", first=47, last=48).names() == ["Gi1/0/47", "Gi1/0/48"]


def test_policy_admin_radius_and_snmp_per_platform() -> None:
    """A RADIUS name shared by baseline.aaa and wlan.radius is one server; SNMP privacy and
    credential set can differ per platform (RGOS: DES), AES elsewhere."""
    from netctl.config.policy import EXAMPLE
    from netctl.platforms import Platform

    rad = EXAMPLE["wlan"]["radius"][0]
    other = {**rad, "address": "10.9.9.9"}
    base = {**EXAMPLE["baseline"], "aaa": {"radius": [other]}}
    with pytest.raises(ValueError, match="RADIUS server RAD1 differs between"):
        Policy.model_validate({**EXAMPLE, "baseline": base})
    same = Policy.model_validate(
        {**EXAMPLE, "baseline": {**EXAMPLE["baseline"], "aaa": {"radius": [rad]}}})
    assert same.baseline.aaa is not None and same.baseline.aaa.group == "RAD-ADMIN"
    with pytest.raises(ValueError, match="at most 2"):
        Policy.model_validate({**EXAMPLE, "baseline": {**EXAMPLE["baseline"], "aaa": {
            "radius": [rad, {**rad, "name": "R2"}, {**rad, "name": "R3"}]}}})
    snmp = {"users": [{"name": "nms", "credentials": "snmpv3",
                       "credentials_by_platform": {"ruijie_os": "snmpv3-rgos"}}],
            "privacy_by_platform": {"ruijie_os": "des56"}}
    p = Policy.model_validate({**EXAMPLE, "baseline": {**EXAMPLE["baseline"], "snmp": snmp}})
    assert p.baseline.snmp.privacy_for(Platform.RUIJIE_OS) == "des56"
    assert p.baseline.snmp.privacy_for(Platform.HUAWEI_VRP) == "aes128"
    user = p.baseline.snmp.users[0]
    assert user.credentials_for(Platform.RUIJIE_OS) == "snmpv3-rgos"
    assert user.credentials_for(Platform.CISCO_IOS) == "snmpv3"


def test_placeholders_match_the_stored_forms() -> None:
    """An intended secret line matches the device's stored form, and nothing else."""
    cases = [
        ("radius-server shared-key cipher <secret:rad.password>",
         "radius-server shared-key cipher %^%#x(8N)w%^%#", "radius-server shared-key cipher"),
        ("preshared-key pass-phrase simple <secret:psk.password>",
         "preshared-key pass-phrase cipher $c$3$kq9w==", "preshared-key raw-key cipher $c$3$x"),
        (" password simple <secret:adm.password>", " password hash $h$6$Yq$abc", " password"),
        ("username netops privilege 15 password 0 <secret:adm.password>",
         "username netops privilege 15 password 7 0822455D0A16",
         "username other privilege 15 password 7 0822455D0A16"),
        ("snmp-agent usm-user v3 nms authentication-mode sha <prompt:snmp.auth_key>",
         "snmp-agent usm-user v3 nms authentication-mode sha cipher %^%#abc%^%#",
         "snmp-agent usm-user v3 other authentication-mode sha cipher %^%#abc%^%#"),
    ]
    for intended, stored, other in cases:
        pattern = match_pattern(intended)
        assert pattern.match(stored), (intended, stored)
        assert not pattern.match(other), (intended, other)


def test_fill_refuses_unsendable_secrets() -> None:
    """A secret with whitespace would change the command: refused, naming the reference."""
    line = f"key 0 {placeholder('rad')}"
    assert refs(line)[0].credential == "rad"
    with pytest.raises(RenderError, match=re.escape("secret <secret:rad.password> is empty")):
        fill(line, lambda r: "two words")
    with pytest.raises(RenderError, match="not one of"):
        placeholder("rad", "username")


def test_wlc_vlans_must_agree(
    render_inv: Inventory, render_source: StaticSource, render_policy: Policy,
) -> None:
    """One SSID maps to one VLAN: schools of a controller that disagree are named."""
    gw = render_source(render_inv, "nx640104-0001-gw1")
    moved = [v.model_copy(update={"vlan_id": 31}) if v.role == "wireless-teacher" else v
             for v in gw.vlans]
    data = {h: render_source(render_inv, h) for h in render_inv.devices}
    data["nx640104-0001-gw1"] = gw.model_copy(update={"vlans": moved})
    # a second school on the Huawei controller, still in VLAN 30
    inv2 = _with_second_huawei_school(render_inv)
    data["nx640104-0006-gw1"] = gw.model_copy(update={"hostname": "nx640104-0006-gw1"})
    with pytest.raises(RenderError, match=r"SSID teacher: schools on this controller put role "
                                          r"'wireless-teacher' in different VLANs \(VLAN 30 at "
                                          r"2401040006; VLAN 31 at 2401040001\)"):
        build_context(inv2, "nx640104-ac-hw", render_policy, StaticSource(data))


def _with_second_huawei_school(inv: Inventory) -> Inventory:
    import shutil
    import tempfile

    tmp = Path(tempfile.mkdtemp())
    shutil.copytree(FIXTURES / "inventory", tmp / "inventory")
    county = tmp / "inventory" / "counties" / "640104.yaml"
    extra = """  - code: "2401040006"
    name: 兴庆区第六小学
    category: urban
    stage: primary
    devices:
      - {hostname: nx640104-0006-gw1, role: gateway, model: S6730-H24X6C}
      - {hostname: nx640104-0006-ap001, role: ap, model: AP4050DN, controller: nx640104-ac-hw}
links:
"""
    county.write_text(county.read_text(encoding="utf-8").replace("links:\n", extra, 1),
                      encoding="utf-8")
    assert inv.devices
    return load_inventory(tmp / "inventory")


def test_missing_ipam_data_is_explained(
    render_inv: Inventory, render_policy: Policy, templates_dir: Path,
) -> None:
    """Without IPAM a gateway cannot route and a controller has no VLANs: both say what to do."""
    empty = StaticSource({})
    with pytest.raises(RenderError, match=r"OSPFv3 needs a router-id.*IPv4 loopback"):
        render_device(render_inv, "nx640104-0001-gw1", "ipv6", templates_dir=templates_dir,
                      policy=render_policy, source=empty)
    with pytest.raises(RenderError, match=r"no VLAN for role 'wireless-teacher'.*pin it with "
                                          r"wlan.ssids.teacher.vlan"):
        render_device(render_inv, "nx640104-ac-hw", "wlan", templates_dir=templates_dir,
                      policy=render_policy, source=empty)
    static = render_policy.model_copy(update={"ipv6": render_policy.ipv6.model_copy(
        update={"routing": "static"})})
    with pytest.raises(RenderError, match="static routing needs the uplink"):
        build_context(render_inv, "nx640104-0001-gw1", static, StaticSource({
            "nx640104-0001-gw1": DeviceAddressing(hostname="nx640104-0001-gw1")}))
    # the baseline needs no IPAM at all
    assert render_device(render_inv, "nx640104-0001-gw1", "baseline",
                         templates_dir=templates_dir, policy=render_policy, source=empty)


def test_static_routing_and_link_checks(
    render_inv: Inventory, render_source: StaticSource, render_policy: Policy,
) -> None:
    """Static: a default route via the uplink's peer; downstream prefixes via each downlink."""
    static = render_policy.model_copy(update={"ipv6": render_policy.ipv6.model_copy(
        update={"routing": "static"})})
    metro = build_context(render_inv, "nx640104-metro1", static, render_source)
    assert metro.ipv6 is not None
    routes = {(str(r.prefix), str(r.next_hop)) for r in metro.ipv6.static_routes}
    assert routes == {("::/0", "2001:db8:fffe:ff::"), ("2001:db8:1001::/48", "2001:db8:fffe:1::1")}
    with pytest.raises(ValueError, match="is not the other end"):
        LinkAddressing(interface="x", ipv6="2001:db8::1/127", peer_ipv6="2001:db8:1::")


def test_ra_guard_ports_from_policy_when_inventory_has_none(
    render_inv: Inventory, render_policy: Policy,
) -> None:
    """An access switch without declared ports takes its model's ports from the policy."""
    from netctl.config.policy import ModelPorts

    rg = render_policy.ipv6.ra_guard.model_copy(update={"ports_by_model": {
        "RG-S2910-24GT4XS-E": ModelPorts(
            access=[PortRange(format="GigabitEthernet 0/{n}", first=1, last=24)],
            trusted=["TenGigabitEthernet 0/25"])}})
    policy = render_policy.model_copy(update={"ipv6": render_policy.ipv6.model_copy(
        update={"ra_guard": rg})})
    ctx = build_context(render_inv, "nx640104-0003-sw1", policy, StaticSource({}))
    assert ctx.ipv6 is not None and ctx.ipv6.ra_guard is not None
    assert len(ctx.ipv6.ra_guard.access_ports) == 24
    assert ctx.ipv6.ra_guard.trusted_ports == ["TenGigabitEthernet 0/25"]


def test_inventory_prefix_source(inv_copy: Path) -> None:
    """Before the IPAM API exists, user VLANs come from the prefixes IPAM records in the files."""
    county = inv_copy / "counties" / "640104.yaml"
    text = county.read_text(encoding="utf-8")
    text = text.replace("  website: xingqing0001.nxedu.example.cn\n",
                        "  website: xingqing0001.nxedu.example.cn\n  prefixes:\n"
                        "  - {prefix: '2001:db8:1001:10::/64', role: teaching, vlan: 10}\n"
                        "  - {prefix: 10.1.10.0/24, role: teaching, vlan: 10}\n", 1)
    county.write_text(text, encoding="utf-8")
    inv = load_inventory(inv_copy)
    gw = next(d.hostname for d in inv.devices_at("2401040001") if d.role is Role.GATEWAY)
    got = InventoryPrefixSource()(inv, gw)
    assert [(v.vlan_id, str(v.ipv6), str(v.ipv4)) for v in got.vlans] == [
        (10, "2001:db8:1001:10::1/64", "10.1.10.1/24")]


def test_baseline_renders_for_the_whole_sample(sample_dir: Path, templates_dir: Path) -> None:
    """The shipped policy and templates give every managed device of the sample its baseline."""
    inv = load_inventory(sample_dir)
    hosts = [d.hostname for d in inv.iter_devices() if d.role is not Role.AP]
    results = render_many(inv, hosts, "baseline", templates_dir=templates_dir)
    assert [r.error for r in results if r.failed] == []
    assert all(r.text for r in results)


def test_cli_render(tmp_path: Path, templates_dir: Path) -> None:
    """`netctl config render`: filters, --out, one line per failed device, exit code."""
    from netctl.cli import app

    runner = CliRunner()
    env = {"NETCTL_INVENTORY": str(FIXTURES / "inventory"), "NETCTL_TEMPLATES": str(templates_dir)}
    ok = runner.invoke(app, ["config", "render", "--host", "nx640104-0001-gw1",
                             "--feature", "baseline"], env=env)
    assert ok.exit_code == 0, ok.output
    assert "stelnet server enable" in ok.stdout
    out = tmp_path / "out"
    res = runner.invoke(app, ["config", "render", "--school", "2401040001", "--feature", "ipv6",
                              "--out", str(out)], env=env)
    # no IPAM yet: the gateway fails with its reason, the access switch renders
    assert res.exit_code == 1
    assert "nx640104-0001-gw1: OSPFv3 needs a router-id" in res.output
    assert (out / "nx640104-0001-sw1.ipv6.cfg").read_text().startswith("#\nnd snooping enable")
    bad = runner.invoke(app, ["config", "render", "--feature", "ipv4"], env=env)
    assert bad.exit_code == 2


def test_renders_from_real_ipam(tmp_path: Path, repo_root: Path, templates_dir: Path) -> None:
    """With IPAM's records allocated, the default address source is IPAM's API: gateways and
    county nodes get loopbacks, links, VLANs and OSPFv3; the only refusals are the documented
    ones (RGOS cannot render DHCPv6 modes)."""
    from datetime import date
    from shutil import copytree

    from netctl.config.addressing import IpamSource, default_source
    from netctl.ipam.store import run_allocate

    inv_dir = tmp_path / "inventory"
    copytree(repo_root / "inventory", inv_dir, ignore=lambda *_: ["ipam"])
    run_allocate(inv_dir, today=date(2026, 11, 28))
    inv = load_inventory(inv_dir)
    assert isinstance(default_source(), IpamSource)
    hosts = [d.hostname for d in inv.iter_devices()
             if d.role in (Role.GATEWAY, Role.METRO) and d.county in ("640104", "640302")]
    results = render_many(inv, hosts, "ipv6", templates_dir=templates_dir)
    for r in results:
        if r.failed:
            assert r.platform.value == "ruijie_os" and "is not rendered for Ruijie" in str(r.error)
        else:
            assert r.text
            assert "router-id" in r.text or r.platform.value == "ruijie_os"


def test_ipam_adapter_leaves_out_what_cannot_be_configured() -> None:
    """IPAM records can be partial: a VLAN without IPv6, a link end without an interface."""
    from types import SimpleNamespace

    from netctl.config.addressing import IpamSource

    ns = SimpleNamespace
    got = ns(hostname="gw", site="s", loopback_ipv6="2001:db8::1", loopback_ipv4="10.0.0.1",
             mgmt_ipv6=None, mgmt_ipv4=None, site_prefix=None, vlans=[
                 ns(role="teaching", vlan_id=10, name="teaching", ipv6="2001:db8:1::1/64",
                    ipv4=None, mode="slaac"),
                 ns(role="iot", vlan_id=50, name="iot", ipv6=None, ipv4="10.0.50.1/24",
                    mode="slaac")],
             links=[ns(interface=None, peer="x", peer_interface=None, ipv6="2001:db8:f::/127",
                       peer_ipv6="2001:db8:f::1", ipv4=None, peer_ipv4=None,
                       routed_prefixes=[], routed_prefixes_ipv4=[]),
                    ns(interface="Gi0/1", peer="metro", peer_interface="Gi0/9",
                       ipv6="2001:db8:e::1/127", peer_ipv6="2001:db8:e::", ipv4=None,
                       peer_ipv4=None, routed_prefixes=[], routed_prefixes_ipv4=[])])
    addressing = IpamSource(lambda inv, host: got)(None, "gw")  # type: ignore[arg-type]
    assert [v.vlan_id for v in addressing.vlans] == [10]
    assert [lk.interface for lk in addressing.links] == ["Gi0/1"]
    broken = ns(hostname="gw", vlans=[ns(role="x", vlan_id=5000, name=None,
                                         ipv6="2001:db8:1::1/64", ipv4=None, mode="slaac")],
                links=[])
    with pytest.raises(RenderError, match=r"IPAM returned addresses netctl\.config cannot read"):
        IpamSource(lambda inv, host: broken)(None, "gw")  # type: ignore[arg-type]
