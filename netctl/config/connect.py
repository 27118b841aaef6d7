"""SSH sessions to devices through netmiko, with the platform behaviours a push must handle.

Measured on stateful emulators (docs/emulator.md) and confirmed in netmiko's code:

- ``huawei`` and ``ruijie_os`` check config mode by waiting for 2 s of silence; a 10-line push
  costs ~8 s and Huawei's disconnect 2 s more. :class:`HuaweiSSH` and :class:`RuijieSSH` check
  against the prompt instead (the ``cisco_ios`` driver's method), which brings a push under 0.5 s.
- ``hp_comware`` turns command echo verification off: lines then wait ~2 s each with an
  ``error_pattern`` and output may come back empty; netctl sets ``global_cmd_verify=True``.
- Huawei ``save`` asks ``[Y/N]``: answered ``y``. Comware saves with ``save force``.
- VRP V8 (OS families ``vrp8-*``: CloudEngine, NetEngine) is two-stage: lines go to a candidate
  configuration that only ``commit`` applies; leaving system view with uncommitted changes asks
  ``[Y(yes)/N(no)/C(cancel)]``. :class:`HuaweiV8SSH` (netmiko ``huawei_vrpv8``, prompt-based
  mode check) answers ``N`` there (netctl commits explicitly, so anything left uncommitted is
  what a failed push must not apply), and :func:`send_lines` sends ``commit`` after the last line.
"""

from __future__ import annotations

import re
import select
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netmiko import BaseConnection, ConnectHandler
from netmiko.base_connection import BaseConnection as _Base
from netmiko.huawei.huawei import HuaweiSSH as _HuaweiSSH
from netmiko.huawei.huawei import HuaweiVrpv8SSH as _HuaweiV8SSH
from netmiko.ruijie.ruijie_os import RuijieOSSSH as _RuijieSSH

from netctl.config.hostkeys import KnownHosts, host_id
from netctl.config.placeholders import SecretRef, fill, split_prompts
from netctl.exceptions import NetctlError
from netctl.platforms import Platform


class HuaweiSSH(_HuaweiSSH):
    """netmiko's Huawei driver, checking config mode by prompt rather than by 2 s of silence."""

    def check_config_mode(self, check_string: str = "]", pattern: str = r"[>\]]",
                          force_regex: bool = False) -> bool:
        """``[name...]`` is config mode, ``<name>`` is not."""
        del force_regex
        return bool(_Base.check_config_mode(self, check_string=check_string, pattern=pattern))


_V8_EXIT_QUESTION = re.compile(r"\[Y\(yes\)/N\(no\)/C\(cancel\)\]|\[Y/N/C\]")


class HuaweiV8SSH(_HuaweiV8SSH):
    """netmiko's VRP V8 driver with the prompt-based mode check of :class:`HuaweiSSH`.

    ``[~N]`` / ``[*N]`` (uncommitted changes) are config mode. Leaving system view answers the
    ``Uncommitted configurations found … [Y(yes)/N(no)/C(cancel)]`` question with ``n``.
    """

    def check_config_mode(self, check_string: str = "]", pattern: str = r"[>\]]",
                          force_regex: bool = False) -> bool:
        """``[~name…]`` / ``[*name…]`` is config mode, ``<name>`` is not."""
        del force_regex
        return bool(_Base.check_config_mode(self, check_string=check_string, pattern=pattern))

    def exit_config_mode(self, exit_config: str = "return", pattern: str = r">") -> str:
        """``return`` to user view, discarding (``n``) whatever was not committed."""
        del pattern
        if not self.check_config_mode():
            return ""
        self.write_channel(self.normalize_cmd(exit_config))
        output = str(self.read_until_pattern(pattern=rf">|{_V8_EXIT_QUESTION.pattern}"))
        if _V8_EXIT_QUESTION.search(output):
            self.write_channel(self.normalize_cmd("n"))
            output += str(self.read_until_pattern(pattern=r">"))
        return output


