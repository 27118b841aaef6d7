"""The architecture as a contract (docs/architecture.md, "Layers"): checked on every test run.

- the layer order: a package imports only packages on its floor or below (every import counts:
  module level, inside functions, under ``TYPE_CHECKING``), so no circle between packages;
- ``netctl.testing`` (emulators, simulated evidence, lab servers) is imported only by tests,
  benchmarks, ``netctl/demo.py`` and the CLI's demo command: never by production code;
- netctl's own modules load the inventory through ``netctl.ipam.merge.load_inventory`` (IPAM
  attached), never through the inventory's bare loader;
- no module of ``netctl/`` is much over 600 lines, except those listed with their owner;
- pyproject's dependencies are what the code imports: every third-party import of ``netctl/``
  is a runtime dependency (``netctl/testing``: runtime or an extra; tests and benchmarks: the
  ``test`` extra too), and every runtime dependency is imported (or says why not).
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from collections import defaultdict
from functools import cache
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "netctl"

# Floors, bottom first. A module may import its own package and any package on a lower floor;
# packages sharing a floor are independent (neither imports the other).
LAYERS: list[set[str]] = [
    {"netctl", "netctl.exceptions"},
    {"netctl.settings", "netctl.secrets", "netctl.platforms", "netctl.geo", "netctl.state",
     "netctl.peopletime", "netctl.gctools"},
    {"netctl.models"},
    {"netctl.inventory"},
    {"netctl.ipam"},
    {"netctl.dns"},
    {"netctl.collectors"},
    {"netctl.probes"},
    {"netctl.compliance"},
    {"netctl.config", "netctl.discovery"},
    {"netctl.report", "netctl.dashboards", "netctl.daemon"},
    {"netctl.testing"},
    {"netctl.demo"},
    {"netctl.cli"},
    {"netctl.__main__"},
]
FLOOR = {pkg: i for i, floor in enumerate(LAYERS) for pkg in floor}
TESTING_ALLOWED = {"netctl.demo", "netctl.cli.demo"}  # plus tests/ and benchmarks/
# modules allowed over the limit, each with its reason (none today)
TOO_LONG_OWNED: dict[str, str] = {}
MAX_LINES = 650
# runtime dependencies that are not imported, and why
NOT_IMPORTED = {
    "sniffio": "httpcore imports it per lock; missing, every attempt scans sys.path",
    "numpy": "networkx's layouts (netctl.discovery.topology) compute with it",
}


def _module(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """``(line, module)`` of every import in the file, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = _module(path).split(".")
    if path.name != "__init__.py":
        here = here[:-1]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - node.level + 1]
                mod = ".".join([*base, node.module] if node.module else base)
            else:
                mod = node.module or ""
            out.append((node.lineno, mod))
            # ``from netctl import geo`` imports the module netctl.geo
            out += [(node.lineno, f"{mod}.{a.name}") for a in node.names
                    if mod == "netctl" and a.name != "*"]
    return out


def _package(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "netctl" and len(parts) > 1 else parts[0]


@cache
def _all_imports() -> dict[str, list[tuple[int, str]]]:
    return {str(p.relative_to(REPO)): _imports(p) for p in sorted(PACKAGE.rglob("*.py"))}


def test_every_package_has_a_floor() -> None:
    packages = {_package(_module(REPO / f)) for f in _all_imports()}
    assert packages - set(FLOOR) == set(), "add the new package to LAYERS (and the docs picture)"


def test_layer_order() -> None:
    wrong = []
    for file, imports in _all_imports().items():
        src = _package(_module(REPO / file))
        for line, mod in imports:
            if not mod.startswith("netctl"):
                continue
            dst = _package(mod)
            if dst == src or dst not in FLOOR or src not in FLOOR:
                continue
            if FLOOR[dst] > FLOOR[src] or (FLOOR[dst] == FLOOR[src] and dst != "netctl"
                                           and src != "netctl"):
                wrong.append(f"{file}:{line}: {src} (floor {FLOOR[src]}) imports {mod} "
                             f"(floor {FLOOR[dst]})")
    assert wrong == [], "imports against the layer order:\n" + "\n".join(wrong)


def test_no_circle_between_packages() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    for file, imports in _all_imports().items():
        src = _package(_module(REPO / file))
        for _line, mod in imports:
            if mod.startswith("netctl.") and _package(mod) != src:
                graph[src].add(_package(mod))
    circles = []
    for start in list(graph):
        seen, todo = set(), list(graph[start])
        while todo:
            node = todo.pop()
            if node == start:
                circles.append(start)
                break
            if node not in seen:
                seen.add(node)
                todo.extend(graph.get(node, ()))
    assert circles == [], f"packages on an import circle: {sorted(circles)}"


def test_testing_only_from_tests_benchmarks_and_the_demo() -> None:
    wrong = [f"{file}:{line}: imports {mod}"
             for file, imports in _all_imports().items()
             if not file.startswith("netctl/testing/")
             and _module(REPO / file) not in TESTING_ALLOWED
             for line, mod in imports
             if mod == "netctl.testing" or mod.startswith("netctl.testing.")]
    assert wrong == [], "production code imports the simulation:\n" + "\n".join(wrong)


def test_no_simulation_in_compliance_or_probes() -> None:
    names = [p.name for d in ("compliance", "probes") for p in (PACKAGE / d).glob("*.py")]
    assert not [n for n in names if re.search(r"simul|sample|fake|emulat", n)]


def test_production_loads_the_inventory_with_ipam() -> None:
    wrong = []
    for file in _all_imports():
        if file.startswith(("netctl/inventory/", "netctl/ipam/merge.py")):
            continue
        tree = ast.parse((REPO / file).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.ImportFrom) and node.module == "netctl.inventory.index"
                    and any(a.name == "load_inventory" for a in node.names)):
                wrong.append(f"{file}:{node.lineno}")
    assert wrong == [], ("load through netctl.ipam.merge.load_inventory (IPAM attached): "
                         + ", ".join(wrong))


