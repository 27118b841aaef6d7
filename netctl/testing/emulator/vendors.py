"""The emulated platforms, by netutils platform name, and their variants.

The data lives in :mod:`profile` (the shape), :mod:`vendor_vrp` (Huawei VRP V5/V8, H3C Comware),
:mod:`vendor_ios` (Cisco IOS, Ruijie RGOS) and :mod:`refusals` (what each OS refuses).
Sources: /work/shared/notes/vendor-syntax.md and docs/emulator.md.
"""

from __future__ import annotations

from netctl.testing.emulator.grammar import ANY_WORD
from netctl.testing.emulator.profile import (
    REPLACE_KEYS,
    SILENT_NEGATIONS,
    ConfigQuestion,
    Family,
    Refusal,
    VendorProfile,
    question,
)
from netctl.testing.emulator.vendor_ios import CISCO, CISCO_IF, RUIJIE, RUIJIE_IF
from netctl.testing.emulator.vendor_vrp import H3C, H3C_IF, HUAWEI, HUAWEI_IF, HUAWEI_V8

PROFILES: dict[str, VendorProfile] = {p.platform: p for p in (HUAWEI, H3C, RUIJIE, CISCO)}
"""Profiles by netutils platform name (``netctl.platforms.Platform`` values)."""

VARIANTS: dict[tuple[str, str], VendorProfile] = {("huawei_vrp", "vrp8"): HUAWEI_V8}
"""Variants of a platform (``HostSpec.variant``): ``vrp8`` is Huawei VRP V8 (CE, NE)."""


def profile_for(platform: str, variant: str | None = None) -> VendorProfile:
    """The profile of ``platform`` (and ``variant``); ValueError names the known ones."""
    if platform not in PROFILES:
        msg = f"unknown platform {platform!r}; emulated: {', '.join(sorted(PROFILES))}"
        raise ValueError(msg)
    if not variant:
        return PROFILES[platform]
    try:
        return VARIANTS[(platform, variant)]
    except KeyError:
        known = ", ".join(f"{p}/{v}" for p, v in VARIANTS)
        msg = f"unknown variant {variant!r} of {platform}; known: {known}"
        raise ValueError(msg) from None


ANY = ANY_WORD

__all__ = [
    "ANY",
    "CISCO",
    "CISCO_IF",
    "H3C",
    "H3C_IF",
    "HUAWEI",
    "HUAWEI_IF",
    "HUAWEI_V8",
    "PROFILES",
    "REPLACE_KEYS",
    "RUIJIE",
    "RUIJIE_IF",
    "SILENT_NEGATIONS",
    "VARIANTS",
    "ConfigQuestion",
    "Family",
    "Refusal",
    "VendorProfile",
    "profile_for",
    "question",
]
