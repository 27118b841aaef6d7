"""One emulated device: its running and startup configuration, failure knobs and history.

Pure Python, thread-safe (every change holds ``Device.lock``), no I/O: the SSH server feeds it
through :class:`netctl.testing.emulator.session.Session`, tests read it directly.
"""

from __future__ import annotations

import dataclasses
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from netctl.testing.emulator.display import display_order, render_config
from netctl.testing.emulator.normalize import display_form
from netctl.testing.emulator.tree import ConfigNode, parse_config
from netctl.testing.emulator.vendors import VendorProfile, profile_for

_JOINED = "\x00"
"""Stands for a newline inside a delimited block while it is parsed as one line."""


@dataclass
class Knobs:
    """Failure and behaviour switches of one device; tests may change them at any time."""

    refuse_login: bool = False
    """Every password is wrong (netmiko raises NetmikoAuthenticationException)."""
    login_delay: float = 0.0
    """Seconds of silence after login before the first prompt."""
    delay: float = 0.0
    """Seconds of silence before answering a line (the echo comes at once, as on a device)."""
    delay_match: str | None = None
    """Only delay lines matching this regex; None delays every line."""
    drop_match: str | None = None
    """Close the SSH session, without answering, on a line matching this regex."""
    drop_after: int | None = None
    """Close the SSH session when it receives its N-th line."""
    unsupported: list[str] = field(default_factory=list)
    """Regexes: a config line matching one is rejected with the vendor's error message."""
    normalize: bool = True
    """Store lines as the vendor displays them: IPv6 addresses in upper case, Huawei/H3C
    ``ipv6 address A L`` as ``A/L``, secrets encrypted (see ``normalize.py``). Off: as typed."""
    vendor_questions: bool = True
    """Ask the vendor's mid-config questions (Huawei WLAN ``[Y/N]``, SNMPv3 passwords)."""
    questions: list[tuple[str, str]] = field(default_factory=list)
    """Extra ``(regex, question)`` pairs: a matching config line asks ``question`` and is
    applied only if the answer is ``y``/``yes`` (e.g. an older build's warning)."""


