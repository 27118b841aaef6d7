"""Credentials by reference: the inventory names a credential set, this module resolves it.

A credential set ``campus`` is looked up, in order, in the environment
(``NETCTL_CRED_CAMPUS_USERNAME``, ``NETCTL_CRED_CAMPUS_PASSWORD``, and for SNMPv3
``NETCTL_CRED_CAMPUS_AUTH_KEY`` / ``..._PRIV_KEY`` …) and in the secrets file
(``NETCTL_SECRETS``, default ``~/.config/netctl/secrets.yaml``)::

    credentials:
      campus: {username: netops, password: "..."}
      snmpv3-default: {username: netctl, auth_protocol: SHA, auth_key: "...",
                       priv_protocol: AES, priv_key: "..."}

The secrets file must not be readable by others and must not sit inside a git work tree. Every
value is kept as the string written (``007``, ``~``, ``1e3`` are never turned into numbers or
null): YAML's type guessing would change a password.
Secrets are never logged: :class:`Credential` hides them from ``repr``.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from netctl.exceptions import SecretsError

_BaseLoader: type[Any] = getattr(yaml, "CBaseLoader", yaml.BaseLoader)


class _StringLoader(_BaseLoader):  # type: ignore[misc]
    """YAML with every scalar a string (``007``, ``~``, ``1e3``, ``yes`` stay as written) and
    duplicate keys refused."""


def _mapping(loader: Any, node: yaml.MappingNode) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be a plain name", key_node.start_mark)
        if key in out:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key '{key}'", key_node.start_mark)
        out[key] = loader.construct_object(value_node, deep=True)
    return out


_StringLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def read_secrets_yaml(path: Path) -> Any:
    """Parse a secrets file keeping every value a string, exactly as written.

    A YAML error names the file and line only: its message never quotes the file (a secret).

    Examples:
        >>> import tempfile
        >>> with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        ...     _ = f.write("a: 007\\nb: ~\\nc: 1e3\\nd: yes\\ne: '0x1F'\\n")
        >>> read_secrets_yaml(Path(f.name))
        {'a': '007', 'b': '~', 'c': '1e3', 'd': 'yes', 'e': '0x1F'}
    """
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        msg = f"{path}: not UTF-8 text"
        raise SecretsError(msg) from exc
    try:
        return yaml.load(text, Loader=_StringLoader)  # noqa: S506 - BaseLoader builds str only
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        msg = f"{where}: not valid YAML ({exc.problem or 'syntax error'}); fix that line"
        raise SecretsError(msg) from None
    except yaml.YAMLError:
        msg = f"{path}: not valid YAML"
        raise SecretsError(msg) from None


@dataclass(frozen=True, slots=True)
class Credential:
    """One resolved credential set. Secret fields are excluded from ``repr``."""

    name: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    auth_protocol: str | None = None
    auth_key: str | None = field(default=None, repr=False)
    priv_protocol: str | None = None
    priv_key: str | None = field(default=None, repr=False)
    community: str | None = field(default=None, repr=False)
    key_file: str | None = None  # SSH private key (a path outside the repository)


_FIELDS = (
    "key_file",
    "username",
    "password",
    "auth_protocol",
    "auth_key",
    "priv_protocol",
    "priv_key",
    "community",
)


class Secrets:
    """Resolves credential references from the environment and the secrets file."""

    def __init__(self, file: Path | None = None, env: dict[str, str] | None = None) -> None:
        self._env = dict(os.environ) if env is None else env
        self._file = file
        self._loaded: dict[str, dict[str, str]] | None = None

    def _file_sets(self) -> dict[str, dict[str, str]]:
        if self._loaded is not None:
            return self._loaded
        self._loaded = {}
        if self._file is None or not self._file.is_file():
            return self._loaded
        check_secrets_file(self._file)
        data = read_secrets_yaml(self._file) or {}
        sets = data.get("credentials", {}) if isinstance(data, dict) else {}
        if not isinstance(sets, dict):
            msg = f"{self._file}: 'credentials' must map names to credential sets"
            raise SecretsError(msg)
        for name, values in sets.items():
            if not isinstance(values, dict) or set(values) - set(_FIELDS):
                msg = (
                    f"{self._file}: credentials.{name}: expected a mapping with keys "
                    f"among {', '.join(_FIELDS)}"
                )
                raise SecretsError(msg)
            nested = [k for k, v in values.items() if not isinstance(v, str)]
            if nested:
                msg = (f"{self._file}: credentials.{name}.{nested[0]}: expected one value "
                       "(quote it), found a list or mapping")
                raise SecretsError(msg)
            self._loaded[str(name)] = {k: v for k, v in values.items() if v != ""}
        return self._loaded

    def get(self, name: str) -> Credential | None:
        """The credential set ``name``, or None when neither source has it."""
        prefix = "NETCTL_CRED_" + re.sub(r"[^A-Z0-9]", "_", name.upper()) + "_"
        values = dict(self._file_sets().get(name, {}))
        for key in _FIELDS:
            env_value = self._env.get(prefix + key.upper())
            if env_value is not None:
                values[key] = env_value
        if not values:
            return None
        return Credential(name=name, **values)

    def require(self, name: str) -> Credential:
        """Like :meth:`get`, but raise a clear error naming both places to put it."""
        cred = self.get(name)
        if cred is None:
            env = "NETCTL_CRED_" + re.sub(r"[^A-Z0-9]", "_", name.upper())
            msg = (
                f"credential set '{name}' not found: set {env}_USERNAME and {env}_PASSWORD, "
                f"or add it under 'credentials:' in {self._file}"
            )
            raise SecretsError(msg)
        return cred


def check_secrets_file(path: Path) -> None:
    """Refuse a secrets file that others can read or that sits inside a git work tree."""
    mode = path.stat().st_mode
    if mode & (stat.S_IRGRP | stat.S_IROTH | stat.S_IWGRP | stat.S_IWOTH):
        msg = f"{path} is readable by others: run 'chmod 600 {path}'"
        raise SecretsError(msg)
    for parent in path.resolve().parents:
        if (parent / ".git").exists():
            msg = (
                f"{path} is inside the git work tree {parent}: keep secrets outside the "
                "repository (default ~/.config/netctl/secrets.yaml)"
            )
            raise SecretsError(msg)
