"""What a session does outside configuration views: saving, ``display``/``show``, IOS exec mode
and entering configuration mode, plus the error texts every view shares.

Mixed into :class:`~netctl.testing.emulator.session.Session` (which owns modes, prompts and the
configuration views); the attributes are set by ``Session.__init__``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from netctl.testing.emulator.display import apply_filter, render_config, render_section
from netctl.testing.emulator.tree import ConfigNode
from netctl.testing.emulator.two_stage import Question, TwoStage

_FILTER_OPS = ("include", "exclude", "begin", "section")


@dataclass(slots=True)
class Frame:
    """One level of the mode stack; ``node`` is the section a config sub-view edits."""

    kind: str
    node: ConfigNode | None = None
    suffix: str = ""


def _pick(token: str, choices: tuple[str, ...]) -> str | None:
    """The command word ``token`` abbreviates (exact first, then the first prefix match)."""
    low = token.lower()
    if low in choices:
        return low
    for choice in choices:
        if choice.startswith(low) and len(low) >= 2:
            return choice
    return None


def _now(ts: float | None = None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts))


class ExecView(TwoStage):
    """Commands outside configuration views, and the shared error texts."""

    closed: bool
    two_stage: bool
    candidate: ConfigNode | None
    dirty: bool
    vrp: bool

    def in_config(self) -> bool:
        """Whether the session is in system view / config mode or below."""
        return len(self.stack) > 1 and any(f.kind == "top" for f in self.stack)

    # -------------------------------------------------------------------------------- errors
    def _error(self, prompt: str, col: int, message: str) -> list[str]:
        if self.profile.caret and "^" in message:
            return [" " * (len(prompt) + col) + "^", message]
        return [message]

    def _unknown(self, prompt: str, col: int, at_start: bool = True) -> list[str]:
        msg = self.profile.error_unknown if at_start else self.profile.error_param
        return self._error(prompt, col, msg)

    def _incomplete(self, prompt: str, col: int) -> list[str]:
        return self._error(prompt, col, self.profile.error_incomplete)

    def _vrp_save(self, tokens: list[str], prompt: str, col0: int) -> list[str]:
        dev = self.device
        if self.profile.platform == "huawei_vrp":
            if len(tokens) > 1:
                return self._unknown(prompt, col0 + len(tokens[0]) + 1, at_start=False)
            question = (
                "Warning: The current configuration will be written to the device. "
                "Are you sure to continue?[Y/N]:"
            )

            def huawei_answer(ans: str) -> list[str]:
                if ans.lower() in ("y", "yes"):
                    dev.save()
                    return [
                        "Now saving the current configuration to the slot 0.",
                        "Info: Save the configuration successfully.",
                    ]
                if ans.lower() in ("n", "no"):
                    return []
                self.pending = Question(question, huawei_answer)
                return []

            self.pending = Question(question, huawei_answer)
            return []
        done = [
            "Validating file. Please wait...",
            "Saved the current configuration to mainboard device successfully.",
        ]
        if len(tokens) == 2 and "force".startswith(tokens[1].lower()):
            dev.save()
            return done
        if len(tokens) > 1:
            return self._unknown(prompt, col0 + len(tokens[0]) + 1, at_start=False)

        def overwrite(ans: str) -> list[str]:
            if ans.lower() in ("y", "yes"):
                dev.save()
                return done
            return []

        def filename(ans: str) -> list[str]:
            self.pending = Question("flash:/startup.cfg exists, overwrite? [Y/N]:", overwrite)
            return []

        def sure(ans: str) -> list[str]:
            if ans.lower() in ("y", "yes"):
                self.pending = Question(
                    "Please input the file name(*.cfg)[flash:/startup.cfg]\n"
                    "(To leave the existing filename unchanged, press the enter key):",
                    filename,
                )
            return []

        self.pending = Question(
            "The current configuration will be written to the device. Are you sure? [Y/N]:", sure
        )
        return []

    def _display(self, tokens: list[str], text: str, prompt: str, col0: int) -> list[str]:
        """``display …`` (Huawei/H3C) and ``show …`` (Cisco/Ruijie), with ``| filter``."""
        main, _, filt = text.partition(" | ")
        key = " ".join(main.split())
        canned = self._canned(key)
        if canned is None:
            words = main.split()
            if len(words) < 2:
                return self._incomplete(prompt, col0 + len(main))
            sub = words[1].lower()
            col = col0 + main.index(words[1])
            privileged = self.vrp or self.stack[0].kind == "priv"
            running = "current-configuration" if self.vrp else "running-config"
            if running.startswith(sub) and len(sub) >= 2:
                if not privileged:
                    return self._unknown(prompt, col, at_start=False)
                canned = render_config(self.profile, self.device.running)
            elif "saved-configuration".startswith(sub) and self.vrp and len(sub) >= 2:
                canned = render_config(self.profile, self.device.startup)
            elif "startup-config".startswith(sub) and not self.vrp and len(sub) >= 2:
                if not privileged:
                    return self._unknown(prompt, col, at_start=False)
                canned = render_config(self.profile, self.device.startup)
            elif sub == "this" and self.vrp:
                node = self.stack[-1].node
                if node is None:
                    canned = render_config(self.profile, self._root())
                else:
                    canned = render_section(self.profile, node)
            elif self.two_stage and "configuration".startswith(sub) and len(words) > 2:
                shown = self._v8_display(words[2:])
                if shown is None:
                    return self._unknown(prompt, col0 + main.index(words[2]), at_start=False)
                canned = shown
            elif "version".startswith(sub) and len(sub) >= 2:
                canned = self._version()
            else:
                return self._unknown(prompt, col, at_start=False)
        if filt:
            op_word, _, pattern = filt.strip().partition(" ")
            op = _pick(op_word, _FILTER_OPS)
            if op is None or not pattern:
                return self._unknown(prompt, col0 + text.index(filt), at_start=False)
            canned = apply_filter(canned, op, pattern.strip())
        return [canned.rstrip("\n")] if canned.strip() else []

    def _canned(self, key: str) -> str | None:
        outputs = self.device.outputs
        if key in outputs:
            return outputs[key]
        return None

    def _version(self) -> str:
        days, hours, mins, secs = self.device.uptime()
        if self.profile.platform == "cisco_ios":
            uptime = f"{days} days, {hours} hours, {mins} minutes"
        else:
            uptime = f"{days // 7} weeks, {days % 7} days, {hours} hours, {mins} minutes"
        return self.profile.version.format(
            name=self.device.hostname,
            uptime=uptime,
            uptime_ruijie=f"{days}:{hours:02d}:{mins:02d}:{secs:02d}",
            started=_now(self.device.started),
        )

    # --------------------------------------------------------------------- Cisco and Ruijie
    def _ios_exec(self, tokens: list[str], text: str, prompt: str, col0: int) -> list[str]:
        priv = self.stack[-1].kind == "priv" or self.in_config()
        choices: tuple[str, ...] = ("show", "terminal", "enable", "disable", "exit", "logout")
        choices += ("quit",)
        if priv:
            choices = (
                "show",
                "configure",
                "copy",
                "write",
                "terminal",
                "enable",
                "disable",
                "exit",
                "logout",
                "quit",
            )
        word = _pick(tokens[0], choices)
        if word == "show":
            return self._display(tokens, text, prompt, col0)
        if word == "terminal":
            return []
        if word in ("exit", "logout", "quit"):
            self.closed = True
            return []
        if word == "disable":
            self.stack[0] = Frame("exec")
            return []
        if word == "enable":
            return self._enable()
        if word == "configure":
            if len(tokens) == 1:
                if self.profile.platform == "cisco_ios":

                    def where(ans: str) -> list[str]:
                        if ans == "" or "terminal".startswith(ans.lower()):
                            return self._enter_config()
                        return ['?Must be "terminal", "memory" or "network"']

                    self.pending = Question(
                        "Configuring from terminal, memory, or network [terminal]? ", where
                    )
                    return []
                return self._enter_config()
            if "terminal".startswith(tokens[1].lower()):
                return self._enter_config()
            return self._unknown(prompt, col0 + text.index(tokens[1]), at_start=False)
        if word == "write":
            if len(tokens) == 1 or "memory".startswith(tokens[1].lower()):
                self.device.save()
                return ["Building configuration...", "[OK]"]
            return self._unknown(prompt, col0 + text.index(tokens[1]), at_start=False)
        if word == "copy":
            if (
                len(tokens) == 3
                and "running-config".startswith(tokens[1].lower())
                and "startup-config".startswith(tokens[2].lower())
            ):

                def destination(ans: str) -> list[str]:
                    if ans == "" or "startup-config".startswith(ans.lower()):
                        self.device.save()
                        return ["Building configuration...", "[OK]"]
                    return ["%Error opening " + ans + " (Permission denied)"]

                self.pending = Question("Destination filename [startup-config]? ", destination)
                return []
            col = col0 + (text.index(tokens[1]) if len(tokens) > 1 else len(text))
            return self._unknown(prompt, col, at_start=False)
        return self._unknown(prompt, col0)

    def _enter_config(self) -> list[str]:
        self.stack[0] = Frame("priv")
        del self.stack[1:]
        self.stack.append(Frame("top"))
        return [self.profile.enter_config]

    def _enable(self) -> list[str]:
        if self.stack[-1].kind != "exec":
            return []
        secret = self.device.enable_secret
        if not secret:
            self.stack[0] = Frame("priv")
            return []
        tries = [0]

        def check(ans: str) -> list[str]:
            if ans == secret:
                self.stack[0] = Frame("priv")
                return []
            tries[0] += 1
            if tries[0] >= 3:
                return ["% Bad secrets", ""]
            self.pending = Question("Password: ", check, secret=True)
            return []

        self.pending = Question("Password: ", check, secret=True)
        return []

    def _root(self) -> ConfigNode:
        """The tree config lines change: the candidate (VRP V8 in system view), else running."""
        if self.two_stage and self.candidate is not None and self.in_config():
            return self.candidate
        return self.device.running
