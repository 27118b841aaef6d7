"""Where netctl finds what operators edit, and where it keeps its state.

Each path defaults to a folder of the current directory (``./inventory``, ``./templates``,
``./collectors``, ``./reports``), can be moved as a whole with ``NETCTL_HOME`` and one by one with
``NETCTL_INVENTORY``, ``NETCTL_TEMPLATES``, ``NETCTL_COLLECTORS``, ``NETCTL_REPORTS``; a CLI
option overrides the environment. The state store is ``NETCTL_STATE`` (a path to a SQLite file
or an SQLAlchemy URL), by default ``<home>/.netctl/state.db``. Secrets come from the environment
or from ``NETCTL_SECRETS`` (default ``~/.config/netctl/secrets.yaml``), never from the inventory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Settings:
    """Resolved paths and URLs for one netctl run."""

    home: Path
    inventory_dir: Path
    templates_dir: Path
    collectors_dir: Path
    reports_dir: Path
    state_url: str
    secrets_file: Path

    @classmethod
    def from_env(
        cls,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        **overrides: Path | str | None,
    ) -> Settings:
        """Build settings from the environment, then apply non-None ``overrides``.

        Examples:
            >>> s = Settings.from_env({"NETCTL_HOME": "/srv/netctl"}, inventory_dir="/tmp/inv")
            >>> str(s.inventory_dir), str(s.templates_dir)
            ('/tmp/inv', '/srv/netctl/templates')
        """
        e = dict(os.environ) if env is None else env
        home = Path(e.get("NETCTL_HOME") or (cwd or Path.cwd()))
        state = e.get("NETCTL_STATE") or str(home / ".netctl" / "state.db")
        settings = cls(
            home=home,
            inventory_dir=Path(e.get("NETCTL_INVENTORY") or home / "inventory"),
            templates_dir=Path(e.get("NETCTL_TEMPLATES") or home / "templates"),
            collectors_dir=Path(e.get("NETCTL_COLLECTORS") or home / "collectors"),
            reports_dir=Path(e.get("NETCTL_REPORTS") or home / "reports"),
            state_url=state_to_url(state),
            secrets_file=Path(
                e.get("NETCTL_SECRETS") or Path.home() / ".config" / "netctl" / "secrets.yaml"
            ),
        )
        changes: dict[str, Path | str] = {}
        for key, value in overrides.items():
            if value is None:
                continue
            changes[key] = state_to_url(str(value)) if key == "state_url" else Path(value)
        return replace(settings, **changes)  # type: ignore[arg-type]


def state_to_url(value: str) -> str:
    """Turn a file path into a SQLite URL; leave URLs alone.

    Examples:
        >>> state_to_url("/var/lib/netctl/state.db")
        'sqlite:////var/lib/netctl/state.db'
        >>> state_to_url("postgresql+psycopg://netctl@db/netctl")
        'postgresql+psycopg://netctl@db/netctl'
    """
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().absolute()}"
