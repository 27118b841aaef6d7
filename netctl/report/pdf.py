"""PDF by headless Chromium printing the HTML report (Chinese through the Noto CJK fonts).

Needs the Debian packages ``chromium`` and ``fonts-noto-cjk``. Chromium embeds the glyphs it
uses, so the PDF reads the same without the fonts installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from netctl.exceptions import ConfigError, NetctlError

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")


class ReportError(NetctlError):
    """A report cannot be rendered (Chromium failed)."""


class ChromiumMissingError(ReportError, ConfigError):
    """No Chromium to print the PDF: netctl cannot start the job (exit 3)."""


def chromium() -> str:
    """The Chromium executable (``NETCTL_CHROMIUM`` or on PATH)."""
    explicit = os.environ.get("NETCTL_CHROMIUM")
    if explicit:
        return explicit
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    msg = ("PDF needs Chromium (fix: run `bash scripts/demo.sh`, or `sudo apt-get install "
           "chromium fonts-noto-cjk`, or set NETCTL_CHROMIUM to its path)")
    raise ChromiumMissingError(msg)


def headless_args(profile: Path) -> list[str]:
    """Flags for a quiet, sandbox-free, network-free headless run with a throw-away profile."""
    return [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
    ]


def run_chromium(extra: list[str], page: Path, timeout: float = 120) -> None:
    """Run headless Chromium on a local HTML file with ``extra`` flags (print, screenshot)."""
    with tempfile.TemporaryDirectory(prefix="netctl-chromium-") as profile:
        cmd = [*headless_args(Path(profile)), *extra, page.resolve().as_uri()]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            msg = f"Chromium did not finish in {timeout:.0f} s"
            raise ReportError(msg) from exc
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            msg = f"Chromium failed ({done.returncode}): {' | '.join(tail)}"
            raise ReportError(msg)


def html_to_pdf(html: str, out: Path) -> Path:
    """Print an HTML document to ``out`` as A4 PDF."""
    out = out.resolve()
    with tempfile.TemporaryDirectory(prefix="netctl-report-") as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(html, encoding="utf-8")
        run_chromium(["--no-pdf-header-footer", f"--print-to-pdf={out}"], page)
    if not out.is_file() or out.stat().st_size == 0:
        msg = f"Chromium wrote no PDF at {out}"
        raise ReportError(msg)
    return out
