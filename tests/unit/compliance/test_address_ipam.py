"""``address_registered`` against what ``netctl ipam allocate`` really records.

The generated sample region gets its address plan and an IPAM allocation; the observations
below use addresses read back from the records, so the right answer follows from them.
"""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from netctl.compliance.engine import compute_kpis
from netctl.compliance.evidence import Evidence
from netctl.compliance.registry import AddressRegistry
from netctl.compliance.targets import load_targets
from netctl.inventory.index import load_inventory
from netctl.ipam.store import run_allocate
from netctl.state import Observation

REPO = Path(__file__).resolve().parents[3]
NOW = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)


def test_addresses_and_website_registered_by_ipam(inv_copy: Path) -> None:
    shutil.copyfile(REPO / "inventory" / "address-plan.yaml", inv_copy / "address-plan.yaml")
    run_allocate(inv_copy, today=date(2026, 11, 28))
    inv = load_inventory(inv_copy)
    reg = AddressRegistry(inv)
    x, y = "2401040001", "2401040002"
    gw_x, gw_y = "nx640104-0001-gw1", "nx640104-0002-gw1"
    block_x = next(n for n in reg.blocks[x] if n.version == 4)  # the school's /22
    mgmt_x = inv.devices[gw_x].device.mgmt_ipv6  # recorded by IPAM, applied at load
    assert mgmt_x is not None and block_x.prefixlen == 22
    inside = f"{block_x.network_address + 200}/{block_x.prefixlen}"
    foreign = f"{block_x.network_address + 201}/24"  # seen on Y's gateway: X's block
    stray = "192.0.2.1/24"  # in nobody's block
    at = NOW - timedelta(minutes=5)
    ev = Evidence(
        NOW,
        timedelta(hours=24),
        [
            Observation(gw_x, "poll_ok", 1, at, "snmp"),
            Observation(gw_x, "ipv6_addresses", f"{mgmt_x}/128 fe80::1/64", at, "snmp", "Vlanif10"),
            Observation(gw_x, "ipv4_addresses", inside, at, "snmp", "Vlanif100"),
            Observation(gw_y, "poll_ok", 1, at, "snmp"),
            Observation(gw_y, "ipv4_addresses", f"{foreign} {stray}", at, "snmp", "Vlanif100"),
        ],
    )
    report = compute_kpis(inv, load_targets(REPO / "reports"), evidence=ev, county="640104")
    rx, ry = report.school(x)["address_registered"], report.school(y)["address_registered"]
    websites = {code: inv.schools[code].school.website for code in (x, y)}
    # X: its management address and an address of its block, + its website (in the zone,
    # with the address IPAM recorded for it), all registered
    assert (rx.numerator, rx.denominator, rx.met) == (3 if websites[x] else 2,) * 2 + (True,)
    # Y: neither address is Y's; the website (if any) is registered
    web_y = 1 if websites[y] else 0
    assert (ry.numerator, ry.denominator, ry.met) == (web_y, 2 + web_y, False)
    why = ry.reasons[0].en
    assert f"{gw_y}:Vlanif100 {foreign} is in the block of {x} " in why
    assert f"{gw_y}:Vlanif100 {stray}" in why and "(1 in another school's block)" in why
