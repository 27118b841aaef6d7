r"""One CLI session on an emulated device: modes, prompts, commands, questions, errors.

Sans-I/O: :meth:`Session.feed` takes one typed line and returns the text the device prints
after the echo (output lines, then the next prompt or question). The SSH layer does the echo.

Examples:
    >>> from netctl.testing.emulator.device import Device
    >>> s = Session(Device("R1", "huawei_vrp"))
    >>> s.prompt()
    '<R1>'
    >>> s.feed("system-view").text.splitlines()[-1]
    '[R1]'
    >>> s.feed("interface vlanif 10").text
    '[R1-Vlanif10]'
    >>> print(s.feed("foo bar").text.replace("\r", ""))
                 ^
    Error: Unrecognized command found at '^' position.
    [R1-Vlanif10]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from netctl.testing.emulator.device import Device
from netctl.testing.emulator.exec_view import ExecView, Frame, _now, _pick
from netctl.testing.emulator.grammar import ANY_WORD
from netctl.testing.emulator.normalize import display_form
from netctl.testing.emulator.tree import ConfigNode
from netctl.testing.emulator.two_stage import Question
from netctl.testing.emulator.vendors import ConfigQuestion

CTRL_Z = "\x1a"


@dataclass(frozen=True, slots=True)
class Reply:
    """What the device prints after a line; ``close`` ends the session."""

    text: str
    close: bool = False


_SHARED_WORDS = frozenset({"vlan"})


class Session(ExecView):
    """The mode stack and pending question of one login."""

    def __init__(self, device: Device) -> None:
        self.device = device
        self.profile = device.profile
        self.vrp = self.profile.family == "vrp"
        self.stack: list[Frame] = [Frame("user" if self.vrp else "exec")]
        self.pending: Question | None = None
        self.closed = False
        self._generation = device.generation
        self.two_stage = self.profile.two_stage
        self.candidate: ConfigNode | None = None
        """VRP V8: this session's candidate configuration while in system view."""
        self.dirty = False
        """VRP V8: the candidate differs from the running configuration (prompt ``[*N]``)."""

    # ------------------------------------------------------------------------------ prompts
    def prompt(self) -> str:
        """The prompt for the current mode."""
        name = self.device.hostname
        frame = self.stack[-1]
        if self.vrp:
            if frame.kind == "user":
                return f"<{name}>"
            if self.two_stage:
                name = ("*" if self.dirty else "~") + name
            return f"[{name}]" if frame.kind == "top" else f"[{name}-{frame.suffix}]"
        if frame.kind == "exec":
            return f"{name}>"
        if frame.kind == "priv":
            return f"{name}#"
        return f"{name}(config)#" if frame.kind == "top" else f"{name}({frame.suffix})#"

    def greeting(self) -> str:
        """What the device prints right after login."""
        now = _now()
        lines = [line.format(now=now) for line in self.profile.banner]
        return "".join(line + "\r\n" for line in lines) + self.prompt()

    @property
    def secret(self) -> bool:
        """True while a password is being typed (the SSH layer must not echo it)."""
        return self.pending is not None and self.pending.secret

    # ------------------------------------------------------------------------------ feeding
    def feed(self, line: str) -> Reply:
        """Process one typed line (without its line terminator)."""
        with self.device.lock:
            if self._generation != self.device.generation:
                self._generation = self.device.generation
                self.stack = [f for f in self.stack if f.kind in ("user", "exec", "priv")]
                self.candidate, self.dirty = None, False
            self.device.history.append(line)
            prompt = self.prompt()
            if self.pending is not None:
                question, self.pending = self.pending, None
                out = question.answer(line if question.raw else line.strip())
            else:
                out = self._dispatch(line, prompt)
            if self.two_stage and self.candidate is not None:
                self.dirty = self.candidate.lines() != self.device.running.lines()
            text = "".join(part + "\r\n" for chunk in out for part in chunk.split("\n"))
            if self.closed:
                return Reply(text, close=True)
            trailer = self.pending.prompt.replace("\n", "\r\n") if self.pending else self.prompt()
            return Reply(text + trailer)

    def _dispatch(self, line: str, prompt: str) -> list[str]:
        stripped = line.strip()
        if stripped.endswith(CTRL_Z):
            return self._leave_config()
        if not stripped:
            return []
        col0 = len(line) - len(line.lstrip())
        tokens = stripped.split()
        kind = self.stack[-1].kind
        if self.vrp:
            if kind == "user":
                return self._vrp_user(tokens, stripped, prompt, col0)
            return self._vrp_config(tokens, stripped, prompt, col0)
        if kind in ("exec", "priv"):
            return self._ios_exec(tokens, stripped, prompt, col0)
        return self._ios_config(tokens, stripped, prompt, col0)

    # ---------------------------------------------------------------------- Huawei and H3C
    def _vrp_user(self, tokens: list[str], text: str, prompt: str, col0: int) -> list[str]:
        word = _pick(
            tokens[0],
            (
                "system-view",
                "display",
                "save",
                "screen-length",
                "screen-width",
                "quit",
                "terminal",
                "undo",
                "language-mode",
                "rollback",
            ),
        )
        if word == "system-view":
            self.stack.append(Frame("top"))
            if self.two_stage:
                self.candidate, self.dirty = self.device.running.copy(), False
            return [self.profile.enter_config]
        if word == "rollback" and self.two_stage:
            return self._v8_rollback(tokens, prompt, col0)
        if word == "display":
            return self._display(tokens, text, prompt, col0)
        if word == "save":
            return self._vrp_save(tokens, prompt, col0)
        if word == "quit":
            self.closed = True
            return []
        if word == "screen-length":
            if self.profile.platform == "huawei_vrp" and "temporary" in tokens:
                return [
                    "Info: The configuration takes effect on the current user terminal "
                    "interface only."
                ]
            return []
        if word in ("screen-width", "terminal", "undo", "language-mode"):
            return []
        return self._unknown(prompt, col0)

    def _vrp_config(self, tokens: list[str], text: str, prompt: str, col0: int) -> list[str]:
        first = tokens[0].lower()
        if first == "quit" and len(tokens) == 1:
            if len(self.stack) == 2:
                return self._leave_config()
            self.stack.pop()
            return []
        if first == "return" and len(tokens) == 1:
            return self._leave_config()
        if self.two_stage:
            v8 = self._v8_config(tokens, text, prompt, col0)
            if v8 is not None:
                return v8
        if len(first) >= 3 and "display".startswith(first):
            return self._display(tokens, text, prompt, col0)
        if first == "save" and len(tokens) <= 2:
            return self._vrp_save(tokens, prompt, col0)
        return self._config_line(text, prompt, col0)

    def _ios_config(self, tokens: list[str], text: str, prompt: str, col0: int) -> list[str]:
        first = tokens[0].lower()
        if first == "exit" and len(tokens) == 1:
            self.stack.pop()
            return []
        if first == "end" and len(tokens) == 1:
            del self.stack[1:]
            return []
        if first == "do" and len(tokens) > 1:
            rest = text[len(tokens[0]) :].lstrip()
            return self._ios_exec(rest.split(), rest, prompt, col0 + text.index(rest))
        if self.profile.show_in_config and _pick(first, ("show",)) == "show":
            return self._display(tokens, text, prompt, col0)
        return self._config_line(text, prompt, col0)

    # ------------------------------------------------------------------------ config lines
    def _config_line(self, text: str, prompt: str, col0: int) -> list[str]:
        body_full = " ".join(text.split())
        for rx in self.device.unsupported_patterns():
            m = rx.search(body_full)
            if m:
                return self._unknown(prompt, col0 + m.start(), at_start=m.start() == 0)
        refused = self._refused(body_full, prompt, col0)
        if refused is not None:
            return refused
        return self._apply_config_line(text, body_full, prompt, col0)

    def _refused(self, body: str, prompt: str, col0: int) -> list[str] | None:
        """The error of the first refusal (``profile.refusals``) matching ``body``."""
        for ref in self.profile.refusals:
            m = ref.match(body, self.device.username)
            if m is None:
                continue
            col = col0 + (m.start("at") if "at" in m.re.groupindex else m.start())
            texts = {
                "unknown": self.profile.error_unknown,
                "param": self.profile.error_param,
                "incomplete": self.profile.error_incomplete,
            }
            if ref.message in texts:
                return self._error(prompt, col, texts[ref.message])
            return [ref.message]
        return None

    def _apply_config_line(self, text: str, body_full: str, prompt: str, col0: int) -> list[str]:
        delimited = self._delimited(body_full, text)
        if delimited is not None:
            return delimited
        neg_prefix = self.profile.negation + " "
        neg = body_full.startswith(neg_prefix)
        body = body_full[len(neg_prefix) :] if neg else body_full
        body_col = col0 + (len(neg_prefix) if neg else 0)
        if neg and not body:
            return self._incomplete(prompt, col0 + len(body_full))
        if body == self.profile.negation:
            return self._incomplete(prompt, col0 + len(body_full))
        top = 1  # stack[0] is user view / exec mode, stack[1] system view / config
        for idx in range(self._opened_by_parent(body), top - 1, -1):
            result = self._try(self.stack[idx], body, neg)
            if result is None:
                continue
            del self.stack[idx + 1 :]
            if isinstance(result, Frame):
                self.stack.append(result)
            return []
        if len(body.split()) == 1:
            for idx in range(len(self.stack) - 1, top - 1, -1):
                for op in self.profile.openers.get(self.stack[idx].kind, ()):
                    if op.regex.fullmatch(body + " 1") or op.regex.fullmatch(body + " x"):
                        return self._incomplete(prompt, body_col + len(body))
        return self._unknown(prompt, body_col)

    def _opened_by_parent(self, body: str) -> int:
        """Where to start looking for ``body``: the innermost view, unless the line opens a
        sibling of a view being edited (``security-profile name B`` typed in ``security-profile
        name A``): the device then leaves for the parent, even where the view takes any line."""
        last = len(self.stack) - 1
        for i in range(last - 1, 0, -1):
            child_kind = self.stack[i + 1].kind
            if any(op.kind == child_kind and op.regex.fullmatch(body)
                   for op in self.profile.openers.get(self.stack[i].kind, ())):
                return i
        return last

    def _delimited(self, body: str, typed: str) -> list[str] | None:
        """``banner login ^C`` … ``^C`` (Cisco, Ruijie) and ``header legal %…%`` (H3C): the
        text runs to the delimiter, possibly over several lines. Cisco and Ruijie display the
        delimiter as ``^C`` whatever was typed."""
        rx = self.profile.delimited
        m = rx.match(body) if rx is not None else None
        if m is None or not m.group(2):
            return None
        cmd, rest = m.group(1), typed.split(None, 2)[2]
        delim = "^C" if rest.startswith("^C") else rest[0]
        after = rest[len(delim) :]
        del self.stack[2:]
        root = self._root()
        shown = "^C" if not self.vrp else delim

        def store(text: str) -> None:
            root.remove_where(lambda c: c.text.startswith(cmd + " "))
            root.children.append(ConfigNode(f"{cmd} {shown}{text}{shown}"))

        if delim in after:
            store(after[: after.index(delim)])
            return []
        collected = [after]

        def more(line: str) -> list[str]:
            if delim in line:
                collected.append(line[: line.index(delim)])
                store("\n".join(collected))
                return []
            collected.append(line)
            self.pending = Question("", more, raw=True)
            return []

        self.pending = Question("", more, raw=True)
        return [self.profile.delimited_prompt.format(d=delim[0])]

    def _node(self, frame: Frame) -> ConfigNode:
        return frame.node if frame.node is not None else self._root()

    def _try(self, frame: Frame, body: str, neg: bool) -> Frame | bool | None:
        """Apply ``body`` in ``frame``: a new Frame when it enters a view, True when applied,
        None when the view does not accept it."""
        node = self._node(frame)
        hidden = self.profile.hidden
        if frame.kind == "top" and hidden is not None and hidden.match(body):
            node = self.device.hidden
        for op in self.profile.openers.get(frame.kind, ()):
            m = op.regex.fullmatch(body)
            if m is None:
                continue
            header = op.canonical(m)
            if neg:
                node.remove_where(lambda c: c.text == header)  # noqa: B023 - called at once
                return True
            child = node.ensure(header, op.kind)
            return Frame(op.kind, child, op.prompt(m, header, frame.suffix))
        lines = self.profile.lines
        pattern = lines.get(frame.kind, self.profile.default_lines)
        if pattern is None:
            if not ANY_WORD.match(body) or self._opens_top(body):
                return None
        elif not pattern.match(body):
            return None
        if not neg and self._ask(frame.kind, node, body):
            return True
        self._apply_line(node, body, neg)
        return True

    def _ask(self, kind: str, node: ConfigNode, body: str) -> bool:
        """Set a pending question if ``body`` asks one before it applies; True if so."""
        knobs = self.device.knobs
        asked: list[ConfigQuestion] = [
            ConfigQuestion(re.compile(rx), frozenset(), text) for rx, text in knobs.questions
        ]
        if knobs.vendor_questions:
            asked += self.profile.questions
        for q in asked:
            if (not q.kinds or kind in q.kinds) and q.pattern.search(body):
                break
        else:
            return False
        if q.asks_for is None:

            def confirm(ans: str) -> list[str]:
                if ans.lower() in ("y", "yes"):
                    self._apply_line(node, body, False)
                return []

            self.pending = Question(q.prompt, confirm)
            return True

        def first(ans: str) -> list[str]:
            def second(again: str) -> list[str]:
                if again != ans:
                    # Approximate text: the vendor's exact message is not sourced.
                    return ["Error: The two passwords are different."]
                self._apply_line(node, f"{body} {ans}", False)
                return []

            self.pending = Question("Confirm Password:", second, secret=True)
            return []

        self.pending = Question(q.prompt + "\nEnter Password:", first, secret=True)
        return True

    def _opens_top(self, body: str) -> bool:
        """Whether a permissive view must hand ``body`` to system view / global config: it
        opens a top-level view, unless its first word is also a sub-view command (``vlan 30``
        in an H3C service template or a Cisco wireless policy profile)."""
        if body.split(" ", 1)[0] in _SHARED_WORDS:
            return False
        return any(op.regex.fullmatch(body) for op in self.profile.openers.get("top", ()))

    def _key(self, text: str) -> tuple[int, str] | None:
        for i, rx in enumerate(self.profile.replace_keys):
            m = rx.match(text)
            if m:
                return i, m.group(1)
        return None

    def _apply_line(self, node: ConfigNode, body: str, neg: bool) -> None:
        if self.device.knobs.normalize:
            body = display_form(self.profile.platform, body)
        neg_text = f"{self.profile.negation} {body}"
        if neg:
            if node.remove_where(lambda c: c.text == body):
                return
            if node.remove_where(lambda c: c.text.startswith(body + " ")):
                return
            key = self._key(body)
            if key is not None and node.remove_where(
                lambda c: not c.is_section and self._key(c.text) == key
            ):
                return
            if self.profile.silent_negations.match(body):
                return
            node.ensure(neg_text)
            return
        node.remove_where(lambda c: c.text == neg_text)
        key = self._key(body)
        if key is not None:
            node.remove_where(
                lambda c: c.text != body and not c.is_section and self._key(c.text) == key
            )
        node.ensure(body)
