"""The inventory stands alone; IPAM attaches itself through the inventory's hook (issue 18)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from netctl.inventory.index import IPAM_ATTACHMENT, attachments
from netctl.inventory.index import load_inventory as bare_load
from netctl.ipam.merge import IpamData, load_inventory

REPO = Path(__file__).resolve().parents[3]


def _python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ,
           "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH"))
                                         if p)}
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env=env, timeout=120, check=False)


def test_the_inventory_imports_nothing_of_ipam() -> None:
    r = _python("import sys, netctl.inventory.index, netctl.inventory.show, "
                "netctl.inventory.roster, netctl.inventory.nornir; "
                "print(sorted(m for m in sys.modules if m.startswith('netctl.ipam')))")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


def test_ipam_registers_its_attachment(allocated_dir: Path) -> None:
    assert IPAM_ATTACHMENT in attachments()
    inv = load_inventory(allocated_dir)
    assert isinstance(inv.ipam, IpamData) and inv.ipam.files
    # the bare loader, IPAM registered: the same inventory, management addresses included
    bare = bare_load(allocated_dir)
    assert isinstance(bare.ipam, IpamData)
    assert {h: (e.device.mgmt_ipv4, e.device.mgmt_ipv6) for h, e in bare.devices.items()} == \
        {h: (e.device.mgmt_ipv4, e.device.mgmt_ipv6) for h, e in inv.devices.items()}
    assert any(e.device.mgmt_ipv6 is not None for e in inv.devices.values())


def test_ipam_files_without_ipam_attached_are_refused(allocated_dir: Path,
                                                      sample_dir: Path) -> None:
    code = ("import sys; from pathlib import Path; "
            "from netctl.inventory.index import load_inventory; "
            "inv = load_inventory(Path(sys.argv[1])); print(inv.ipam is None)")
    r = _python(code, str(allocated_dir))
    assert r.returncode == 1 and "IPAM is not attached" in r.stderr
    assert "netctl.ipam.merge.load_inventory" in r.stderr
    # a folder without IPAM files loads with the inventory alone
    assert not (sample_dir / "address-plan.yaml").exists()
    plain = _python(code, str(sample_dir))
    assert plain.returncode == 0 and plain.stdout.strip() == "True", plain.stderr
