"""SNMP agents (v2c, v3 authPriv) for the emulated devices of :mod:`netctl.testing.emulator`.

One state per device serves both faces: the SSH emulator changes a
:class:`~netctl.testing.emulator.Device`'s running configuration, and the agent's
:class:`~netctl.testing.agent.mib.MibBuilder` reads it (interfaces, addresses, RA, AP groups)
at every poll. Test-only, like the emulator: nothing at run time imports it.

Usage::

    from netctl.testing.agent import AgentNetwork, AgentSpec, DeviceFacts, MibBuilder

    facts = DeviceFacts("gw1", "huawei_vrp", "gateway", model="S6730-H24X6C")
    with AgentNetwork([AgentSpec("gw1", MibBuilder(device, facts))]) as agents:
        agents.target_url("gw1")     # udp://127.0.0.1:PORT, for collector target overrides
"""

from netctl.testing.agent.mib import ApFacts, DeviceFacts, Faults, MibBuilder, View
from netctl.testing.agent.server import AgentNetwork, AgentSpec, V3Credentials

__all__ = ["AgentNetwork", "AgentSpec", "ApFacts", "DeviceFacts", "Faults", "MibBuilder",
           "V3Credentials", "View"]
