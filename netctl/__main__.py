"""``python -m netctl`` runs the command line."""

from netctl.cli import program

program()
