"""netctl: runs the Ningxia education network and measures it against the 2023–2027 plan.

The package is a library; ``netctl.cli`` is a thin command line over it. Heavy backends (SNMP,
InfluxDB, SSH) are imported only by the modules that use them, never by ``import netctl``.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
