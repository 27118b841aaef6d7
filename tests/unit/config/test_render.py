"""Rendering: golden files per platform and feature, and the properties that catch real mistakes.

Regenerate the golden files after an intended template change with
``NETCTL_UPDATE_GOLDEN=1 pytest tests/unit/config`` and review the diff before committing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import jinja2
import pytest

from netctl.config import hier
from netctl.config.addressing import StaticSource
from netctl.config.policy import Policy
from netctl.config.render import environment, render_device
from netctl.exceptions import RenderError
from netctl.inventory.index import Inventory
from netctl.platforms import Platform

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "render"
UPDATE = os.environ.get("NETCTL_UPDATE_GOLDEN") == "1"

# (golden file, host, feature): golden files are tests/fixtures/render/<platform>/<name>.txt
CASES: list[tuple[str, str, str]] = [
    ("huawei_vrp/ipv6", "nx640104-0001-gw1", "ipv6"),
    ("huawei_vrp/ipv6-access", "nx640104-0001-sw1", "ipv6"),
    ("huawei_vrp/ipv6-metro", "nx640104-metro1", "ipv6"),
    ("huawei_vrp/wlan", "nx640104-ac-hw", "wlan"),
    ("huawei_vrp/baseline", "nx640104-0001-gw1", "baseline"),
    ("huawei_vrp/baseline-metro", "nx640104-metro1", "baseline"),
    ("huawei_vrp/all", "nx640104-0001-gw1", "all"),
    ("huawei_vrp/all-wlc", "nx640104-ac-hw", "all"),
    ("hp_comware/ipv6", "nx640104-0002-gw1", "ipv6"),
    ("hp_comware/ipv6-access", "nx640104-0002-sw1", "ipv6"),
    ("hp_comware/wlan", "nx640104-ac-h3c", "wlan"),
    ("hp_comware/baseline", "nx640104-0002-gw1", "baseline"),
    ("hp_comware/all", "nx640104-ac-h3c", "all"),
    ("ruijie_os/ipv6", "nx640104-0003-gw1", "ipv6"),
    ("ruijie_os/wlan", "nx640104-ac-rj", "wlan"),
    ("ruijie_os/baseline", "nx640104-0003-gw1", "baseline"),
    ("ruijie_os/all", "nx640104-ac-rj", "all"),
    ("cisco_ios/ipv6", "nx640104-0004-gw1", "ipv6"),
    ("cisco_ios/ipv6-access", "nx640104-0004-sw1", "ipv6"),
    ("cisco_ios/wlan", "nx640104-ac-cs", "wlan"),
    ("cisco_ios/baseline", "nx640104-0004-gw1", "baseline"),
    ("cisco_ios/all", "nx640104-ac-cs", "all"),
    ("frr/ipv6", "nx640104-0005-gw1", "ipv6"),
    ("frr/all", "nx640104-0005-gw1", "all"),
]
IDS = [c[0] for c in CASES]
SEPARATORS = {"#", "!", "quit", "exit"}


@pytest.fixture(scope="module")
def rendered(
    render_inv: Inventory, render_source: StaticSource, render_policy: Policy,
    templates_dir: Path,
) -> dict[str, str]:
    """Every case rendered once for the module."""
    return {
        name: render_device(render_inv, host, feature, templates_dir=templates_dir,
                            policy=render_policy, source=render_source)
        for name, host, feature in CASES
    }


@pytest.mark.parametrize("name", IDS)
def test_golden(name: str, rendered: dict[str, str]) -> None:
    """The rendered text is the reviewed golden file, byte for byte."""
    golden = FIXTURES / f"{name}.txt"
    text = rendered[name]
    if UPDATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert golden.is_file(), f"missing {golden}: run with NETCTL_UPDATE_GOLDEN=1"
    assert text == golden.read_text(encoding="utf-8")


def test_every_platform_and_feature_has_a_case(templates_dir: Path) -> None:
    """A template without a golden case is a template nobody reviewed."""
    templates = {f"{p.parent.name}/{p.stem}" for p in templates_dir.glob("*/*.j2")
                 if not p.name.startswith("_")}
    covered = {f"{n.split('/')[0]}/{f if f != 'all' else 'main'}" for n, _, f in CASES}
    assert templates == covered
    assert {p.name for p in templates_dir.iterdir() if p.is_dir()} == {p.value for p in Platform}


def test_no_python_under_templates(templates_dir: Path) -> None:
    """templates/ is data: no modules the library could import."""
    assert not list(templates_dir.rglob("*.py"))


def _lineage(text: str) -> list[tuple[str, ...]]:
    """Each config line with its parents, from indentation; separators and exits dropped."""
    stack: list[tuple[int, str]] = []
    out: list[tuple[str, ...]] = []
    raws = text.splitlines()
    while raws:
        raw = raws.pop(0)
        if raw.startswith("banner ") and raw.endswith("^C"):  # IOS banner: one item to ^C
            while raws and raws[0] != "^C":
                raw += "\n" + raws.pop(0)
            raw += "\n" + raws.pop(0)
            out.append((raw,))
            continue
        line = " ".join(raw.split())
        if not line or line in SEPARATORS:
            continue
        indent = len(raw) - len(raw.lstrip())
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, line))
        out.append(tuple(t for _, t in stack))
    return out


@pytest.mark.parametrize("name", IDS)
def test_hier_config_round_trip(name: str, rendered: dict[str, str]) -> None:
    """hier_config's driver for the platform parses every line, at the same place, and keeps no
    separator or section exit as a config line: what diff and push will read is what we wrote."""
    platform = Platform(name.split("/", maxsplit=1)[0])
    text = rendered[name]
    tree = hier.parse(platform, text)
    parsed = [tuple(c.text if "\n" in c.text else " ".join(c.text.split())
                    for c in child.lineage())
              for child in tree.all_children()]
    wrote = _lineage(text)
    assert not [p for p in parsed if p[-1] in SEPARATORS], "a separator became a config line"
    duplicates = [k for k, n in Counter(wrote).items() if n > 1]
    assert not duplicates, "a line is written twice (hier_config refuses duplicate sections)"
    assert set(parsed) == set(wrote)
    assert len(parsed) == len(set(wrote))


@pytest.mark.parametrize("name", IDS)
def test_sections_are_closed(name: str, rendered: dict[str, str]) -> None:
    """Huawei/H3C views are left with `quit` (what one types); FRR sections end with `exit`."""
    platform = Platform(name.split("/", maxsplit=1)[0])
    lines = rendered[name].splitlines()
    exit_word = {Platform.HUAWEI_VRP: "quit", Platform.HP_COMWARE: "quit",
                 Platform.FRR: "exit"}.get(platform)
    if exit_word is None:
        return
    for i, line in enumerate(lines):
        if line.startswith("banner "):
            continue
        depth = len(line) - len(line.lstrip())
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if line.strip() and line.strip() not in SEPARATORS and nxt.strip() \
                and len(nxt) - len(nxt.lstrip()) > depth:
            # a section opens here: find where it ends and check the exit before it
            j = i + 1
            while j < len(lines) and (not lines[j].strip()
                                      or len(lines[j]) - len(lines[j].lstrip()) > depth):
                j += 1
            # VRP/Comware type `quit` inside the view; FRR prints `exit` at the section's level
            closing = lines[j - 1] if platform is not Platform.FRR else (
                lines[j] if j < len(lines) else "")
            assert closing.strip() == exit_word, f"{line!r} is not closed by {exit_word}"


def test_render_is_idempotent(
    render_inv: Inventory, render_source: StaticSource, render_policy: Policy,
    templates_dir: Path, rendered: dict[str, str],
) -> None:
    """Rendering again, with a fresh environment, gives the same text."""
    environment.cache_clear()
    for name, host, feature in CASES:
        again = render_device(render_inv, host, feature, templates_dir=templates_dir,
                              policy=render_policy, source=render_source)
        assert again == rendered[name]


SECRETS = {
    "campus-admin": {"password": "Adm1n-Zx9!pq"},
    "snmpv3-default": {"auth_key": "AuthK3y-Qw7&", "priv_key": "Pr1vK3y-Er8%"},
    "snmpv3-rgos": {"auth_key": "AuthRg-Qw7&", "priv_key": "Pr1vRg-Er8%"},
    "radius-campus": {"password": "Rad1us-Ty6#"},
    "wlan-teacher": {"password": "Teach3r-Ui5$"},
    "wlan-student": {"password": "Stud3nt-Op4^"},
    "wlan-iot": {"password": "IoTk3y-As3*"},
}


def test_no_secret_value_in_output(
    rendered: dict[str, str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Secrets are placeholders; even with every secret resolvable, none is rendered, and the
    placeholders name exactly the credential sets of the policy."""
    from netctl.config.placeholders import fill, refs, split_prompts
    from netctl.secrets import Secrets

    env = {f"NETCTL_CRED_{s.upper().replace('-', '_')}_{f.upper()}": v
           for s, fields in SECRETS.items() for f, v in fields.items()}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    values = [v for fields in SECRETS.values() for v in fields.values()]
    secrets = Secrets(env=env)
    for name, text in rendered.items():
        for value in values:
            assert value not in text, f"{name} renders a secret"
        for ref in refs(text):
            assert ref.credential in SECRETS, f"{name}: unknown credential {ref}"
        filled = fill(text, lambda r: getattr(secrets.require(r.credential), r.field))
        for line in filled.splitlines():
            command, prompts = split_prompts(line)
            assert "<secret:" not in command
            for ref in prompts:
                assert getattr(secrets.require(ref.credential), ref.field)


