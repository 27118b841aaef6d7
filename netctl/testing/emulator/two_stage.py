"""VRP V8's two-stage configuration: a candidate per session, ``commit``, the Y/N/C question.

Mixed into :class:`~netctl.testing.emulator.session.Session`; only profiles with
``two_stage=True`` (``vendors.HUAWEI_V8``) use it. Behaviour and texts (docs/emulator.md,
"VRP V8"):

* ``system-view`` → ``[~N]``; once the candidate differs from the running configuration the
  prompt is ``[*N]`` (CE/NE two-phase validation mode, NE40E V800R012C10 configuration guide);
  ``display current-configuration`` shows the running (committed) configuration only.
* ``commit`` in any configuration view applies the candidate (and records a rollback point);
  ``display configuration candidate [merge|changes]``, ``clear configuration candidate``.
* Leaving system view (``return``, ``quit`` from system view, Ctrl+Z) with uncommitted changes
  asks ``Warning: Uncommitted configurations found, commit them before exiting?
  [Y(yes)/N(no)/C(cancel)]:`` — ``y`` commits, ``n`` discards, ``c`` stays; anything else
  repeats ``Error: Please choose 'YES', 'NO' or 'CANCEL' first before pressing 'Enter'.
  [Y/N/C]:`` (public transcripts, search index ids 45231977892 and 17267729859).
* User view: ``rollback configuration last N | to commit-id ID`` (NE40E guide,
  "Performing Configuration Rollback"); ``display configuration commit list`` (format is an
  approximation). ``abort`` (discard and return to user view) is an approximation too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from netctl.testing.emulator.display import render_config

if TYPE_CHECKING:
    from netctl.testing.emulator.device import Device
    from netctl.testing.emulator.exec_view import Frame
    from netctl.testing.emulator.tree import ConfigNode
    from netctl.testing.emulator.vendors import VendorProfile

EXIT_QUESTION = (
    "Warning: Uncommitted configurations found, commit them before exiting? "
    "[Y(yes)/N(no)/C(cancel)]:"
)
EXIT_AGAIN = "Error: Please choose 'YES', 'NO' or 'CANCEL' first before pressing 'Enter'. [Y/N/C]:"


@dataclass(slots=True)
class Question:
    """A pending ``[Y/N]`` or filename question: the next line answers it."""

    prompt: str
    answer: Callable[[str], list[str]]
    secret: bool = False
    raw: bool = False
    """Pass the line as typed (banner text) rather than stripped."""


class TwoStage:
    """The V8 part of a session (attributes are set by ``Session.__init__``)."""

    device: Device
    profile: VendorProfile
    stack: list[Frame]
    pending: Question | None
    two_stage: bool
    candidate: ConfigNode | None
    dirty: bool

    def _unknown(self, prompt: str, col: int, at_start: bool = True) -> list[str]:
        raise NotImplementedError

    def _leave_config(self) -> list[str]:
        """``return`` / Ctrl+Z / ``quit`` from system view: to user view (V8 asks first)."""
        if not (self.two_stage and self.dirty):
            del self.stack[1:]
            self.candidate = None
            return []

        def answer(ans: str) -> list[str]:
            word = ans.strip().lower()
            if word in ("y", "yes") and self.candidate is not None:
                self.device.commit(self.candidate)
            elif word in ("c", "cancel"):
                return []
            elif word not in ("n", "no"):
                self.pending = Question(EXIT_AGAIN, answer)
                return []
            del self.stack[1:]
            self.candidate, self.dirty = None, False
            return []

        self.pending = Question(EXIT_QUESTION, answer)
        return []

    def _v8_config(self, tokens: list[str], text: str, prompt: str, col0: int) -> list[str] | None:
        """``commit``, ``abort``, ``clear configuration candidate``; None: not one of them."""
        words = [t.lower() for t in tokens]
        if words[0] == "commit" and len(words) == 1:
            if self.candidate is not None and self.dirty:
                self.device.commit(self.candidate)
                self.candidate = self.device.running.copy()
                self._rebind()
            return []
        if words == ["abort"]:
            del self.stack[1:]
            self.candidate, self.dirty = None, False
            return []
        if words == ["clear", "configuration", "candidate"]:
            self.candidate = self.device.running.copy()
            del self.stack[2:]
            return []
        del text, prompt, col0
        return None

    def _rebind(self) -> None:
        """After a commit the candidate is a fresh copy: sub-views point into it again."""
        if self.candidate is None:
            return
        node = self.candidate
        for frame in self.stack[2:]:
            if frame.node is None:
                continue
            found = node.find(frame.node.text)
            if found is None:
                del self.stack[self.stack.index(frame):]
                return
            frame.node = node = found

    def _v8_display(self, words: list[str]) -> str | None:
        """``display configuration candidate [merge|changes]`` / ``commit list``."""
        low = [w.lower() for w in words]
        if low and "candidate".startswith(low[0]) and self.candidate is not None:
            if len(low) == 1 or "merge".startswith(low[1]):
                return render_config(self.profile, self.candidate)
            if "changes".startswith(low[1]):
                old = set(self.device.running.lines())
                new = set(self.candidate.lines())
                gone = [f"-{x}" for x in self.device.running.lines() if x not in new]
                added = [f"+{x}" for x in self.candidate.lines() if x not in old]
                return "".join(line + "\n" for line in gone + added)
            return None
        if low[:2] == ["commit", "list"]:
            rows = [f"{i:<4}{cid:<12}-" for i, (cid, _) in
                    enumerate(reversed(self.device.commits[1:]), start=1)]
            return "No.  CommitId    Label\n" + "".join(r + "\n" for r in rows)
        return None

    def _v8_rollback(self, tokens: list[str], prompt: str, col0: int) -> list[str]:
        """``rollback configuration last N`` / ``rollback configuration to commit-id ID``."""
        words = [t.lower() for t in tokens]
        if len(words) == 4 and "configuration".startswith(words[1]) and words[2] == "last" \
                and words[3].isdigit():
            error = self.device.rollback(last=int(words[3]))
        elif len(words) == 5 and "configuration".startswith(words[1]) \
                and words[2:4] == ["to", "commit-id"] and words[4].isdigit():
            error = self.device.rollback(to=int(words[4]))
        else:
            return self._unknown(prompt, col0, at_start=True)
        return [error] if error else []
