"""The address plan: the repository's plan is valid; a broken one says what and where."""

from __future__ import annotations

from pathlib import Path

import pytest

from netctl.exceptions import InventoryError
from netctl.inventory.index import load_inventory
from netctl.ipam.plan import Ipv6Mode, load_plan

PLAN = Path(__file__).resolve().parents[3] / "inventory" / "address-plan.yaml"


def test_repository_plan_is_valid() -> None:
    plan, findings = load_plan(PLAN.parent)
    assert findings == []
    assert plan is not None
    assert plan.families == ("ipv6", "ipv4")
    assert [r.role for r in plan.roles] == [
        "management", "teaching", "office", "wireless-teacher", "wireless-student", "iot",
        "p2p", "loopback"]
    assert plan.role("wireless-student") is not None
    assert plan.role("office").ipv6_mode is Ipv6Mode.DHCPV6_STATEFUL  # type: ignore[union-attr]


def test_modes_set_the_router_advertisement_flags() -> None:
    assert (Ipv6Mode.SLAAC.ra, Ipv6Mode.SLAAC.managed_flag, Ipv6Mode.SLAAC.autoconfig) == (
        True, False, True)
    assert Ipv6Mode.DHCPV6_STATEFUL.managed_flag and not Ipv6Mode.DHCPV6_STATEFUL.autoconfig
    assert Ipv6Mode.DHCPV6_STATELESS.other_flag and Ipv6Mode.DHCPV6_STATELESS.autoconfig
    assert not Ipv6Mode.NONE.ra


def _write(plan_dir: Path, old: str, new: str) -> None:
    path = plan_dir / "address-plan.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(("old", "new", "message"), [
    ("  school: 22 ", "  school: 12 ", "ipv4.school (/12) must be longer than ipv4.county (/14)"),
    ("role: loopback, ipv6: 64", "role: lo, ipv6: 64", "roles must include 'loopback'"),
    ("role: office, vlan: 110", "role: office, vlan: 100", "VLAN 100 is used by two roles"),
    ("wireless-student, vlan: 130, ipv6: 64, ipv4: 24",
     "wireless-student, vlan: 130, ipv6: 64, ipv4: 22",
     "role 'wireless-student' (ipv4 /22) must be longer than a school block (/22)"),
    ("role: teaching, vlan: 100, ipv6: 64, ipv4: 24",
     "role: teaching, vlan: 100, ipv6: 64, ipv4: 23",
     "the roles need 1056 ipv4 addresses per school but a school block (/22) has 1024"),
    ("block: 10.0.0.0/8", "block: 10.0.0.1/8", "has host bits set"),
    ("website_role: office", "website_role: p2p", "website_role 'p2p' must be one of the VLAN"),
    ("ipv6_mode: slaac,\n     description: \"cameras",
     "ipv6_mode: eui64,\n     description: \"cameras", "'eui64' is not allowed"),
])
def test_broken_plan_is_reported_with_file_and_line(plan_dir: Path, old: str, new: str,
                                                    message: str) -> None:
    _write(plan_dir, old, new)
    with pytest.raises(InventoryError) as exc:
        load_inventory(plan_dir)
    text = "\n".join(p.format() for p in exc.value.problems)
    assert message in text
    assert "address-plan.yaml:" in text


def test_inventory_without_plan_loads_and_has_no_ipam(sample_dir: Path) -> None:
    inv = load_inventory(sample_dir)
    assert inv.ipam is not None
    assert inv.ipam.plan is None
    assert inv.ipam.files == {}