class RuijieSSH(_RuijieSSH):
    """netmiko's Ruijie driver, checking config mode by prompt rather than by 2 s of silence."""

    def check_config_mode(self, check_string: str = ")#", pattern: str = r"[>#]",
                          force_regex: bool = False) -> bool:
        """``name(config...)#`` is config mode."""
        del force_regex
        return bool(_Base.check_config_mode(self, check_string=check_string, pattern=pattern))


_CLASSES: dict[Platform, type[BaseConnection] | None] = {
    Platform.HUAWEI_VRP: HuaweiSSH,
    Platform.RUIJIE_OS: RuijieSSH,
}
_EXTRAS: dict[Platform, dict[str, Any]] = {Platform.HP_COMWARE: {"global_cmd_verify": True}}

SHOW_RUNNING: dict[Platform, str] = {
    Platform.HUAWEI_VRP: "display current-configuration",
    Platform.HP_COMWARE: "display current-configuration",
    Platform.RUIJIE_OS: "show running-config",
    Platform.CISCO_IOS: "show running-config",
    Platform.FRR: "show running-config",
}

ERROR_PATTERN: dict[Platform, str] = {
    Platform.HUAWEI_VRP: r"(?m)^\s*Error:",
    Platform.HP_COMWARE: r"(?m)^\s*% (Unrecognized|Incomplete|Too many|Wrong|The user is)",
    Platform.RUIJIE_OS: r"(?m)^\s*% (Invalid|Incomplete|Ambiguous|Unknown)",
    Platform.CISCO_IOS: r"(?m)^\s*% (Invalid|Incomplete|Ambiguous|Can't delete)",
    Platform.FRR: r"(?m)^\s*% (Unknown command|Command incomplete|Ambiguous|Invalid)",
}
"""What a device prints when it rejects a line."""

_PASSWORD = re.compile(r"(?i)(password|key)[^\n:]*:\s*$")
_QUESTION = re.compile(r"(?i)(\[Y/N\]|\(y/n\)|\[yes/no\])[^\n]*:?\s*$")
_EXPECT = r"(?:[\]#>]\s*$|\[Y/N\][^\n]*$|\(y/n\)[^\n]*$|(?i:password|key)[^\n:]*:\s*$)"


class LineRejectedError(NetctlError):
    """The device refused a line of the push."""

    def __init__(self, line: str, output: str) -> None:
        self.line = line
        self.output = output
        reason = next((s.strip() for s in output.splitlines() if s.strip().startswith(
            ("Error", "%"))), output.strip()[-200:])
        super().__init__(f"rejected '{line}': {reason}")


@dataclass(frozen=True)
class Target:
    """Where and how to log in to a device."""

    host: str
    port: int = 22
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    key_file: Path | None = None
    secret: str | None = field(default=None, repr=False)  # enable secret


def two_stage(platform: Platform, family: str) -> bool:
    """Whether a device of ``platform`` and OS ``family`` needs ``commit`` (VRP V8)."""
    return platform is Platform.HUAWEI_VRP and family.startswith("vrp8")


def connect(platform: Platform, target: Target, *, timeout: float = 30.0,
            host_keys: KnownHosts | None = None, device: str = "",
            family: str = "default") -> BaseConnection:
    """Open an SSH session with netctl's driver for the platform (and OS family: VRP V8 uses
    :class:`HuaweiV8SSH`).

    With ``host_keys`` the device's host key is checked against netctl's known_hosts before
    authentication (:mod:`netctl.config.hostkeys`): unknown → recorded (TOFU) or refused
    (strict), changed → :class:`~netctl.config.hostkeys.HostKeyChangedError`.
    """
    params: dict[str, Any] = {
        "device_type": platform.netmiko, "host": target.host, "port": target.port,
        "username": target.username or "", "password": target.password or "",
        "conn_timeout": timeout, "auth_timeout": timeout, "banner_timeout": timeout,
        "read_timeout_override": None, "fast_cli": True, **_EXTRAS.get(platform, {}),
    }
    if target.key_file is not None:
        params.update(use_keys=True, key_file=str(target.key_file), allow_agent=False)
    if target.secret:
        params["secret"] = target.secret
    del params["read_timeout_override"]
    cls = HuaweiV8SSH if two_stage(platform, family) else _CLASSES.get(platform)
    if host_keys is None:
        return _open(cls, params)
    return _open_verified(cls, params, host_keys, device or target.host)


