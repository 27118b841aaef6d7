"""Offline review: the remediation of a feature against a saved running config, no connection.

What an engineer runs on a backup before a change window (``netctl config diff --running FILE``):
the same rendering, ownership, protection and guard as a push, against a file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netctl.config.diff import Diff, compute_diff
from netctl.config.guard import Guard, verdict
from netctl.config.masking import Masking, mask_diff
from netctl.config.protect import load_protection
from netctl.config.render import render_device
from netctl.config.scope import load_scopes
from netctl.exceptions import ConfigError
from netctl.inventory.index import Inventory


@dataclass(frozen=True, slots=True)
class Review:
    """The remediation of one feature for one device against a saved running config."""

    hostname: str
    feature: str
    diff: Diff
    refusal: list[str]

    def as_json(self) -> dict[str, Any]:
        """The review as JSON-ready data."""
        d = self.diff
        return {
            "hostname": self.hostname, "platform": d.platform.value, "feature": self.feature,
            "remediation": d.remediation, "removed": list(d.removed),
            "refused": [{"line": r.line, "reason": r.reason} for r in d.refused],
            "protected_changes": list(d.protected),
            "sections": [{"section": s, "added": a, "removed": r} for s, a, r in d.sections],
            "push_refused": self.refusal,
        }


def review(inv: Inventory, hostname: str, feature: str, running: str, templates_dir: Path,
           guard: Guard | None = None) -> Review:
    """Render ``feature`` for ``hostname`` and diff it against ``running`` (the file's text)."""
    if hostname not in inv.devices:
        msg = f"no device '{hostname}' in the inventory"
        raise ConfigError(msg)
    entry = inv.devices[hostname]
    intended = render_device(inv, hostname, feature, templates_dir=templates_dir)
    scope = load_scopes(templates_dir).for_feature(feature)
    device = entry.device
    protection = load_protection(templates_dir).for_platform(entry.platform).for_device(
        str(a) for a in (device.mgmt_ipv4, device.mgmt_ipv6) if a)
    diff = compute_diff(entry.platform, running, intended, scope, protection)
    shown = mask_diff(Masking.load(templates_dir), diff)  # printed: secrets masked
    return Review(hostname, feature, shown, verdict(shown, guard or Guard()))


def read_running(path: Path) -> str:
    """A saved running config (UTF-8, or GB18030 as some Chinese-localised devices write it)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        msg = f"{path}: cannot read the running config: {exc.strerror or exc}"
        raise ConfigError(msg) from exc
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding).replace("\r\n", "\n")
        except UnicodeDecodeError:
            continue
    msg = f"{path}: neither UTF-8 nor GB18030 text"
    raise ConfigError(msg)