def test_strict_undefined_names_template_and_line(
    render_inv: Inventory, render_source: StaticSource, render_policy: Policy, tmp_path: Path,
) -> None:
    """A template reading a value the context does not have fails, naming file and line, even
    through an include."""
    (tmp_path / "huawei_vrp").mkdir()
    (tmp_path / "huawei_vrp" / "ipv6.j2").write_text(
        "#\n{% if ipv6.routing_enabled %}\nipv6 {{ ipv6.no_such_value }}\n{% endif %}\n",
        encoding="utf-8")
    (tmp_path / "huawei_vrp" / "main.j2").write_text(
        "#\n{% include 'huawei_vrp/ipv6.j2' %}\n", encoding="utf-8")
    for feature in ("ipv6", "all"):
        with pytest.raises(RenderError) as err:
            render_device(render_inv, "nx640104-0001-gw1", feature, templates_dir=tmp_path,
                          policy=render_policy, source=render_source)
        assert re.search(r"huawei_vrp/ipv6\.j2:3: nx640104-0001-gw1: undefined value: .*"
                         r"no_such_value", str(err.value))


def test_template_refusal_names_template(
    render_inv: Inventory, render_source: StaticSource, render_policy: Policy,
    templates_dir: Path,
) -> None:
    """A template refuses what it cannot render correctly, and says where and why."""
    teacher = render_policy.wlan.ssids["teacher"]
    ssids = {**render_policy.wlan.ssids, "teacher": teacher.model_copy(
        update={"security_by_platform": {}})}
    policy = render_policy.model_copy(update={"wlan": render_policy.wlan.model_copy(
        update={"ssids": ssids})})
    with pytest.raises(RenderError) as err:
        render_device(render_inv, "nx640104-ac-rj", "wlan", templates_dir=templates_dir,
                      policy=policy, source=render_source)
    assert re.search(r"ruijie_os/wlan\.j2:\d+: nx640104-ac-rj: SSID teacher: wpa3-enterprise "
                     r"is not rendered for Ruijie", str(err.value))


