"""HTML reports from the Jinja2 templates of ``reports/templates/``: one self-contained file."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from netctl.exceptions import ConfigError
from netctl.inventory.yamlio import YamlSyntaxError, read_yaml
from netctl.report.view import ReportView

TEMPLATE = "report.html.j2"


def load_labels(templates_dir: Path, lang: str) -> dict[str, str]:
    """The report's words in ``lang`` from ``labels.yaml`` (every key needs zh and en)."""
    path = templates_dir / "labels.yaml"
    try:
        data = read_yaml(path)
    except (OSError, YamlSyntaxError) as exc:
        msg = f"cannot read report labels {path}: {exc}"
        raise ConfigError(msg) from exc
    if not isinstance(data, dict):
        msg = f"{path}: expected a mapping of key: {{zh: …, en: …}}"
        raise ConfigError(msg)
    out: dict[str, str] = {}
    for key, texts in data.items():
        if not isinstance(texts, dict) or not {"zh", "en"} <= set(texts):
            msg = f"{path}: '{key}' needs both zh and en"
            raise ConfigError(msg)
        out[str(key)] = str(texts["en" if lang == "en" else "zh"])
    return out


def environment(templates_dir: Path) -> Environment:
    """The Jinja2 environment of the report templates (autoescaped, strict)."""
    return Environment(
        loader=FileSystemLoader(str(templates_dir)),
        undefined=StrictUndefined,
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_html(view: ReportView, templates_dir: Path) -> str:
    """The report as one HTML document (CSS and charts inline)."""
    if not (templates_dir / TEMPLATE).is_file():
        msg = f"no report template at {templates_dir / TEMPLATE}"
        raise ConfigError(msg)
    return environment(templates_dir).get_template(TEMPLATE).render(v=view, L=view.labels)
