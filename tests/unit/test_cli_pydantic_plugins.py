"""The CLI's stand-in for pydantic's plugin loader: no ``importlib.metadata`` while plugins are
off, pydantic's own loader as soon as they are on."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

PROGRAM = """
import os, sys
import netctl.cli
netctl.cli._plugin_loader_stand_in()
from netctl.inventory.load import _validator
from netctl.models.inventory import CountyFile
_validator(CountyFile)  # pydantic builds a validator: it asks for its plugins
print("metadata" if "importlib.metadata" in sys.modules else "no-metadata")
loader = sys.modules["pydantic.plugin._loader"]
print("stand-in" if getattr(loader, "__file__", None) is None else "pydantic")
os.environ["PYDANTIC_DISABLE_PLUGINS"] = ""  # turned on later: the real loader answers
print(list(loader.get_plugins()))
print("pydantic" if getattr(sys.modules["pydantic.plugin._loader"], "__file__", None)
      else "stand-in")
"""


def _run(plugins: str) -> list[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYDANTIC_DISABLE_PLUGINS": plugins}
    out = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True,
                         env=env, check=True, timeout=120)
    return out.stdout.split("\n")[:4]


def test_plugins_off_no_metadata_then_the_real_loader() -> None:
    assert _run("__all__") == ["no-metadata", "stand-in", "[]", "pydantic"]


def test_plugins_on_pydantic_loads_them_itself() -> None:
    assert _run("") == ["metadata", "pydantic", "[]", "pydantic"]