def test_missing_template_is_a_clear_error(
    render_inv: Inventory, render_source: StaticSource, render_policy: Policy,
    templates_dir: Path,
) -> None:
    """FRR has only the ipv6 feature."""
    with pytest.raises(RenderError, match=r"no template .*frr/baseline\.j2 .*has: ipv6, main"):
        render_device(render_inv, "nx640104-0005-gw1", "baseline", templates_dir=templates_dir,
                      policy=render_policy, source=render_source)
    with pytest.raises(RenderError, match="unknown feature 'ipv4'"):
        render_device(render_inv, "nx640104-0005-gw1", "ipv4", templates_dir=templates_dir,
                      policy=render_policy, source=render_source)


def test_netutils_filters_are_there_when_a_template_names_one(
    render_inv: Inventory, render_source: StaticSource, render_policy: Policy, tmp_path: Path,
) -> None:
    """An operator's template may use netutils' convenience filters (loaded on first use);
    Jinja's own filters and netctl's keep their meaning; an unknown filter is still an error
    naming the filter."""
    (tmp_path / "huawei_vrp").mkdir()
    (tmp_path / "huawei_vrp" / "ipv6.j2").write_text(
        "#\n sysname {{ hostname | upper }}\n"
        " description {{ '2001:db8::1' | is_ip }} {{ 2 | int }}\n",
        encoding="utf-8")
    text = render_device(render_inv, "nx640104-0001-gw1", "ipv6", templates_dir=tmp_path,
                         policy=render_policy, source=render_source)
    assert " sysname NX640104-0001-GW1\n description True 2\n" in text
    env = environment(tmp_path)
    assert env.filters.get("no_such_filter") is None
    with pytest.raises(jinja2.TemplateAssertionError, match="no_such_filter"):
        env.from_string("{{ 1 | no_such_filter }}")


