"""The exceptions netctl raises. The CLI maps each family to one exit code."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class NetctlError(Exception):
    """Base of every error netctl raises on purpose."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding about the inventory: where it is, what is wrong and how to fix it."""

    file: Path | None
    line: int | None
    field: str
    message: str
    fix: str = ""
    severity: str = "error"  # "error" | "warning"

    def format(self, root: Path | None = None) -> str:
        """Render as ``file:line: field: message (fix: ...)``, paths relative to ``root``."""
        where = ""
        if self.file is not None:
            path = self.file
            if root is not None:
                try:
                    path = self.file.resolve().relative_to(root.resolve())
                except ValueError:
                    path = self.file
            where = f"{path}:{self.line}: " if self.line else f"{path}: "
        fix = f" (fix: {self.fix})" if self.fix else ""
        field = f"{self.field}: " if self.field else ""
        return f"{where}{self.severity}: {field}{self.message}{fix}"


class InventoryError(NetctlError):
    """The inventory cannot be loaded: carries every problem found, not only the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        first = errors[0].format() if errors else "invalid inventory"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(first + more)

    @property
    def missing(self) -> bool:
        """No inventory at all (no ``region.yaml``): netctl cannot start, exit 3 not 1."""
        return any(p.message.startswith("no inventory here") for p in self.problems)


class ImportRowError(NetctlError):
    """A roster import found bad rows and wrote nothing."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} bad row(s); nothing was written")


class ConfigError(NetctlError):
    """Settings or a file outside the inventory is wrong (paths, secrets, state store URL)."""


class SecretsError(NetctlError):
    """A credential reference cannot be resolved."""


class StateStoreError(NetctlError):
    """The state store cannot be opened or migrated."""


class RenderError(NetctlError):
    """A configuration cannot be rendered: a template, the policy or the device data is wrong."""