def _open(cls: type[BaseConnection] | None, params: dict[str, Any]) -> BaseConnection:
    if cls is None:
        return ConnectHandler(**params)
    params.pop("device_type")
    return cls(**params)


def _open_verified(cls: type[BaseConnection] | None, params: dict[str, Any],
                   host_keys: KnownHosts, device: str) -> BaseConnection:
    """netmiko with netctl's known_hosts and policy (``auto_connect=False``, then its
    ``_open``: the host key is checked in the key exchange, before any password is sent)."""
    import paramiko  # type: ignore[import-untyped]

    conn = _open(cls, {**params, "auto_connect": False})
    host_keys.configure(conn, device)
    try:
        conn._open()  # netmiko's split of __init__ and connect (private, stable since 2.x)
    except BaseException as exc:
        _cleanup(conn)
        cause: BaseException | None = exc
        for _ in range(5):  # netmiko re-raises paramiko's error as its own: look in the chain
            if cause is None or isinstance(cause, paramiko.BadHostKeyException):
                break
            cause = cause.__cause__ or cause.__context__
        if isinstance(cause, paramiko.BadHostKeyException):
            hid = host_id(str(params["host"]), int(params["port"]))
            raise host_keys.changed(cause, device, hid) from None
        raise
    return conn


def _cleanup(conn: BaseConnection) -> None:
    """What netmiko's ``__init__`` does when its own connect fails."""
    import contextlib
    import logging

    with contextlib.suppress(Exception):
        conn.paramiko_cleanup()
    with contextlib.suppress(Exception):
        logging.getLogger("netmiko").removeFilter(conn._secrets_filter)


def show_running(conn: BaseConnection, platform: Platform) -> str:
    """The running configuration as the device prints it."""
    if platform in (Platform.RUIJIE_OS, Platform.CISCO_IOS) and not conn.check_enable_mode():
        conn.enable()
    out = conn.send_command(SHOW_RUNNING[platform], read_timeout=120)
    return str(out)


def send_lines(conn: BaseConnection, platform: Platform, lines: list[str],
               resolve: Callable[[SecretRef], str], *, read_timeout: float = 30.0,
               commit: bool = False) -> str:
    """Send config lines, filling secrets at the last moment; stop at the first rejected line.

    ``commit`` (VRP V8): send ``commit`` after the last line; a refused commit raises
    :class:`LineRejectedError` for ``commit``, and leaving config mode discards the candidate.

    Each line waits for the next prompt, a ``[Y/N]`` question (answered ``y``: the template
    asked for that command) or a password prompt (answered with the line's ``<prompt:…>``
    secret, twice when the device asks to confirm). Output is returned with every secret
    replaced by ``******``.
    """
    if platform in (Platform.RUIJIE_OS, Platform.CISCO_IOS) and not conn.check_enable_mode():
        conn.enable()
    error = re.compile(ERROR_PATTERN[platform])
    secrets: list[str] = []

    def remember(ref: SecretRef) -> str:
        value = resolve(ref)
        secrets.append(value)
        return value

    def send(text: str, *, verify: bool) -> str:
        return exchange(conn, text, echo=verify, read_timeout=read_timeout)

    output = str(conn.config_mode())
    try:
        for line in lines:
            command, prompts = split_prompts(fill(line, remember))
            out = send(command, verify=True)
            answers = [remember(ref) for ref in prompts]
            for _ in range(6):  # bounded: a question, then a secret and its confirmation
                last = out.rstrip().splitlines()[-1] if out.strip() else ""
                if _QUESTION.search(last):
                    out += send("y", verify=False)
                elif _PASSWORD.search(last) and answers:
                    out += send(answers[0], verify=False)
                    if not _PASSWORD.search(out.rstrip().splitlines()[-1]):
                        answers.pop(0)
                else:
                    break
            output += out
            if error.search(out):
                raise LineRejectedError(_mask(line, secrets), _mask(out, secrets))
        if commit:
            out = send("commit", verify=True)
            output += out
            if error.search(out) or "Failed to generate committed config" in out:
                raise LineRejectedError("commit", _mask(out, secrets))
    finally:
        output += str(conn.exit_config_mode())
    return _mask(output, secrets)