def test_no_module_too_long() -> None:
    long = {str(p.relative_to(REPO)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    unlisted = {f: n for f, n in long.items() if f not in TOO_LONG_OWNED}
    assert unlisted == {}, f"split by responsibility (over {MAX_LINES} lines): {unlisted}"


# dependencies ---------------------------------------------------------------------------


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~\[;(]", requirement.strip(), maxsplit=1)[0].lower().replace(
        "_", "-").replace(".", "-")


@cache
def _declared() -> tuple[set[str], dict[str, set[str]]]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = {k: {_name(r) for r in v} for k, v in project["optional-dependencies"].items()}
    return {_name(r) for r in project["dependencies"]}, extras


def _third_party(roots: list[Path]) -> dict[str, set[str]]:
    """Top-level third-party import name → files importing it."""
    out: dict[str, set[str]] = defaultdict(set)
    local = {"netctl", "tests", "benchmarks", "conftest", "__future__"}
    # helper modules of tests and benchmarks, imported by their bare names
    local |= {p.stem for root in roots if root != PACKAGE and not root.is_relative_to(PACKAGE)
              for p in root.rglob("*.py")}
    for root in roots:
        for path in root.rglob("*.py"):
            for _line, mod in _imports(path):
                top = mod.split(".")[0]
                if top and top not in sys.stdlib_module_names and top not in local:
                    out[top].add(str(path.relative_to(REPO)))
    return out


def _dists(top: str) -> set[str]:
    found = packages_distributions().get(top)
    if not found:
        pytest.fail(f"{top} is imported but no installed distribution provides it")
    return {_name(d) for d in found}


def _undeclared(imports: dict[str, set[str]], allowed: set[str]) -> list[str]:
    return [f"{top} ({', '.join(sorted(_dists(top)))}) in {sorted(files)[0]}"
            for top, files in sorted(imports.items()) if not _dists(top) & allowed]


def test_production_imports_are_runtime_dependencies() -> None:
    runtime, _extras = _declared()
    prod = _third_party([PACKAGE])
    prod = {t: {f for f in fs if not f.startswith("netctl/testing/")} for t, fs in prod.items()}
    wrong = _undeclared({t: fs for t, fs in prod.items() if fs}, runtime)
    assert wrong == [], "imported by netctl/, not a runtime dependency: " + "; ".join(wrong)


def test_testing_imports_are_declared_in_an_extra() -> None:
    runtime, extras = _declared()
    wrong = _undeclared(_third_party([PACKAGE / "testing"]),
                        runtime | extras["demo"] | extras["postgresql"])
    assert wrong == [], "imported by netctl/testing, in no extra: " + "; ".join(wrong)


def test_tests_imports_are_declared() -> None:
    runtime, extras = _declared()
    allowed = runtime | extras["test"] | extras["demo"]
    wrong = _undeclared(_third_party([REPO / "tests", REPO / "benchmarks"]), allowed)
    assert wrong == [], "imported by tests or benchmarks, not in [test]: " + "; ".join(wrong)


def test_runtime_dependencies_are_imported() -> None:
    runtime, _extras = _declared()
    used = {d for top in _third_party([PACKAGE]) for d in _dists(top)}
    unused = runtime - used - set(NOT_IMPORTED)
    assert unused == set(), f"declared, never imported by netctl/ (remove them): {unused}"


def test_demo_extra_is_what_the_emulator_imports() -> None:
    runtime, extras = _declared()
    testing = {d for top in _third_party([PACKAGE / "testing"]) for d in _dists(top)}
    assert extras["demo"] <= testing, "a [demo] package the emulator does not import"
    assert "netctl" in extras["test"] or extras["demo"] <= extras["test"], \
        "the test extra installs the demo's packages too"
    assert not extras["demo"] & {"fakenos"} & runtime, "the emulator is not a runtime dependency"


def test_the_docs_picture_is_the_contract() -> None:
    """docs/architecture.md's picture names the same packages on the same floors as LAYERS."""
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    picture = text.split("## Layers and data flow", 1)[1].split("```", 2)[1]
    drawn: dict[int, set[str]] = defaultdict(set)
    floor = None
    for line in picture.splitlines():
        m = re.match(r"^\s*(\d+)\s{2,}", line)
        if m:
            floor = int(m.group(1))
        if floor is None:
            continue
        left = line[:60]  # the package column (the right one is data)
        drawn[floor] |= set(re.findall(r"netctl(?:\.[a-z_]+)?", left))
    assert dict(drawn) == dict(enumerate(LAYERS))
