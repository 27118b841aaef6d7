"""``fast_constructor``: the join's entries are the same objects their own constructors make."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path
from typing import Any

import pytest

from netctl.inventory.index import (
    DeviceEntry,
    LinkEntry,
    SchoolEntry,
    fast_constructor,
    load_inventory,
)
from netctl.models.inventory import Device, Role
from netctl.platforms import Platform


def _fields(obj: object) -> tuple[Any, ...]:
    return tuple(getattr(obj, f.name) for f in dataclasses.fields(obj))  # type: ignore[arg-type]


def test_same_object_as_the_class_makes() -> None:
    device = Device(hostname="nx640104-0001-gw1", role=Role.GATEWAY, platform=Platform.HUAWEI_VRP)
    args = (device, Platform.HUAWEI_VRP, None, "640100", "640104", "2164010401", None,
            Path("counties/640104.yaml"), ("schools", 0, "devices", 0))
    fast, slow = fast_constructor(DeviceEntry)(*args), DeviceEntry(*args)
    assert type(fast) is DeviceEntry
    assert fast == slow and repr(fast) == repr(slow)
    with pytest.raises(TypeError):  # a device holds lists: neither entry is hashable
        hash(fast)
    school = fast_constructor(SchoolEntry)  # hashable fields: the same hash
    assert hash(school(None, "640104", "640100", Path("a"), ())) == hash(
        SchoolEntry(None, "640104", "640100", Path("a"), ()))  # type: ignore[arg-type]
    assert _fields(fast) == args
    assert fast.hostname == "nx640104-0001-gw1" and fast.site == "2164010401"
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.city = "640200"  # type: ignore[misc]
    assert not hasattr(fast, "__dict__")
    assert pickle.loads(pickle.dumps(fast)) == slow  # noqa: S301 - our own bytes
    assert dataclasses.replace(fast, city="640200").city == "640200"


def test_refuses_what_it_cannot_copy() -> None:
    @dataclasses.dataclass(frozen=True)
    class NoSlots:
        a: int

    with pytest.raises(TypeError):
        fast_constructor(NoSlots)


def test_the_join_makes_entries_of_their_classes(sample_dir: Path) -> None:
    inv = load_inventory(sample_dir)
    assert inv.devices and inv.schools and inv.links
    for entry, cls in ([(e, DeviceEntry) for e in inv.devices.values()]
                       + [(e, SchoolEntry) for e in inv.schools.values()]
                       + [(e, LinkEntry) for e in inv.links]):
        assert type(entry) is cls
        assert entry == cls(*_fields(entry))
