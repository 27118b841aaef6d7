"""The shipped sample (inventory/, templates/policy.yaml) is internally consistent.

* every device of the four vendor platforms renders ipv6, wlan and baseline with nothing refused
  (``netctl config render --platform P --feature F``, VRP V8 metro/backbone devices included);
* a device brought to its intended baseline passes netctl's own ``security_baseline`` rules
  (reports/rules/<platform>.yaml), one device per platform and per VRP family;
* the SNMPv3 user a device gets is the one the collectors poll it with.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netctl.compliance.baseline import check_config, load_rules
from netctl.config.placeholders import fill, refs
from netctl.config.policy import load_policy
from netctl.config.render import render_device, render_many
from netctl.inventory.index import Inventory, load_inventory
from netctl.models.inventory import Role
from netctl.platforms import Platform

REPO = Path(__file__).resolve().parents[3]
INVENTORY = REPO / "inventory"
TEMPLATES = REPO / "templates"
PLATFORMS = ("huawei_vrp", "hp_comware", "ruijie_os", "cisco_ios")
FEATURES = ("ipv6", "wlan", "baseline")


@pytest.fixture(scope="module")
def sample() -> Inventory:
    """The shipped sample inventory with its IPAM files."""
    return load_inventory(INVENTORY)


@pytest.mark.parametrize("feature", FEATURES)
@pytest.mark.parametrize("platform", PLATFORMS)
def test_cli_renders_every_sample_device(platform: str, feature: str, tmp_path: Path) -> None:
    """`netctl config render --platform P --feature F` on the sample: exit 0, 0 failed."""
    from netctl.cli import app

    env = {"NETCTL_INVENTORY": str(INVENTORY), "NETCTL_TEMPLATES": str(TEMPLATES)}
    result = CliRunner().invoke(
        app, ["config", "render", "--platform", platform, "--feature", feature,
              "--out", str(tmp_path)], env=env)
    assert result.exit_code == 0, result.output
    summary = re.search(r"(\d+) rendered, (\d+) failed, (\d+) skipped", result.output)
    assert summary, result.output
    assert int(summary.group(1)) > 0
    assert summary.group(2) == "0", result.output


def test_v8_and_county_controllers_are_rendered(sample: Inventory) -> None:
    """The V8 metro (CE) and backbone (NE) devices, and the county-level controllers that serve no
    AP yet, render every feature (they were the devices refused before)."""
    policy = load_policy(TEMPLATES / "policy.yaml")
    v8 = [d.hostname for d in sample.iter_devices() if d.platform is Platform.HUAWEI_VRP
          and policy.os_family(d.platform, d.device.model).startswith("vrp8")]
    county_wlcs = [d.hostname for d in sample.iter_devices()
                   if d.role is Role.WLC and d.school is None]
    assert {policy.os_family(Platform.HUAWEI_VRP, sample.devices[h].device.model)
            for h in v8} == {"vrp8-ce", "vrp8-ne"}
    assert county_wlcs
    for feature in FEATURES:
        results = render_many(sample, v8 + county_wlcs, feature, templates_dir=TEMPLATES)
        assert not [r.error for r in results if r.failed]
    wlan = {r.hostname: r.text for r in render_many(sample, county_wlcs, "wlan",
                                                     templates_dir=TEMPLATES)}
    assert all(text for text in wlan.values())


def _one_per_family(sample: Inventory) -> dict[str, str]:
    policy = load_policy(TEMPLATES / "policy.yaml")
    picked: dict[str, str] = {}
    for d in sample.iter_devices():
        if d.platform is Platform.FRR or d.role is Role.AP:
            continue
        key = f"{d.platform.value}/{policy.os_family(d.platform, d.device.model)}"
        if d.role in (Role.GATEWAY, Role.METRO, Role.BACKBONE, Role.WLC):
            picked.setdefault(f"{key}/{d.role.value}", d.hostname)
    return picked


def _as_configured(text: str) -> str:
    """The rendered lines as a device holds them once pushed: secrets typed (test values),
    interactive secrets answered at their prompts."""
    typed = re.sub(r" ?<prompt:[^>]+>", "", text)  # answered at the device's prompt
    return fill(typed, lambda ref: f"Zq7-{len(ref.field)}x!")


def test_intended_baseline_passes_own_rules(sample: Inventory) -> None:
    """One gateway, metro, backbone and controller per platform (and VRP family): the intended
    config (main.j2: every feature) passes every rule of reports/rules/<platform>.yaml."""
    rules = load_rules(REPO / "reports" / "rules")
    picked = _one_per_family(sample)
    families = {k.rsplit("/", 1)[0] for k in picked}
    assert {"huawei_vrp/default", "huawei_vrp/vrp8-ce", "huawei_vrp/vrp8-ne",
            "hp_comware/default", "ruijie_os/default", "cisco_ios/default"} <= families
    failures = []
    for key, host in sorted(picked.items()):
        platform = sample.devices[host].platform
        for feature in ("baseline", "all"):
            text = render_device(sample, host, feature, templates_dir=TEMPLATES)
            for r in check_config(_as_configured(text), rules[platform.value]):
                if r.status != "pass":
                    why = "; ".join(reason.en for reason in r.reasons)
                    failures.append(f"{key} {host} {feature}: {r.rule} {r.status}: {why}")
    assert not failures, "\n".join(failures)


def test_snmp_user_is_the_collectors_credential_set(sample: Inventory) -> None:
    """The SNMPv3 user rendered on a device comes from the credential set the collectors poll
    it with (its inventory `snmp:`, else defaults.snmp): a DES user on RGOS, AES elsewhere."""
    hosts = [d.hostname for d in sample.iter_devices()
             if d.platform is not Platform.FRR and d.role is not Role.AP]
    default = sample.defaults.snmp
    seen = set()
    for r in render_many(sample, hosts, "baseline", templates_dir=TEMPLATES):
        assert r.text is not None, r.error
        dev = sample.devices[r.hostname].device
        snmp_lines = [ln for ln in r.text.splitlines() if "auth_key" in ln or "priv_key" in ln]
        sets = {ref.credential for ln in snmp_lines for ref in refs(ln)}
        assert sets == {dev.snmp or default}, r.hostname
        privacy = "des56" if r.platform is Platform.RUIJIE_OS else "aes"
        assert any(privacy in ln for ln in snmp_lines), r.hostname
        seen.add(r.platform)
    assert Platform.RUIJIE_OS in seen