def test_shipped_templates_do_not_import_netutils_filters(templates_dir: Path) -> None:
    """Rendering netctl's own templates loads none of netutils' 33 filter modules (ruamel.yaml
    among them): measured ~0.07 s and ~3 MB of every render, diff and push."""
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from netctl.config.render import render_many\n"
        "from netctl.ipam.merge import load_inventory\n"
        "inv = load_inventory(Path(sys.argv[1]))\n"
        "names = sorted(inv.devices)[:40]\n"
        "out = [r for f in ('ipv6', 'baseline', 'wlan') for r in render_many(\n"
        "    inv, names, f, templates_dir=Path(sys.argv[2]))]\n"
        "assert any(r.text for r in out)\n"
        "print(sorted(m for m in sys.modules if m.startswith('netutils.config.compliance')\n"
        "             or m.startswith('ruamel')))\n")
    repo = Path(__file__).resolve().parents[3]
    proc = subprocess.run(
        [sys.executable, "-c", code, str(repo / "inventory"), str(templates_dir)],
        capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


@pytest.mark.skipif(shutil.which("vtysh") is None,
                    reason="FRR not installed (Debian package frr, listed in .ci/apt-packages)")
@pytest.mark.parametrize("name", ["frr/ipv6", "frr/all", "frr/ipv6-static"])
def test_frr_output_passes_vtysh_dryrun(
    name: str, rendered: dict[str, str], tmp_path: Path, render_inv: Inventory,
    render_source: StaticSource, render_policy: Policy, templates_dir: Path,
) -> None:
    """vtysh itself accepts the FRR config (and rejects a broken one: the check can fail)."""
    if name == "frr/ipv6-static":
        policy = render_policy.model_copy(update={"ipv6": render_policy.ipv6.model_copy(
            update={"routing": "static"})})
        text = render_device(render_inv, "nx640104-0005-gw1", "ipv6", templates_dir=templates_dir,
                             policy=policy, source=render_source)
        golden = FIXTURES / "frr" / "ipv6-static.txt"
        if UPDATE:
            golden.write_text(text, encoding="utf-8")
        assert text == golden.read_text(encoding="utf-8")
        assert "ipv6 route ::/0 2001:db8:fffe:5::\n" in text
    else:
        text = rendered[name]
    good = tmp_path / "frr.conf"
    good.write_text(text, encoding="utf-8")
    ok = subprocess.run(["vtysh", "--dryrun", "-f", str(good)], capture_output=True, text=True,
                        timeout=30, check=False)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    bad = tmp_path / "bad.conf"
    bad.write_text(text.replace("ipv6 nd prefix", "ipv6 nd prefixx", 1), encoding="utf-8")
    ko = subprocess.run(["vtysh", "--dryrun", "-f", str(bad)], capture_output=True, text=True,
                        timeout=30, check=False)
    assert ko.returncode != 0


# Lines the vendor audit found missing (issue 12), asserted in the golden output.
AUDIT_LINES: dict[str, list[str]] = {
    # OSPFv3 hellos never leave on user VLANs: no host can form an adjacency
    "huawei_vrp/ipv6": ["ospfv3 1\n router-id 10.255.0.11\n silent-interface Vlanif10\n"],
    "hp_comware/ipv6": [" silent-interface Vlan-interface10\n"],
    "ruijie_os/ipv6": [" passive-interface VLAN 10\n", " ipv6 nd other-config-flag\n",
                       " ipv6 nd managed-config-flag\n", " no-autoconfig\n"],
    # RDNSS: Android on SLAAC VLANs learns the DNS servers from the RA
    "cisco_ios/ipv6": [" ipv6 nd ra dns server 2001:DB8:0:53::53\n"],
    # RADIUS pairs: 802.1X and administrator logins survive one server down
    "huawei_vrp/wlan": [" radius-server authentication 10.64.0.10 1812 weight 80\n"
                        " radius-server accounting 10.64.0.10 1813 weight 80\n"
                        " radius-server authentication 10.64.0.11 1812 weight 40\n"],
    "huawei_vrp/baseline": ["radius-server template RAD-ADMIN\n",
                            "  authentication-mode radius local\n", "domain netadmin admin\n",
                            " local-aaa-user password policy administrator\n"],
    "hp_comware/wlan": [" secondary authentication 10.64.0.11 key simple",
                        " user-name-format without-domain\n", " wpa3 enterprise-only-mode\n",
                        " beacon ssid-hide\n", " client forwarding-location ap\n"],
    "hp_comware/baseline": [" protocol inbound ssh\n",
                            " authentication login radius-scheme RAD-ADMIN local\n"],
    "ruijie_os/baseline": ["secret 0 <secret:campus-admin.password>\n", "banner login ^C\n",
                           "priv des56 <secret:snmpv3-rgos.priv_key>\n",
                           "aaa authentication login VTY-AUTH group radius local\n"],
    "ruijie_os/wlan": [" security rsn akm 802.1x enable\n",
                       "aaa authentication dot1x default group radius\n"],
    "cisco_ios/baseline": [" authorization exec VTY-AUTH\n", " server name RAD2\n",
                           "PW-POLICY secret 0 <secret:", " lifetime month 3\n"],
    "cisco_ios/wlan": [" no broadcast-ssid\n", " no central switching\n", " no local-site\n"],
}


@pytest.mark.parametrize("name", sorted(AUDIT_LINES))
def test_golden_has_audit_lines(name: str, rendered: dict[str, str]) -> None:
    """The golden files carry the lines the audit found missing (sources: docs/templates.md)."""
    for snippet in AUDIT_LINES[name]:
        assert snippet in rendered[name], f"{name}: {snippet!r}"


def test_ruijie_snmp_user_comes_before_v2c_is_switched_off(rendered: dict[str, str]) -> None:
    """The device is never left without a way to poll it: the v3 user exists first."""
    text = rendered["ruijie_os/baseline"]
    assert text.index("snmp-server user netctl") < text.index("no snmp-server enable version v2c")