_EXPECT_RX = re.compile(_EXPECT)


def exchange(conn: BaseConnection, text: str, *, echo: bool, read_timeout: float) -> str:
    """Type one line and read until the next prompt, question or password prompt.

    What ``send_command(expect_string=…)`` does, without its fixed sleeps (one of 25 ms per
    line, then 10 ms polls): the reader waits on the SSH channel (``select``) and reads only
    when data has arrived, so a line costs one round trip. With ``echo``, the end pattern is
    only looked for after the device has echoed the line, so the previous prompt can never end
    the read.
    """
    conn.write_channel(conn.normalize_cmd(text))
    channel: Any = getattr(conn.remote_conn, "fileno", None) and conn.remote_conn
    wanted = text.strip()
    deadline = time.monotonic() + read_timeout
    buf = _take_buffer(conn)
    start = 0  # where the end pattern is searched from (after the echo)
    echoed = not echo or not wanted
    while True:
        if channel is None or channel.recv_ready():
            buf += _read(conn, channel) if channel is not None else conn.read_channel()
        if not echoed:
            at = buf.find(wanted)
            if at >= 0:
                echoed = True
                start = at + len(wanted)
        if echoed and _EXPECT_RX.search(buf, start):
            return buf
        left = deadline - time.monotonic()
        if left <= 0:
            msg = (f"no prompt within {read_timeout:g} s after '{wanted[:80]}'; "
                   f"last output: {buf[-200:]!r}")
            raise ReadTimeoutError(msg)
        if channel is not None:
            select.select([channel], [], [], min(left, 0.5))
        else:  # pragma: no cover - every session netctl opens is SSH
            time.sleep(0.005)


def _take_buffer(conn: BaseConnection) -> str:
    """What netmiko read ahead and kept (``_read_buffer``), now ours."""
    kept = str(getattr(conn, "_read_buffer", "") or "")
    if kept:
        conn._read_buffer = ""
    return kept


def _read(conn: BaseConnection, channel: Any) -> str:
    """netmiko's ``read_channel`` for a channel that has data, minus its no-op work.

    The same clean-up, in the same order: line feeds normalised (a chunk ending in ``\r``
    waits up to 1 s for its ``\n``, as netmiko does), then ANSI escape sequences stripped with
    the driver's own method (Huawei's cursor-left codes included) — but each only when the
    chunk holds a ``\r`` or an ESC: netmiko runs ~40 regular expressions over every chunk,
    most of them empty reads, and that was a fifth of a push's CPU. Session logs still get
    every byte.
    """
    data = str(conn.channel.read_channel())
    if "\r" in data and not conn.disable_lf_normalization:
        until = time.monotonic() + 1.0
        while "\n" in data and data.endswith("\r") and time.monotonic() < until:
            select.select([channel], [], [], 0.01)
            data += str(conn.channel.read_channel())
        data = conn.normalize_linefeeds(data)
    if "\x1b" in data and conn.ansi_escape_codes:
        data = conn.strip_ansi_escape_codes(data)
    if conn.session_log:
        conn.session_log.write(data)
    return data


class ReadTimeoutError(NetctlError):
    """The device did not answer a line in time."""


def _mask(text: str, secrets: list[str]) -> str:
    for value in secrets:
        if value:
            text = text.replace(value, "******")
    return text


def save(conn: BaseConnection, platform: Platform) -> str:
    """Save the running configuration, answering the platform's questions."""
    if platform is Platform.HUAWEI_VRP:
        return str(conn.save_config(cmd="save", confirm=True, confirm_response="y"))
    if platform is Platform.HP_COMWARE:
        return str(conn.save_config(cmd="save force", confirm=False))
    if platform is Platform.RUIJIE_OS:
        return str(conn.save_config(cmd="write", confirm=False))
    return str(conn.send_command("write memory", read_timeout=60))
