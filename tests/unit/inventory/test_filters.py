"""``--host`` selection: the same devices as ``fnmatchcase`` name by name, without trying every
pattern against every device."""

from __future__ import annotations

import fnmatch
import itertools
from pathlib import Path

from netctl.inventory.filters import DeviceFilter, host_matcher, select
from netctl.inventory.index import load_inventory

NAMES = ["nx640104-0001-gw1", "nx640104-0001-sw1", "nx640104-0012-sw2", "nx640105-0001-ap10",
         "a.b", "a+b", "axb", "a[b", "A.B", "nx640104-0001-gw1x", "", "学校-gw1"]
PATTERNS = ["nx640104-0001-gw1", "nx640104-*", "*-sw?", "nx64010[45]-0001-*", "a.b", "a+b",
            "a[!.]b", "[[]", "a[[]b", "*", "?", "学校-*", "nx640104-0001-GW1", "[a-z].b"]


def test_the_same_verdicts_as_fnmatchcase() -> None:
    for n in range(1, 4):
        for patterns in itertools.combinations(PATTERNS, n):
            match = host_matcher(patterns)
            for name in NAMES:
                want = any(fnmatch.fnmatchcase(name, p) for p in patterns)
                assert match(name) is want, (patterns, name)


def test_many_hosts_select_the_same_devices(sample_dir: Path) -> None:
    inv = load_inventory(sample_dir)
    names = list(inv.devices)
    chosen = [*names[::3], "no-such-device", names[1][:-1] + "?"]
    got = select(inv, DeviceFilter.parse(hostnames=chosen))
    want = [d for d in inv.devices.values()
            if any(fnmatch.fnmatchcase(d.hostname, p) for p in chosen)]
    assert [d.hostname for d in got] == [d.hostname for d in want]
    assert len(got) > len(names) // 3
