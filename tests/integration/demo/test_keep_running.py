"""``netctl demo --keep-running``: the network stays up for the commands it prints, and Ctrl-C
(SIGINT) stops it cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from netctl.demo import DEMO_SECRETS

CLI = [sys.executable, "-c", "from netctl.cli import main; main()"]


def test_keep_running_serves_the_printed_commands(tmp_path: Path) -> None:
    home = tmp_path / "home"
    log = (tmp_path / "demo.log").open("w+")
    proc = subprocess.Popen([*CLI, "demo", "--out", str(home), "--schools", "22", "--lang", "en",
                             "--keep-running"], stdout=log, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        text = ""
        while time.monotonic() < deadline and proc.poll() is None:
            text = (tmp_path / "demo.log").read_text()
            if "network is up" in text:
                break
            time.sleep(0.5)
        assert "network is up" in text, text[-3000:]
        env = {**os.environ, **DEMO_SECRETS}
        poll = subprocess.run([*CLI, "--home", str(home), "collect", "snmp", "--once",
                               "--no-influx", "--targets", str(home / "snmp-targets.yaml"),
                               "--role", "gateway"],
                              capture_output=True, text=True, env=env, timeout=120, check=False)
        assert poll.returncode == 0, poll.stdout[-2000:] + poll.stderr[-2000:]
        assert "failed: none" in poll.stderr
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        log.close()
    assert proc.returncode == 0, (tmp_path / "demo.log").read_text()[-2000:]
    assert "stopping the emulated network" in (tmp_path / "demo.log").read_text()
