"""Show a configuration tree the way each vendor displays it, and the output filters.

Huawei: ``#`` between blocks, globals in column 0, ``return`` at the end.
H3C Comware 7: the same, but global (top-level, non-section) lines carry one leading space.
Cisco / Ruijie: ``Building configuration...`` header, ``!`` between blocks, ``end``.
"""

from __future__ import annotations

import re

from netctl.testing.emulator.tree import ConfigNode
from netctl.testing.emulator.vendors import VendorProfile


def _children(node: ConfigNode, depth: int, nested_sep: bool) -> list[str]:
    """A section's descendants, indented; Huawei puts an indented ``#`` before sub-sections."""
    out: list[str] = []
    for child in node.children:
        if nested_sep and child.is_section:
            out.append(" " * depth + "#")
        out.append(" " * depth + child.text)
        out.extend(_children(child, depth + 1, nested_sep))
    return out


def _blocks(root: ConfigNode, nested_sep: bool = False) -> list[list[str]]:
    """Top-level blocks: each section alone, runs of plain lines together."""
    blocks: list[list[str]] = []
    run: list[str] = []
    for child in root.children:
        if child.is_section:
            if run:
                blocks.append(run)
                run = []
            blocks.append([child.text, *_children(child, 1, nested_sep)])
        else:
            run.append(child.text)
    if run:
        blocks.append(run)
    return blocks


def _globals_indented(block: list[str], root: ConfigNode) -> list[str]:
    """Comware shows a run of global lines with one leading space."""
    first = root.find(block[0])
    if first is not None and not first.is_section:
        return [" " + line for line in block]
    return block


def display_order(profile: VendorProfile, root: ConfigNode) -> ConfigNode:
    """``root`` in the order the device displays it: ``banner`` lines just before the first
    line starting with ``profile.banner_before`` (when set)."""
    before = profile.banner_before
    if not before:
        return root
    banners = [c for c in root.children if c.text.startswith("banner ")]
    rest = [c for c in root.children if not c.text.startswith("banner ")]
    at = next((i for i, c in enumerate(rest) if c.text.startswith(before)), len(rest))
    return ConfigNode(root.text, root.kind, [*rest[:at], *banners, *rest[at:]])


def render_body(profile: VendorProfile, root: ConfigNode) -> list[str]:
    """The configuration lines with the vendor's separators, without header and footer."""
    sep = "#" if profile.family == "vrp" else "!"
    out: list[str] = []
    root = display_order(profile, root)
    for block in _blocks(root, nested_sep=profile.platform == "huawei_vrp"):
        out.append(sep)
        out.extend(_globals_indented(block, root) if profile.platform == "hp_comware" else block)
    out.append(sep)
    return out


def render_config(profile: VendorProfile, root: ConfigNode) -> str:
    """The full ``display current-configuration`` / ``show running-config`` text."""
    body = render_body(profile, root)
    if profile.platform == "huawei_vrp":
        lines = [profile.display_header, *body, "return"]
    elif profile.platform == "hp_comware":
        lines = ["#", profile.display_header, *body, "return"]
    else:
        version = "version 15.2" if profile.platform == "cisco_ios" else "version 11.0(5)B9P59"
        text = "\n".join([version, *body, "end"])
        size = len(text.encode()) + 1
        if profile.platform == "cisco_ios":
            head = ["Building configuration...", "", f"Current configuration : {size} bytes"]
        else:
            head = ["", "Building configuration...", f"Current configuration : {size} bytes", ""]
        lines = [*head, "!", version, *body, "end"]
    return "\n".join(lines) + "\n"


def render_section(profile: VendorProfile, node: ConfigNode) -> str:
    """``display this`` in a sub-view: the section alone between separators."""
    body = [node.text, *_children(node, 1, profile.platform == "huawei_vrp")]
    sep, end = ("#", "return") if profile.family == "vrp" else ("!", "end")
    lines = [sep, *body, sep, end]
    return "\n".join(lines) + "\n"


def apply_filter(text: str, op: str, pattern: str) -> str:
    """``| include``, ``| exclude``, ``| begin`` and ``| section`` on command output.

    Examples:
        >>> apply_filter("a\\nb\\nc\\n", "begin", "b")
        'b\\nc\\n'
        >>> apply_filter("interface X\\n ip y\\nhostname h\\n", "section", "interface")
        'interface X\\n ip y\\n'
    """
    try:
        rx = re.compile(pattern)
    except re.error:
        rx = re.compile(re.escape(pattern))
    lines = text.splitlines()
    if op == "include":
        kept = [line for line in lines if rx.search(line)]
    elif op == "exclude":
        kept = [line for line in lines if not rx.search(line)]
    elif op == "begin":
        start = next((i for i, line in enumerate(lines) if rx.search(line)), len(lines))
        kept = lines[start:]
    else:  # section
        kept = []
        keep = False
        for line in lines:
            if not line.startswith(" "):
                keep = bool(rx.search(line))
            elif keep is False and rx.search(line):
                kept.append(line)
                continue
            if keep:
                kept.append(line)
    return "".join(line + "\n" for line in kept)
