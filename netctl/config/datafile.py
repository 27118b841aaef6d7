"""The operator data files beside the templates (``scopes.yaml``, ``protect.yaml``): read,
validated against their pydantic model, cached until the file changes."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TypeVar, cast

from pydantic import BaseModel, ValidationError

from netctl.exceptions import ConfigError
from netctl.inventory.yamlio import YamlSyntaxError, read_yaml

M = TypeVar("M", bound=BaseModel)


@cache
def _validated(path: Path, mtime_ns: int, model: type[BaseModel], hint: str) -> BaseModel:
    del mtime_ns  # part of the cache key only
    try:
        data = read_yaml(path)
    except YamlSyntaxError as exc:
        raise ConfigError(str(exc)) from exc
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        msg = f"{path}: {where}: {first['msg']}{hint}"
        raise ConfigError(msg) from exc


def load_data_file(path: Path, model: type[M], *, missing: str, hint: str = "") -> M:
    """``path`` validated as ``model``; ``missing`` says what the absent file is for."""
    if not path.is_file():
        msg = f"{path} is missing: {missing}"
        raise ConfigError(msg)
    return cast(M, _validated(path, path.stat().st_mtime_ns, model, hint))
