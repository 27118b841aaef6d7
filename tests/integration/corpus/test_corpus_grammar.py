"""Every remediation netctl computes for a real config is accepted by the emulated OS.

The emulator refuses what the real OS refuses (unknown words, ``undo``/``no`` forms that do not
exist, removing console/VTY sections, deleting the logged-in user: docs/emulator.md). So a
remediation line it refuses would fail on the device too: netctl must never compute one. Each
public config of ``tests/fixtures/real`` boots an emulated device of its platform (VRP V8 for
CloudEngine/NetEngine) and the remediation of every feature is typed into it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from netctl.inventory.index import Inventory, load_inventory
from netctl.testing.corpus import CORPUS, FEATURES, case, replay


@pytest.fixture(scope="module")
def inv(allocated_dir: Path) -> Inventory:
    return load_inventory(allocated_dir)


@pytest.mark.parametrize("feature", FEATURES)
@pytest.mark.parametrize("path", CORPUS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_remediation_uses_only_what_the_os_accepts(inv: Inventory, path: Path,
                                                   feature: str) -> None:
    c = case(inv, path, feature)
    if c is None:
        pytest.skip("the template refuses the sample device")
    device, refused = replay(path, c.diff.remediation)
    assert not refused, "\n".join(f"{line!r} -> {out}" for line, out in refused[:8])
    if device.variant == "vrp8" and c.diff.remediation:
        assert len(device.commits) == 2, "the V8 candidate was not committed"