class Device:
    """State of one emulated device, shared by all its SSH sessions."""

    def __init__(
        self,
        name: str,
        platform: str,
        *,
        username: str = "admin",
        password: str = "admin",  # noqa: S107 - emulator default credentials
        initial_config: str = "",
        enable_secret: str | None = None,
        knobs: Knobs | None = None,
        outputs: Mapping[str, str] | None = None,
        variant: str | None = None,
    ) -> None:
        self.profile: VendorProfile = profile_for(platform, variant)
        first = initial_config.lstrip().split("\n", 1)[0].strip()
        if self.profile.display_header and first.startswith("!Software Version"):
            # a booted real config keeps its own release line
            self.profile = dataclasses.replace(self.profile, display_header=first)
        self.name = name
        self.platform = platform
        self.variant = variant
        self.username = username
        self.password = password
        self.enable_secret = enable_secret
        self.knobs = knobs if knobs is not None else Knobs()
        self.outputs: dict[str, str] = {" ".join(k.split()): v for k, v in (outputs or {}).items()}
        self.lock = threading.RLock()
        self.initial_config = initial_config
        self.running: ConfigNode = self.parse(initial_config)
        if self.knobs.normalize:  # a device never displays a secret as typed (normalize.py)
            for _, node in self.running.walk():
                node.text = display_form(platform, node.text)
        self._add_permanent(self.running)
        self.startup: ConfigNode = self.running.copy()
        self.hidden = ConfigNode("", "top")
        """Accepted lines the vendor never displays (Cisco ``snmp-server user``)."""
        self.history: list[str] = []
        """Every line received, in order, from every session."""
        self.saves = 0
        self.logins = 0
        self.failed_logins = 0
        self.generation = 0
        """Bumped by :meth:`reset`; sessions then leave any config view they were in."""
        self.started = time.time()
        self.commits: list[tuple[int, ConfigNode]] = [(1, self.running.copy())]
        """VRP V8: (commit id, running config after it); the first is the boot config."""

    # ------------------------------------------------------------------ configuration access
    def parse(self, text: str) -> ConfigNode:
        """A tree from display-style text; adds ``sysname``/``hostname`` if missing."""
        root = parse_config(self._join_delimited(text), self._classify, self._skip)
        for _, node in root.walk():
            node.text = node.text.replace(_JOINED, "\n")
        cmd = self.profile.hostname_cmd
        if not any(c.text.startswith(cmd + " ") for c in root.children):
            root.children.insert(0, ConfigNode(f"{cmd} {self.name}"))
        return root

    def _add_permanent(self, root: ConfigNode) -> None:
        """Add the console/VTY sections a real device always displays when the boot config
        lacks them (they exist as long as the hardware does, and cannot be deleted)."""
        for rx, header in self.profile.permanent:
            if not any(re.match(rx, c.text) for c in root.children):
                root.children.append(ConfigNode(header, self._classify(header, None)))

    def _join_delimited(self, text: str) -> str:
        """Put a multi-line ``banner login ^C`` … ``^C`` block on one line for the parser."""
        rx = self.profile.delimited
        if rx is None:
            return text
        lines = text.splitlines()
        out: list[str] = []
        i = 0
        while i < len(lines):
            m = rx.match(lines[i].strip())
            rest = m.group(2) if m else ""
            delim = "^C" if rest.startswith("^C") else rest[:1]
            if not delim or delim in rest[len(delim) :]:
                out.append(lines[i])
                i += 1
                continue
            end = next((k for k in range(i + 1, len(lines)) if delim in lines[k]), len(lines) - 1)
            out.append(_JOINED.join(lines[i : end + 1]))
            i = end + 1
        return "\n".join(out)

    def _skip(self, line: str) -> bool:
        return self.profile.skip_display.match(line) is not None

    def _classify(self, line: str, parent_kind: str | None) -> str | None:
        for op in self.profile.openers.get(parent_kind or "top", ()):
            if op.regex.fullmatch(line):
                return op.kind
        return None

    @property
    def hostname(self) -> str:
        """The name in the prompt: the configured ``sysname``/``hostname``."""
        cmd = self.profile.hostname_cmd + " "
        with self.lock:
            for child in self.running.children:
                if child.text.startswith(cmd):
                    return child.text[len(cmd) :]
        return self.profile.default_hostname

    @property
    def running_config(self) -> str:
        """The running configuration exactly as the device displays it."""
        with self.lock:
            return render_config(self.profile, self.running)

    @property
    def startup_config(self) -> str:
        """The saved configuration, in the same display format."""
        with self.lock:
            return render_config(self.profile, self.startup)

    def running_lines(self) -> list[str]:
        """The running configuration as indented lines, without separators or headers."""
        with self.lock:
            return display_order(self.profile, self.running).lines()

    def startup_lines(self) -> list[str]:
        """The saved configuration as indented lines."""
        with self.lock:
            return display_order(self.profile, self.startup).lines()

    def has_line(self, line: str, section: str | None = None, *, saved: bool = False) -> bool:
        """Whether ``line`` is configured at top level, or under the top-level ``section``."""
        with self.lock:
            root = self.startup if saved else self.running
            if section is not None:
                found = root.find(" ".join(section.split()))
                if found is None:
                    return False
                root = found
            return root.find(" ".join(line.split())) is not None

    def section(self, header: str, *, saved: bool = False) -> list[str] | None:
        """The children of the top-level section ``header`` (None if it does not exist)."""
        with self.lock:
            node = (self.startup if saved else self.running).find(" ".join(header.split()))
            return None if node is None else node.lines()

    def save(self) -> None:
        """Copy running to startup (what ``save`` / ``write memory`` do)."""
        with self.lock:
            self.startup = self.running.copy()
            self.saves += 1

    def commit(self, candidate: ConfigNode) -> int:
        """VRP V8: make ``candidate`` the running configuration; return the new commit id."""
        with self.lock:
            self.running = candidate.copy()
            cid = self.commits[-1][0] + 1
            self.commits.append((cid, self.running.copy()))
            return cid

    def rollback(self, *, last: int | None = None, to: int | None = None) -> str | None:
        """VRP V8 ``rollback configuration last N | to commit-id ID``: an error text or None."""
        with self.lock:
            ids = [cid for cid, _ in self.commits]
            if to is not None:
                if to not in ids:
                    return "Error: The specified commit ID does not exist."
                index = ids.index(to)
            else:
                index = len(ids) - 1 - (last or 0)
                if index < 0:
                    return "Error: The number of commits to roll back exceeds the existing ones."
            self.commit(self.commits[index][1])
            return None

    def reset(self, config: str | None = None) -> None:
        """Back to ``config`` (default: the initial config) in running and startup; clears
        history and counters. Open sessions fall back to user/privileged mode."""
        with self.lock:
            self.running = self.parse(self.initial_config if config is None else config)
            self.startup = self.running.copy()
            self.hidden = ConfigNode("", "top")
            self.history.clear()
            self.saves = self.logins = self.failed_logins = 0
            self.commits = [(1, self.running.copy())]
            self.generation += 1

    def unsupported_patterns(self) -> list[re.Pattern[str]]:
        """The compiled ``knobs.unsupported`` regexes."""
        return [re.compile(p) for p in self.knobs.unsupported]

    def uptime(self) -> tuple[int, int, int, int]:
        """(days, hours, minutes, seconds) since the device was created."""
        secs = int(time.time() - self.started)
        return secs // 86400, secs // 3600 % 24, secs // 60 % 60, secs % 60

    def __repr__(self) -> str:
        return f"Device({self.name!r}, {self.platform!r})"
