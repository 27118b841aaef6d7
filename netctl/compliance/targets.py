"""Targets as data: ``reports/targets.yaml``, one value per KPI and year 2023–2027.

The plan fixes the 2027 values (``TARGETS.md``); the network centre sets the intermediate years,
so that a county is judged against this year's trajectory as well as the 2027 end. The file is
validated by pydantic: every KPI id exactly once, every year 2023–2027, ratios within 0–1, the 2027
value equal to the plan's, and no year's target below the year before.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from netctl.compliance.kpis import KPI_IDS, KPIS, PLAN_YEARS
from netctl.exceptions import ConfigError
from netctl.inventory.yamlio import YamlSyntaxError, read_yaml

TARGETS_FILE = "targets.yaml"
WEBSITE_LINKS_V6_SHARE = 0.9
"""Default share of a website's second-level links that must answer over IPv6. The operator's
value is ``website_links_v6_share`` in ``reports/targets.yaml``: the web probe's verdict and the
``website_ipv6`` KPI both read it from there (:func:`website_links_threshold`)."""


class Targets(BaseModel):
    """The validated targets file (NaN and infinity refused: they compare false with every
    bound, and JSON has no spelling for them)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    freshness_hours: Annotated[float, Field(gt=0, le=24 * 31)] = Field(
        default=24, description="evidence older than this does not count"
    )
    backup_freshness_hours: Annotated[float, Field(gt=0, le=24 * 365)] = Field(
        default=48, description="a config backup not confirmed for longer does not count"
    )
    website_links_v6_share: Annotated[float, Field(ge=0, le=1)] = Field(
        default=WEBSITE_LINKS_V6_SHARE,
        description="share of a website's second-level links that must answer over IPv6",
    )
    kpis: dict[str, dict[int, float]]

    @field_validator("kpis")
    @classmethod
    def _every_kpi_every_year(
        cls, kpis: dict[str, dict[int, float]]
    ) -> dict[str, dict[int, float]]:
        problems: list[str] = []
        for kpi in kpis:
            if kpi not in KPIS:
                problems.append(f"unknown KPI '{kpi}' (known: {', '.join(KPI_IDS)})")
        for kpi in KPI_IDS:
            years = kpis.get(kpi)
            if years is None:
                problems.append(
                    f"KPI '{kpi}' has no targets: add '{kpi}: {{2023: …, 2027: "
                    f"{KPIS[kpi].plan_2027:g}}}'"
                )
                continue
            if sorted(years) != list(PLAN_YEARS):
                problems.append(
                    f"{kpi}: needs exactly the years {PLAN_YEARS[0]}–{PLAN_YEARS[-1]}, "
                    f"has {sorted(years)}"
                )
                continue
            spec = KPIS[kpi]
            for year, value in years.items():
                if value < 0 or (spec.unit == "ratio" and value > 1):
                    problems.append(
                        f"{kpi} {year}: {value:g} is not a fraction 0–1 (write 0.9 for 90 %)"
                        if spec.unit == "ratio"
                        else f"{kpi} {year}: {value:g} is negative"
                    )
            if abs(years[2027] - spec.plan_2027) > 1e-9:
                problems.append(
                    f"{kpi} 2027: the plan sets {spec.plan_2027:g}, not {years[2027]:g}"
                )
            for y in PLAN_YEARS[1:]:
                if years[y] < years[y - 1]:
                    problems.append(
                        f"{kpi}: the {y} target {years[y]:g} is below {y - 1}'s {years[y - 1]:g}"
                    )
        if problems:
            raise ValueError("; ".join(problems))
        return kpis

    def target(self, kpi: str, year: int) -> float:
        """The target of ``kpi`` for ``year`` (after 2027, the 2027 value)."""
        years = self.kpis[kpi]
        if year > PLAN_YEARS[-1]:
            return years[PLAN_YEARS[-1]]
        if year not in years:
            msg = f"no target for {year}: the plan covers {PLAN_YEARS[0]}–{PLAN_YEARS[-1]}"
            raise ConfigError(msg)
        return years[year]

    def end_target(self, kpi: str) -> float:
        """The plan's 2027 target."""
        return self.kpis[kpi][PLAN_YEARS[-1]]


def plan_targets() -> Targets:
    """Targets with only the plan: every year at the 2027 value (used when no file exists)."""
    return Targets(kpis={k: dict.fromkeys(PLAN_YEARS, KPIS[k].plan_2027) for k in KPI_IDS})


def load_targets(path: Path) -> Targets:
    """Read and validate a targets file.

    Raises:
        ConfigError: the file is missing, not YAML, or fails validation (every problem listed).
    """
    if path.is_dir():
        path = path / TARGETS_FILE
    if not path.is_file():
        msg = f"no targets file at {path}: copy reports/targets.yaml from netctl's repository"
        raise ConfigError(msg)
    try:
        data = read_yaml(path)
    except YamlSyntaxError as exc:
        raise ConfigError(str(exc)) from exc
    try:
        return Targets.model_validate(data)
    except ValidationError as exc:
        details = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(file)'}: "
            + e["msg"].removeprefix("Value error, ")
            for e in exc.errors()
        )
        msg = f"{path}: invalid targets: {details}"
        raise ConfigError(msg) from exc


def website_links_threshold(reports_dir: Path) -> float:
    """``website_links_v6_share`` of ``reports/targets.yaml`` (the one place it is set); the
    default when the folder has no targets file."""
    path = reports_dir / TARGETS_FILE
    return load_targets(path).website_links_v6_share if path.is_file() else WEBSITE_LINKS_V6_SHARE
