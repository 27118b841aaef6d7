"""``netctl demo`` without the ``[demo]`` extra: exit 3 naming the install command, nothing written
(issue 18: the emulator is an extra, not a dependency of every install)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# fakenos made unimportable (sys.modules[name] = None: find_spec returns None, import fails)
WITHOUT_EXTRA = ("import sys; sys.modules['fakenos'] = None; "
                 "from netctl.cli import main; main()")


def test_demo_without_the_extra_exits_3(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    env = {**os.environ, "HOME": str(tmp_path),
           "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH"))
                                         if p)}
    r = subprocess.run([sys.executable, "-c", WITHOUT_EXTRA, "demo", "--out", str(out)],
                       capture_output=True, text=True, env=env, timeout=120, check=False)
    assert r.returncode == 3, r.stderr
    assert "pip install 'netctl[demo]'" in r.stderr
    assert "fakenos" in r.stderr
    assert "Traceback" not in r.stderr and "sample region" not in r.stdout
    assert not out.exists()
