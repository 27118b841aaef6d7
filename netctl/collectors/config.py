"""The collector daemon's configuration: ``collectors/daemons/snmp.toml`` (operator data).

Every key has a default, so an empty file (or none) is a valid configuration; a misspelt key is
an error naming the key. Secrets are not here: the InfluxDB token comes from the environment
variable named by ``influx.token_env``, SNMP credentials from :mod:`netctl.secrets`.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from netctl.exceptions import ConfigError

STRICT = ConfigDict(frozen=True, extra="forbid")


class SnmpSettings(BaseModel):
    """Polling."""

    model_config = STRICT
    profiles: str = Field(default="snmp/profiles", description="relative to collectors/")
    backend: Literal["lean", "pysnmp"] = Field(
        default="lean", description="lean: netctl's own BER/USM codec (pysnmp is still used "
        "for protocols it lacks); pysnmp: pysnmp 7 for everything")
    port: Annotated[int, Field(ge=1, le=65535)] = 161
    prefer: Literal["ipv6", "ipv4"] = "ipv6"
    timeout_s: Annotated[float, Field(gt=0, le=60)] = 2.0
    retries: Annotated[int, Field(ge=0, le=5)] = 1
    deadline_s: Annotated[float, Field(gt=0, le=600)] = 30.0
    concurrency: Annotated[int, Field(ge=1, le=4096)] = 64
    max_repetitions: Annotated[int, Field(ge=1, le=200)] = 25
    max_varbinds: Annotated[int, Field(ge=1, le=2000)] = 100
    rcvbuf_bytes: Annotated[int, Field(ge=65536)] = 4 * 1024 * 1024
    skip_roles: list[str] = Field(default_factory=lambda: ["ap"],
                                  description="APs are observed through their controllers")


class InfluxSettings(BaseModel):
    """The InfluxDB v2 write API (InfluxDB 2.x/3.x, or VictoriaMetrics)."""

    model_config = STRICT
    enabled: bool = True
    url: str = "http://127.0.0.1:8086"
    org: str = "netctl"
    bucket: str = "netctl"
    token_env: str = "NETCTL_INFLUX_TOKEN"  # noqa: S105 - the variable's name, not a token
    batch_size: Annotated[int, Field(ge=1, le=100_000)] = 5000
    flush_interval_s: Annotated[float, Field(gt=0, le=300)] = 5.0
    gzip: bool = True
    timeout_s: Annotated[float, Field(gt=0, le=300)] = 10.0
    max_retries: Annotated[int, Field(ge=0, le=10)] = 3
    backoff_s: Annotated[float, Field(gt=0, le=60)] = 1.0
    backoff_max_s: Annotated[float, Field(gt=0, le=3600)] = 60.0
    spool_dir: str = Field(default=".netctl/spool/snmp", description="relative to NETCTL_HOME")
    spool_max_mb: Annotated[float, Field(gt=0, le=1_000_000)] = 512


class StateSettings(BaseModel):
    """The state store (latest value per device, interface and metric)."""

    model_config = STRICT
    enabled: bool = True
    refresh_s: Annotated[float, Field(ge=0, le=86_400)] = 900
    flush_interval_s: Annotated[float, Field(gt=0, le=600)] = 10


class HealthSettings(BaseModel):
    """The collector's own metrics (measurement ``netctl_collector``)."""

    model_config = STRICT
    interval_s: Annotated[float, Field(gt=0, le=3600)] = 60


class TargetOverride(BaseModel):
    """Where and how to reach one device, instead of its management address and credential
    set: for labs, tests and the demo (``udp://127.0.0.1:1161``)."""

    model_config = STRICT
    address: str | None = Field(default=None, pattern=r"^(udp6?://)?(\[[0-9a-fA-F:.]+\]|[^:/]+)"
                                r"(:\d+)?$")
    community: str | None = Field(default=None, repr=False)
    credential: str | None = None
    context: str | None = None


class CollectorConfig(BaseModel):
    """The whole file."""

    model_config = STRICT
    snmp: SnmpSettings = Field(default_factory=SnmpSettings)
    influx: InfluxSettings = Field(default_factory=InfluxSettings)
    state: StateSettings = Field(default_factory=StateSettings)
    health: HealthSettings = Field(default_factory=HealthSettings)
    targets: dict[str, TargetOverride] = Field(default_factory=dict)


def load_config(path: Path | None) -> CollectorConfig:
    """Read a TOML configuration (defaults when ``path`` is None or absent).

    Raises:
        ConfigError: unreadable file, or every invalid key with its location.
    """
    if path is None or not path.is_file():
        if path is not None and path.exists():
            msg = f"{path} is not a file"
            raise ConfigError(msg)
        return CollectorConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        msg = f"{path}: {exc}"
        raise ConfigError(msg) from exc
    try:
        return CollectorConfig.model_validate(data)
    except ValidationError as exc:
        lines = [f"{path}: {'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                 for e in exc.errors()]
        raise ConfigError("invalid collector configuration:\n  " + "\n  ".join(lines)) from exc


def load_target_overrides(path: Path) -> dict[str, TargetOverride]:
    """A YAML or TOML file mapping hostnames (or globs) to :class:`TargetOverride`.

    Raises:
        ConfigError: unreadable or invalid file.
    """
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text) if path.suffix == ".toml" else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        msg = f"{path}: {exc}"
        raise ConfigError(msg) from exc
    data = data.get("targets", data) if isinstance(data, dict) else data
    if not isinstance(data, dict):
        msg = f"{path}: expected a mapping of hostname -> {{address, community, credential}}"
        raise ConfigError(msg)
    try:
        return {str(k): TargetOverride.model_validate(v) for k, v in data.items()}
    except ValidationError as exc:
        msg = f"{path}: {exc}"
        raise ConfigError(msg) from exc
