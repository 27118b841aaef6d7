"""Rendering: context + ``templates/<platform>/<feature>.j2`` → the lines to type in config mode.

The Jinja2 environment is strict (an undefined variable is an error that names the template file
and line), trims blocks, keeps the trailing newline, and offers netutils' filters plus a few of
its own (``ip6``, ``ip6u``, ``prompt``) and ``fail()``, with which a template refuses what it
cannot render correctly.

:func:`render_device` is the call the backup/diff/push workflow makes; :func:`render_many` is the
per-device-isolated loop the CLI uses.

Examples:
    >>> from ipaddress import IPv6Interface
    >>> ip6u(IPv6Interface("2001:db8:a::1/64"))
    '2001:DB8:A::1/64'
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Iterable
from dataclasses import dataclass
from ipaddress import IPv6Address, IPv6Interface, IPv6Network
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, NoReturn, get_args

import jinja2
import jinja2.runtime
from pydantic import BaseModel

from netctl.config.addressing import AddressSource
from netctl.config.context import ALL_FEATURES, RenderContext, build_context
from netctl.config.placeholders import SecretRef
from netctl.config.policy import POLICY_FILE, Policy, load_policy
from netctl.exceptions import RenderError
from netctl.inventory.index import Inventory
from netctl.models.text import problem_in
from netctl.platforms import Platform

Feature = Literal["ipv6", "wlan", "baseline", "all"]
FEATURES: tuple[str, ...] = get_args(Feature)


class TemplateRefusal(Exception):  # noqa: N818 - raised by fail() inside a template
    """A template called ``fail()``: it cannot render this context correctly."""


def ip6(value: IPv6Address | IPv6Interface | IPv6Network | str) -> str:
    """An IPv6 address, interface or prefix in compressed lower case (FRR, Linux)."""
    return str(value)


def ip6u(value: IPv6Address | IPv6Interface | IPv6Network | str) -> str:
    """The same in upper case, as Huawei, H3C, Cisco and Ruijie display it."""
    return str(value).upper()


def prompt(ref: SecretRef) -> SecretRef:
    """The interactive form of a secret placeholder (the device prompts for it)."""
    return SecretRef(ref.credential, ref.field, prompt=True)


def _fail(message: str) -> NoReturn:
    raise TemplateRefusal(message)


class UnsafeValue(TemplateRefusal):
    """A value printed by a template is not a single printable line."""


class TemplateText(str):
    """The output of a template macro: lines of template text whose values were each checked
    when the macro printed them, so it may span lines."""

    __slots__ = ()


class _Context(jinja2.runtime.Context):
    """Marks what a macro returns as :class:`TemplateText` (every template call goes here)."""

    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - Jinja2's
        rv = super().call(__obj, *args, **kwargs)
        if isinstance(__obj, jinja2.runtime.Macro) and isinstance(rv, str):
            return TemplateText(rv)
        return rv


def one_line(value: Any) -> Any:
    """Jinja2 ``finalize``: every printed value must be a single printable line.

    Only a macro's output (:class:`TemplateText`) spans lines, and each of its lines must be
    printable. A value with a line break would type a second command on the device.
    """
    if value is None or isinstance(value, bool | int | float):
        return value
    text = str(value)
    for line in text.split("\n") if isinstance(value, TemplateText) else (text,):
        problem = problem_in(line)
        if problem is not None:
            shown = repr(text) if len(text) <= 60 else repr(text[:57]) + "..."
            msg = (f"refused: the value {shown} contains {problem}; a value must be one "
                   "printable line (fix it in the inventory or the policy)")
            raise UnsafeValue(msg)
    return value


def check_context(ctx: RenderContext) -> None:
    """Every string a template may read is a single printable line.

    Raises:
        RenderError: naming the device, the context field and what is wrong.
    """
    stack: list[tuple[str, Any]] = [("", ctx)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if not value.isprintable():
                problem = problem_in(value)
                msg = (f"{ctx.hostname}: refused: {path} = {value[:60]!r} contains {problem}; "
                       "a value that reaches the device must be one printable line (fix it in "
                       "the inventory or the policy: netctl inventory validate)")
                raise RenderError(msg)
        elif isinstance(value, BaseModel):
            stack.extend((f"{path}.{k}" if path else k, v) for k, v in value.__dict__.items())
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            stack.extend((f"{path}.{f.name}", getattr(value, f.name))
                         for f in dataclasses.fields(value))
        elif isinstance(value, dict):
            stack.extend((f"{path}.{k}", v) for k, v in value.items())
        elif isinstance(value, list | tuple):
            stack.extend((f"{path}[{i}]", v) for i, v in enumerate(value))


def check_lines(hostname: str, text: str) -> None:
    """Each rendered line must be one command: printable characters only.

    Raises:
        RenderError: naming the device, the line number and what is wrong.
    """
    for number, line in enumerate(text.split("\n"), 1):
        problem = problem_in(line)
        if problem is not None:
            msg = (f"{hostname}: rendered line {number} is not one command: it contains "
                   f"{problem}: {line[:80]!r}; refusing the device")
            raise RenderError(msg)


class _Filters(dict[str, Any]):
    """Jinja's filters, with netutils' convenience filters loaded when a template first names
    one that is not there (importing them all — 33 modules, ruamel.yaml among them — cost
    every render command ~0.07 s and ~3 MB; netctl's own templates use none of them)."""

    _netutils = False

    def _load(self) -> bool:
        if self._netutils:
            return False
        from netutils.utils import jinja2_convenience_function

        for name, func in jinja2_convenience_function().items():
            self.setdefault(name, func)  # Jinja's and netctl's own filters keep their names
        self._netutils = True
        return True

    def __missing__(self, name: str) -> Any:
        if self._load():
            return self[name]
        raise KeyError(name)

    def __contains__(self, name: object) -> bool:
        return super().__contains__(name) or (self._load() and super().__contains__(name))

    def get(self, name: str, default: Any = None) -> Any:
        try:
            return self[name]  # __missing__ loads netutils' filters once
        except KeyError:
            return default


@functools.lru_cache(maxsize=8)
def environment(templates_dir: Path) -> jinja2.Environment:
    """The Jinja2 environment for one templates folder (cached)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # noqa: S701
        finalize=one_line,
    )
    env.context_class = _Context
    env.filters = _Filters({**env.filters, "ip6": ip6, "ip6u": ip6u, "prompt": prompt})
    env.globals["fail"] = _fail
    return env


def template_name(platform: Platform, feature: str) -> str:
    """``<platform>/<feature>.j2``; feature ``all`` is the platform's ``main.j2``."""
    if feature not in FEATURES:
        msg = f"unknown feature '{feature}': choose {', '.join(FEATURES)}"
        raise RenderError(msg)
    return f"{platform.value}/{'main' if feature == 'all' else feature}.j2"


def render(ctx: RenderContext, feature: str, templates_dir: Path) -> str:
    """Render one feature (or ``all``) for a context.

    Raises:
        RenderError: the template is missing, reads an undefined variable, or refuses the
            context; the message names the template file and line.
    """
    name = template_name(ctx.platform, feature)
    env = environment(templates_dir.resolve())
    try:
        template = env.get_template(name)
    except jinja2.TemplateNotFound as exc:
        have = sorted(p.stem for p in (templates_dir / ctx.platform.value).glob("*.j2"))
        msg = (f"{ctx.hostname}: no template {templates_dir / name}"
               f" (platform {ctx.platform.value} has: {', '.join(have) or 'nothing'})")
        raise RenderError(msg) from exc
    except jinja2.TemplateSyntaxError as exc:
        msg = f"{exc.filename or name}:{exc.lineno}: template syntax error: {exc.message}"
        raise RenderError(msg) from exc
    check_context(ctx)
    try:
        text = template.render(ctx=ctx, **dict(ctx))
    except jinja2.UndefinedError as exc:
        where = _location(exc.__traceback__, name)
        msg = f"{where}: {ctx.hostname}: undefined value: {exc.message}"
        raise RenderError(msg) from exc
    except TemplateRefusal as exc:
        where = _location(exc.__traceback__, name)
        msg = f"{where}: {ctx.hostname}: {exc}"
        raise RenderError(msg) from exc
    check_lines(ctx.hostname, text)
    return text if text.endswith("\n") or not text else text + "\n"


def _location(tb: TracebackType | None, fallback: str) -> str:
    """``file:line`` of the innermost template frame of a traceback."""
    where = fallback
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            where = f"{os.path.relpath(filename)}:{tb.tb_lineno}"
        tb = tb.tb_next
    return where


@functools.lru_cache(maxsize=8)
def _policy_cached(path: Path, mtime_ns: int) -> Policy:
    return load_policy(path)


def policy_for(templates_dir: Path) -> Policy:
    """The policy file of a templates folder (re-read when it changes)."""
    path = (templates_dir / POLICY_FILE).resolve()
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError as exc:
        msg = f"{path}: policy file not found"
        raise RenderError(msg) from exc
    return _policy_cached(path, mtime)


def default_templates_dir() -> Path:
    """The templates folder of the current settings (``NETCTL_TEMPLATES`` / ``NETCTL_HOME``)."""
    from netctl.settings import Settings

    return Settings.from_env().templates_dir


def render_device(
    inv: Inventory,
    hostname: str,
    feature: str,
    *,
    templates_dir: Path | None = None,
    policy: Policy | None = None,
    source: AddressSource | None = None,
) -> str:
    """The intended configuration of one feature (or ``all``) of one device.

    ``templates_dir`` defaults to the settings' folder, ``policy`` to its ``policy.yaml`` and
    ``source`` to IPAM. The text holds secret placeholders, never secrets
    (see :mod:`netctl.config.placeholders`).

    Raises:
        RenderError: naming the device and, for template problems, the template file and line.
    """
    folder = templates_dir or default_templates_dir()
    if feature not in FEATURES:
        msg = f"unknown feature '{feature}': choose {', '.join(FEATURES)}"
        raise RenderError(msg)
    wanted = ALL_FEATURES if feature == "all" else frozenset({feature})
    ctx = build_context(inv, hostname, policy or policy_for(folder), source, wanted)
    return render(ctx, feature, folder)


@dataclass(frozen=True, slots=True)
class Rendered:
    """One device's result: the text, why there is none, or why the feature does not apply."""

    hostname: str
    platform: Platform
    text: str | None
    error: str | None = None
    skipped: str | None = None

    @property
    def failed(self) -> bool:
        """True when the device could not be rendered."""
        return self.error is not None


def render_many(
    inv: Inventory,
    hostnames: Iterable[str],
    feature: str,
    *,
    templates_dir: Path | None = None,
    policy: Policy | None = None,
    source: AddressSource | None = None,
) -> list[Rendered]:
    """Render each device on its own: one failure is reported and does not stop the others."""
    folder = templates_dir or default_templates_dir()
    pol = policy or policy_for(folder)
    out = []
    for host in hostnames:
        platform = inv.devices[host].platform
        if not (folder / template_name(platform, feature)).is_file():
            out.append(Rendered(host, platform, None,
                                skipped=f"no {feature} template for {platform.value}"))
            continue
        try:
            text = render_device(inv, host, feature, templates_dir=folder, policy=pol,
                                 source=source)
            out.append(Rendered(host, platform, text))
        except RenderError as exc:
            message = str(exc)
            if host not in message:
                message = f"{host}: {message}"
            out.append(Rendered(host, platform, None, error=message))
    return out


def context_dict(ctx: RenderContext) -> dict[str, Any]:
    """The context as plain JSON-ready data (for ``--show-context`` and debugging)."""
    return ctx.model_dump(mode="json")
