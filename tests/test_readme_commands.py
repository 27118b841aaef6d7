"""Every command in README.md runs as written and exits as the README's table says (issue 15).

The README's ``sh`` code blocks are parsed, so a line added to the README is run here the next
time the suite runs; nothing is skipped silently:

- a line that starts with ``netctl`` runs through ``bash -c`` in a temporary home (copies of
  ``inventory/``, ``templates/``, ``collectors/``, ``reports/``), with ``netctl`` on ``PATH``,
  ``[--option value]`` brackets taken as written and ``[PLACEHOLDER]`` left out;
- ``EXPECT`` says, per command (the longest matching prefix), the exit code and what the output
  shows, and adds what a test needs so that it only talks to loopback: the emulated devices
  (``--targets``), dead resolvers, ``--allow 127.0.0.0/8``;
- any other line must be in ``NOT_NETCTL`` with the reason it is not run here, else the test
  fails.

Exit codes are those of the README's table: 0 done, 1 found errors, 2 bad command line, 3 cannot
start, 70 a bug (never expected here).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
HOME_DIRS = ("inventory", "templates", "collectors", "reports")
TIMEOUT = 240.0


@dataclass(frozen=True)
class Expect:
    """What one README command must do here."""

    codes: tuple[int, ...] = (0,)
    shows: tuple[str, ...] = ()  # substrings of stdout + stderr
    extra: str = ""  # appended arguments (loopback-only targets); {targets} {dead} expand
    replace: dict[str, str] = field(default_factory=dict)  # text of the line → test value
    why: str = ""  # why the code is not 0


# Longest prefix wins. Every non-zero expectation says why.
EXPECT: dict[str, Expect] = {
    "netctl inventory validate": Expect(shows=("valid",)),
    "netctl inventory show": Expect(shows=("prefixes (8)",)),
    "netctl inventory import": Expect(
        shows=("2401040001",), why="the roster file is written by the fixture"
    ),
    "netctl inventory generate": Expect(replace={"/tmp/region": "{home}/region"},
                                        shows=("wrote",)),
    "netctl ipam show": Expect(shows=("prefixes (8)",)),
    "netctl config render": Expect(shows=("rendered",)),
    "netctl config diff": Expect(extra="--targets {targets}", shows=("summary:",)),
    "netctl config push": Expect(extra="--targets {targets}", shows=("summary:",)),
    "netctl config diff --host": Expect(shows=('"remediation"',)),  # offline: --running FILE
    "netctl config rollback": Expect(
        codes=(1,),
        extra="--targets {targets}",
        shows=("restoring", "refused", "--allow-removals"),
        why="going back removes every line the push added (64 > 10): the push guard refuses "
        "it until an engineer reviews and passes --allow-removals N (docs/push-safety.md)",
    ),
    "netctl config history": Expect(shows=("push",)),
    "netctl collect snmp": Expect(
        codes=(3,),
        shows=("nothing was polled", "fix:"),
        why="no SNMP credentials in the test environment: netctl refuses to report "
        "'0 polls, ok' (exit 3, naming the fix)",
    ),
    "netctl probe web": Expect(
        codes=(1,),
        extra="--resolver 127.0.0.1:{dead} --allow 127.0.0.0/8 --allow ::1/128 --timeout 3 "
        "--no-store",
        shows=("websites support IPv6",),
        why="the sample websites do not resolve through a dead loopback resolver: every "
        "site is judged unsupported (exit 1), and nothing leaves loopback",
    ),
    "netctl probe reach": Expect(
        codes=(1,),
        extra="--allow 127.0.0.0/8 --allow ::1/128 --method tcp --timeout 0.2 --count 1 "
        "--no-store",
        shows=("addresses answer",),
        why="the sample's management addresses are outside the allowed loopback networks: "
        "nothing is sent, every address counts as unreachable (exit 1)",
    ),
    "netctl daemon": Expect(
        codes=(3,),
        shows=("no device to poll", "fix:"),
        why="no SNMP credentials: a daemon that would poll nothing refuses to start",
    ),
    "netctl compliance kpis": Expect(shows=("兴庆区",)),
    "netctl compliance baseline": Expect(
        codes=(1,),
        why="README: exit 1 when a device does not pass; most sample devices have no backup",
    ),
    "netctl report": Expect(shows=("wrote",)),
    "netctl dashboards build": Expect(shows=("files in",)),
    "netctl --version": Expect(shows=("netctl 0.",)),
}

# Lines of the README's sh blocks that are not netctl commands, and why they are not run here.
NOT_NETCTL: dict[str, str] = {
    "bash scripts/demo.sh": "installs Debian/Python packages; what it then runs, `netctl demo`, "
    "is run below (DEMO)",
    "bash scripts/test.sh": "it is this test suite (and lint, types)",
    ". .venv/bin/activate": "the test puts netctl on PATH itself",
    "cd out/grafana": "a shell step of the Grafana example",
    "docker run": "needs Docker and the Grafana image; the provisioning files it mounts are "
    "checked by tests/integration/dashboards",
}


def readme_lines() -> list[str]:
    """Every command line of the README's ``sh`` blocks (continuations joined, comments cut)."""
    text = README.read_text(encoding="utf-8")
    out: list[str] = []
    for block in re.findall(r"```(?:sh|bash|shell)\n(.*?)```", text, re.S):
        pending = ""
        for raw in block.splitlines():
            line = raw.rstrip()
            if pending:
                line = pending + " " + line.strip()
                pending = ""
            if line.endswith("\\"):
                pending = line[:-1].rstrip()
                continue
            line = re.sub(r"`#[^`]*`", "", line)  # inline `# comment` of continued lines
            line = re.sub(r"(^|\s)#.*$", "", line).strip()
            if line:
                out.append(line)
    return out


