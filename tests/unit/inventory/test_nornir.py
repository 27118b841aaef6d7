"""The Nornir inventory built from netctl's inventory, its groups, filters and credentials."""

from __future__ import annotations

from pathlib import Path

import pytest
from nornir import InitNornir
from nornir.core.filter import F

from netctl.inventory.filters import DeviceFilter, FilterError, select
from netctl.inventory.index import Inventory, load_inventory
from netctl.inventory.nornir import build_nornir_inventory, init_nornir
from netctl.models.inventory import Role
from netctl.platforms import Platform
from netctl.secrets import Secrets


@pytest.fixture(scope="module")
def inv(sample_dir: Path) -> Inventory:
    return load_inventory(sample_dir)


def test_every_device_is_a_host_with_its_groups(inv: Inventory) -> None:
    nr_inv = build_nornir_inventory(inv)
    assert set(nr_inv.hosts) == set(inv.devices)
    for name, entry in inv.devices.items():
        host = nr_inv.hosts[name]
        assert host.platform == entry.platform.value
        groups = {g.name for g in host.groups}
        assert f"platform:{entry.platform.value}" in groups
        assert f"role:{entry.role.value}" in groups
        if entry.county:
            assert f"county:{entry.county}" in groups
            assert f"city:{entry.city}" in groups
        assert host.data["school"] == entry.school
    assert nr_inv.groups["county:640104"].data["name"] == "兴庆区"


def test_driver_names_only_at_the_edge(inv: Inventory) -> None:
    nr_inv = build_nornir_inventory(inv)
    gw = next(d for d in inv.devices.values() if d.platform is Platform.HUAWEI_VRP)
    host = nr_inv.hosts[gw.hostname]
    assert host.platform == "huawei_vrp"
    assert host.get_connection_parameters("netmiko").platform == "huawei"
    cisco = nr_inv.groups["platform:cisco_ios"]
    assert cisco.connection_options["napalm"].platform == "ios"


def test_filters_select_the_same_devices_as_nornir_groups(inv: Inventory) -> None:
    flt = DeviceFilter.parse(counties=["640104"], roles=["gateway"], platforms=["huawei_vrp"])
    chosen = {d.hostname for d in select(inv, flt)}
    expected = {
        d.hostname
        for d in inv.devices.values()
        if d.county == "640104" and d.role is Role.GATEWAY and d.platform is Platform.HUAWEI_VRP
    }
    assert chosen == expected and chosen
    nr = init_nornir(inv, flt)
    assert set(nr.inventory.hosts) == chosen
    whole = init_nornir(inv)
    via_groups = whole.filter(
        F(groups__contains="county:640104")
        & F(groups__contains="role:gateway")
        & F(groups__contains="platform:huawei_vrp")
    )
    assert set(via_groups.inventory.hosts) == chosen


def test_city_and_school_and_host_filters(inv: Inventory) -> None:
    city = {d.hostname for d in select(inv, DeviceFilter.parse(cities=["640400"]))}
    assert city and all(inv.devices[h].city == "640400" for h in city)
    code = next(iter(inv.schools))
    school = select(inv, DeviceFilter.parse(schools=[code]))
    assert {d.site for d in school} == {code}
    globbed = select(inv, DeviceFilter.parse(hostnames=["*-gw1"]))
    assert len(globbed) == len(inv.schools)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"counties": ["640199"]}, "unknown county code '640199'"),
        ({"cities": ["640600"]}, "unknown city code '640600'"),
        ({"roles": ["router"]}, "unknown role 'router'"),
        ({"platforms": ["huawei"]}, "did you mean 'huawei_vrp'?"),
    ],
)
def test_filter_values_that_cannot_match_are_errors(
    kwargs: dict[str, list[str]], message: str
) -> None:
    with pytest.raises(FilterError, match=message.replace("?", r"\?")):
        DeviceFilter.parse(**kwargs)


def test_credentials_come_from_the_environment_not_the_inventory(inv: Inventory) -> None:
    secrets = Secrets(
        None,
        env={"NETCTL_CRED_DEFAULT_USERNAME": "netops", "NETCTL_CRED_DEFAULT_PASSWORD": "s3cret"},
    )
    nr_inv = build_nornir_inventory(inv, DeviceFilter.parse(roles=["gateway"]), secrets)
    host = next(iter(nr_inv.hosts.values()))
    assert (host.username, host.password) == ("netops", "s3cret")
    text = "".join(p.read_text(encoding="utf-8") for p in inv.root.rglob("*.yaml"))
    assert "s3cret" not in text
    assert "s3cret" not in repr(secrets.get("default"))


def test_nornir_plugin_entry_point(sample_dir: Path) -> None:
    nr = InitNornir(
        runner={"plugin": "threaded", "options": {"num_workers": 5}},
        inventory={
            "plugin": "NetctlInventory",
            "options": {
                "inventory_dir": str(sample_dir),
                "county": ["640522"],
                "role": ["gateway", "firewall"],
            },
        },
        logging={"enabled": False},
    )
    roles = {h.data["role"] for h in nr.inventory.hosts.values()}
    assert nr.inventory.hosts and roles <= {"gateway", "firewall"}
    assert all(h.data["county"] == "640522" for h in nr.inventory.hosts.values())
