"""The inventory as a Nornir inventory: hosts from devices, groups by platform, role, county, city.

Platform names stay netutils names on the hosts; the netmiko and NAPALM driver names are set
only on the ``platform:<name>`` groups' connection options, the one edge where they matter.

Use it directly::

    nr = init_nornir(load_inventory(path), DeviceFilter.parse(counties=["640104"]))

or as a Nornir plugin: ``InitNornir(inventory={"plugin": "NetctlInventory",
"options": {"inventory_dir": "inventory", "county": ["640104"], "role": ["gateway"]}})``.
"""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

from nornir.core import Nornir
from nornir.core.inventory import (
    ConnectionOptions,
    Defaults,
    Group,
    Groups,
    Host,
    Hosts,
    ParentGroups,
)
from nornir.core.inventory import Inventory as NornirInventory

from netctl import geo
from netctl.inventory.filters import DeviceFilter, select
from netctl.inventory.index import Inventory, load_inventory
from netctl.platforms import Platform
from netctl.secrets import Secrets


def build_nornir_inventory(
    inv: Inventory, flt: DeviceFilter | None = None, secrets: Secrets | None = None
) -> NornirInventory:
    """Build a Nornir inventory of the devices that pass ``flt``."""
    was_enabled = gc.isenabled()
    gc.disable()  # tens of thousands of long-lived hosts: nothing for the collector to find
    try:
        return _build(inv, flt, secrets)
    finally:
        if was_enabled:
            gc.enable()


def _build(
    inv: Inventory, flt: DeviceFilter | None, secrets: Secrets | None
) -> NornirInventory:
    groups = Groups()
    for platform in Platform:
        options = {"netmiko": ConnectionOptions(platform=platform.netmiko)}
        if platform.napalm:
            options["napalm"] = ConnectionOptions(platform=platform.napalm)
        groups[f"platform:{platform.value}"] = Group(
            f"platform:{platform.value}",
            platform=platform.value,
            connection_options=options,
            data={"vendor": platform.vendor},
        )
    cache: dict[str, tuple[str | None, str | None]] = {}

    def creds(ref: str | None) -> tuple[str | None, str | None]:
        if ref is None or secrets is None:
            return None, None
        if ref not in cache:
            c = secrets.get(ref)
            cache[ref] = (c.username, c.password) if c else (None, None)
        return cache[ref]

    zone = inv.defaults.zone
    hosts = Hosts()
    parents_of: dict[tuple[str, str, str | None, str | None], list[Group]] = {}
    for entry in select(inv, flt):
        device = entry.device
        slug, role = str(entry.platform.value), str(entry.device.role.value)
        key = (slug, role, entry.county, entry.city)
        parents = parents_of.get(key)
        if parents is None:
            names = [f"platform:{slug}", f"role:{role}"]
            names += [f"county:{entry.county}"] if entry.county else []
            names += [f"city:{entry.city}"] if entry.city else []
            parents = parents_of[key] = [
                groups[n] if n in groups else groups.setdefault(n, Group(n, data=_group_data(n)))
                for n in names
            ]
        address = device.mgmt_ipv6 or device.mgmt_ipv4
        username, password = creds(device.credentials or inv.defaults.credentials)
        hosts[device.hostname] = Host(
            name=device.hostname,
            hostname=str(address) if address else f"{device.hostname}.{zone}",
            username=username,
            password=password,
            platform=slug,
            groups=ParentGroups(parents),
            data={
                "role": role,
                "model": device.model,
                "county": entry.county,
                "city": entry.city,
                "school": entry.school,
                "node": entry.node,
            },
        )
    return NornirInventory(hosts=hosts, groups=groups, defaults=Defaults())


def _group_data(name: str) -> dict[str, Any]:
    kind, _, value = name.partition(":")
    if kind == "county" and value in geo.COUNTIES:
        return {"name": geo.COUNTIES[value].name}
    if kind == "city" and value in geo.CITIES:
        return {"name": geo.CITIES[value].name}
    return {}


def init_nornir(
    inv: Inventory,
    flt: DeviceFilter | None = None,
    *,
    workers: int = 50,
    secrets: Secrets | None = None,
) -> Nornir:
    """A Nornir object over the selected devices, with a threaded runner of ``workers``."""
    from nornir.plugins.runners import ThreadedRunner

    runner = ThreadedRunner(num_workers=workers)
    return Nornir(inventory=build_nornir_inventory(inv, flt, secrets), runner=runner)


class NetctlInventory:
    """Nornir inventory plugin (entry point ``NetctlInventory``)."""

    def __init__(
        self,
        inventory_dir: str = "inventory",
        county: list[str] | None = None,
        city: list[str] | None = None,
        role: list[str] | None = None,
        platform: list[str] | None = None,
        school: list[str] | None = None,
        secrets_file: str | None = None,
    ) -> None:
        self.inventory_dir = Path(inventory_dir)
        self.filter = DeviceFilter.parse(
            counties=county or (),
            cities=city or (),
            roles=role or (),
            platforms=platform or (),
            schools=school or (),
        )
        self.secrets = Secrets(Path(secrets_file) if secrets_file else None)

    def load(self) -> NornirInventory:
        """Load the netctl inventory and convert it."""
        return build_nornir_inventory(load_inventory(self.inventory_dir), self.filter, self.secrets)