def as_run(line: str) -> str:
    """``[--opt v]`` → ``--opt v``; ``[PLACEHOLDER]`` → nothing."""
    line = re.sub(r"\[[A-Z_]+\]", "", line)
    line = re.sub(r"\[([^\]]+)\]", r"\1", line)
    return re.sub(r"\s+", " ", line).strip()


def expectation(line: str) -> Expect:
    best = ""
    for prefix in EXPECT:
        if line.startswith(prefix) and len(prefix) > len(best):
            best = prefix
    return EXPECT.get(best, Expect())


COMMANDS = [as_run(x) for x in readme_lines() if x.startswith("netctl")]
OTHERS = [x for x in readme_lines() if not x.startswith("netctl")]


def test_readme_has_commands_and_every_other_line_is_accounted_for() -> None:
    assert len(COMMANDS) >= 30
    for line in OTHERS:
        assert any(line.startswith(k) for k in NOT_NETCTL), (
            f"README line {line!r} is neither a netctl command nor listed in NOT_NETCTL"
        )
    for line in COMMANDS:
        assert "&&" not in line and "|" not in line.replace("zh|en", ""), (
            f"{line!r}: one command per line (a pipeline or && chain hides the second one)"
        )
    # the README's shard example must be a shard that exists (0-based: 0/N … N-1/N)
    for m in re.finditer(r"--shard (\d+)/(\d+)", README.read_text(encoding="utf-8")):
        assert int(m[1]) < int(m[2])


@dataclass
class Home:
    """The temporary home every README command runs in."""

    path: Path
    env: dict[str, str]
    targets: Path
    dead_port: int


def _roster(path: Path) -> None:
    """A county office's roster (XLSX) that updates one sample school in place."""
    from openpyxl import Workbook

    src = REPO / "tests" / "fixtures" / "roster" / "xingqing-gb18030.csv"
    rows = [r.split(",") for r in src.read_text(encoding="gb18030").splitlines()[:2]]
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    wb.save(path)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Home]:
    from netctl.inventory.filters import DeviceFilter, select
    from netctl.inventory.index import load_inventory
    from netctl.testing.emulator import EmulatedNetwork, HostSpec
    from netctl.testing.emulator.network import free_ports

    root = tmp_path_factory.mktemp("readme")
    for name in HOME_DIRS:
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("out"))
    _roster(root / "roster.xlsx")
    # the review workflow's saved running config: a real Huawei S6730 (tests/fixtures/real)
    shutil.copy(REPO / "tests" / "fixtures" / "real" / "huawei_vrp" /
                "s6730_isp_access_v200r021.cfg", root / "saved.cfg")
    bindir = root / "bin"
    bindir.mkdir()
    shim = bindir / "netctl"
    shim.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m netctl "$@"\n')
    shim.chmod(0o755)
    inv = load_inventory(root / "inventory")
    gateways = select(inv, DeviceFilter.parse(counties=["640104"], roles=["gateway"]))
    specs = [HostSpec(d.hostname, d.platform.value) for d in gateways]
    dead = free_ports(1)[0]
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("NETCTL_", "PYTEST", "COV_"))
    }
    env.update(
        PATH=f"{bindir}{os.pathsep}{env.get('PATH', '')}",
        PYTHONPATH=os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        HOME=str(root),
        XDG_STATE_HOME=str(root / ".state"),
        NETCTL_SECRETS=str(root / "secrets.yaml"),
        NETCTL_CRED_DEFAULT_USERNAME="admin",
        NETCTL_CRED_DEFAULT_PASSWORD="admin",  # the emulator's login, never a real one
        COLUMNS="200",
    )
    with EmulatedNetwork(specs) as net:
        targets = root / "targets.yaml"
        targets.write_text("".join(f"{h}: 127.0.0.1:{p}\n" for h, p in net.ports.items()))
        yield Home(root, env, targets, dead)


@pytest.mark.parametrize("line", COMMANDS)
def test_readme_command(line: str, home: Home) -> None:
    want = expectation(line)
    cmd = line
    for old, new in want.replace.items():
        cmd = cmd.replace(old, new.format(home=home.path))
    if want.extra:
        cmd += " " + want.extra.format(targets=home.targets, dead=home.dead_port)
    done = subprocess.run(
        ["bash", "-c", cmd], cwd=home.path, env=home.env, capture_output=True, text=True,
        timeout=TIMEOUT, check=False,
    )
    output = done.stdout + done.stderr
    if os.environ.get("NETCTL_README_DEBUG"):
        sys.stderr.write(f"\n$ {cmd}\n{output[-1500:]}\n")
    assert done.returncode in want.codes, (
        f"{cmd}\nexit {done.returncode}, README table wants {want.codes} ({want.why})\n"
        f"{output[-3000:]}"
    )
    assert "Traceback" not in output, output[-3000:]
    for text in want.shows:
        assert text in output, f"{cmd}: {text!r} not in output\n{output[-3000:]}"


def test_demo_command_then_the_pdf_report(home: Home, tmp_path: Path) -> None:
    """DEMO: what scripts/demo.sh runs once installed, then the README's PDF report on its home."""
    out = tmp_path / "demo"
    done = subprocess.run(["netctl", "demo", "--out", str(out)], cwd=home.path, env=home.env,
                          capture_output=True, text=True, timeout=TIMEOUT, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    pdf = tmp_path / "640104.pdf"
    done = subprocess.run(
        ["netctl", "--home", str(home.path), "--inventory", str(out / "inventory"), "--state",
         str(out / "state.db"), "report", "--county", "640104", "--format", "pdf", "--out",
         str(pdf)],
        cwd=home.path, env=home.env, capture_output=True, text=True, timeout=TIMEOUT, check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert pdf.read_bytes()[:5] == b"%PDF-"
