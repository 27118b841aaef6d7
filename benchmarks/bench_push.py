"""Render + diff + push of one feature to 200 emulated devices, concurrent and sequential.

Generates a Ningxia-shaped inventory (``--schools``, default 100), copies the repository's address
plan into it and allocates every address with netctl's IPAM, then takes ``--devices`` (default
200) non-AP devices whose ``--feature`` (default ``ipv6``) renders to something (WLCs and
firewalls render no IPv6 lines; gateways of a platform whose template refuses a VLAN mode of the
plan are left out and counted). Those devices are emulated over SSH on 127.0.0.1
(``netctl.testing.emulator``) in a child process, so the emulator's threads do not share the
GIL with the push being measured.

Timed, each time with fresh devices (the emulator is restarted), through
``netctl.config.push.push`` with ``commit=True`` (render, connect, read the running config,
diff, send, read back, verify, save):

- the concurrent push to every selected device with ``--workers`` (default 50);
- a second push to the same devices (nothing to do: render + read + diff only);
- the sequential push (workers=1) to the first ``--sequential`` devices (default 40), whose
  rate is extrapolated to all of them.

    python benchmarks/bench_push.py [--schools 100] [--devices 200] [--workers 50]
                                    [--sequential 40] [--feature ipv6]
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from datetime import date
from multiprocessing.connection import Connection
from pathlib import Path

from netctl.config.connect import Target
from netctl.config.push import PushOptions, PushResult, push
from netctl.config.render import render_many
from netctl.inventory.generate import write_inventory
from netctl.inventory.index import Inventory, load_inventory
from netctl.ipam.store import run_allocate
from netctl.models.inventory import Role
from netctl.secrets import Secrets
from netctl.testing.emulator import EmulatedNetwork, HostSpec

REPO = Path(__file__).resolve().parent.parent
SECRETS = {  # as tests/integration/config/test_push.py (the baseline feature needs them)
    "NETCTL_CRED_CAMPUS_ADMIN_PASSWORD": "Adm1n-Pa55w0rd",
    "NETCTL_CRED_SNMPV3_DEFAULT_AUTH_KEY": "AuthKey-12345",
    "NETCTL_CRED_SNMPV3_DEFAULT_PRIV_KEY": "PrivKey-67890",
    "NETCTL_CRED_RADIUS_CAMPUS_PASSWORD": "Rad1us-Key-2",
    "NETCTL_CRED_SNMPV3_RGOS_AUTH_KEY": "AuthRgos-1",
    "NETCTL_CRED_SNMPV3_RGOS_PRIV_KEY": "PrivRgos-1",
}


def serve(specs: list[tuple[str, str]], conn: Connection) -> None:
    """Child process: run the emulated devices until the parent says stop."""
    with EmulatedNetwork([HostSpec(n, p) for n, p in specs], start_timeout=120.0) as net:
        conn.send(dict(net.ports))
        conn.recv()  # any message: stop


class Emulators:
    """Emulated devices in a child process (started fresh for each timed run)."""

    def __init__(self, specs: list[tuple[str, str]]) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=serve, args=(specs, child), daemon=True)
        self._proc.start()
        if not self._conn.poll(180):
            self.stop()
            msg = "emulated devices did not start within 180 s"
            raise TimeoutError(msg)
        self.ports: dict[str, int] = self._conn.recv()

    def stop(self) -> None:
        """Stop the devices and the child process (bounded)."""
        if self._proc.is_alive():
            with contextlib.suppress(OSError):
                self._conn.send("stop")
            self._proc.join(30)
        if self._proc.is_alive():
            self._proc.terminate()
            self._proc.join(10)


def prepare(root: Path, schools: int, feature: str, templates: Path, count: int
            ) -> tuple[Inventory, list[str], Counter[str]]:
    """Generated, allocated inventory; the first ``count`` devices with something to push."""
    write_inventory(root, schools)
    shutil.copy(REPO / "inventory" / "address-plan.yaml", root / "address-plan.yaml")
    run_allocate(root, today=date.today())
    inv = load_inventory(root)
    candidates = [d.hostname for d in inv.devices.values() if d.role is not Role.AP]
    left_out: Counter[str] = Counter()
    chosen: list[str] = []
    for r in render_many(inv, candidates, feature, templates_dir=templates):
        if r.text and r.text.strip():
            chosen.append(r.hostname)
        elif r.error:
            left_out[f"{r.platform.value} {inv.devices[r.hostname].role.value}: refused"] += 1
        else:
            left_out[f"{r.platform.value} {inv.devices[r.hostname].role.value}: nothing"] += 1
    return inv, chosen[:count], left_out


def timed_push(inv: Inventory, hosts: Sequence[str], feature: str, templates: Path,
               backups: Path, workers: int, ports: dict[str, int]) -> tuple[float, PushResult]:
    """Wall time and result of one committed push."""
    opts = PushOptions(
        feature=feature,
        templates_dir=templates,
        backups_dir=backups,
        commit=True,
        workers=workers,
        timeout=60.0,
        targets={h: Target("127.0.0.1", ports[h], "admin", "admin") for h in hosts},
        user="bench",
    )
    start = time.perf_counter()
    result = push(inv, list(hosts), opts, Secrets(None, env=dict(SECRETS)))
    return time.perf_counter() - start, result


def line(label: str, n: int, seconds: float, result: PushResult) -> str:
    """One printed figure."""
    statuses = dict(sorted(Counter(o.status for o in result.outcomes).items()))
    return (f"{label:<34} {n:>4} devices  {seconds:8.2f} s  {n / seconds:7.2f} devices/s  "
            f"{statuses}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--schools", type=int, default=100)
    ap.add_argument("--devices", type=int, default=200)
    ap.add_argument("--workers", type=int, default=50)
    ap.add_argument("--sequential", type=int, default=40)
    ap.add_argument("--feature", default="ipv6", choices=["ipv6", "baseline"])
    args = ap.parse_args(argv)
    templates = REPO / "templates"
    with tempfile.TemporaryDirectory(prefix="bench_push_") as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        inv, hosts, left_out = prepare(root / "inventory", args.schools, args.feature, templates,
                                       args.devices)
        print(f"inventory: {args.schools} schools, {len(inv.devices)} devices, allocated and "
              f"rendered in {time.perf_counter() - t0:.1f} s")
        print(f"feature {args.feature}: {len(hosts)} devices selected "
              f"({dict(Counter(inv.devices[h].platform.value for h in hosts))}); "
              f"left out: {dict(left_out) or 'none'}")
        if len(hosts) < args.devices:
            print(f"only {len(hosts)} devices have something to push: raise --schools")
            return 2
        specs = [(h, inv.devices[h].platform.value) for h in hosts]
        failed = 0

        emu = Emulators(specs)
        try:
            wall, res = timed_push(inv, hosts, args.feature, templates, root / "b1",
                                   args.workers, emu.ports)
            print(line(f"concurrent (workers={args.workers})", len(hosts), wall, res))
            again_wall, again = timed_push(inv, hosts, args.feature, templates, root / "b2",
                                           args.workers, emu.ports)
            print(line(f"second push, no change (w={args.workers})", len(hosts), again_wall,
                       again))
            failed += len(res.failed) + len(again.failed)
            for o in [o for o in again.outcomes if o.status != "unchanged"][:5]:
                print(f"  NOT IDEMPOTENT {o.hostname} ({o.platform.value}): "
                      + " | ".join(o.remediation.strip().splitlines()[:6]))
            for o in [*res.failed, *again.failed][:10]:
                print(f"  FAILED {o.hostname}: {o.error[:200]}")
        finally:
            emu.stop()

        seq_hosts = hosts[: args.sequential]
        emu = Emulators(specs[: args.sequential])
        try:
            seq_wall, seq = timed_push(inv, seq_hosts, args.feature, templates, root / "b3", 1,
                                       emu.ports)
        finally:
            emu.stop()
        print(line("sequential (workers=1)", len(seq_hosts), seq_wall, seq))
        failed += len(seq.failed)
        per_device = seq_wall / len(seq_hosts)
        extrapolated = per_device * len(hosts)
        print(f"sequential, extrapolated to {len(hosts)} devices: {extrapolated:.1f} s "
              f"({per_device:.3f} s a device)")
        print(f"speed-up of workers={args.workers} over sequential: {extrapolated / wall:.1f}x")
        return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
