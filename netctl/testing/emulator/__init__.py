"""Stateful SSH emulator of huawei_vrp, hp_comware, ruijie_os and cisco_ios devices.

Built on fakenos (its host/server lifecycle, with netctl's server, shell and NOS plugins);
test-only: nothing else in netctl imports it. See docs/emulator.md.

Usage::

    from netctl.testing.emulator import EmulatedNetwork, HostSpec, Knobs

    specs = [HostSpec("gw1", "huawei_vrp"), HostSpec("sw1", "hp_comware",
             knobs=Knobs(unsupported=[r"^stelnet "]))]
    with EmulatedNetwork(specs) as net:          # every port listens when start() returns
        ConnectHandler(**net.netmiko_params("gw1")).send_config_set([...])
        net["gw1"].running_config                # text as `display current-configuration`
        net["gw1"].has_line("ipv6 enable", section="interface Vlanif10")
        net["gw1"].startup_config                # what `save` wrote
        nr = net.nornir(workers=50)              # Nornir over every host

Measured with netmiko 4.8's real drivers (``python -m netctl.testing.emulator.measure 5``,
medians of 5, seconds; 2-core Debian 12): one device, connect, ``send_config_set`` of a 10-line
IPv6 change with ``error_pattern``, save (Huawei ``[Y/N]`` answered), ``send_command``
read-back, disconnect.

=======================  =======  =====  ====  =========  ==========  =====
driver                   connect  push   save  read-back  disconnect  total
=======================  =======  =====  ====  =========  ==========  =====
huawei                   0.34     8.94   0.07  0.08       2.20        11.64
hp_comware (cmd_verify)  0.22     0.18   0.13  0.09       0.05        0.66
ruijie_os                0.37     8.95   0.09  0.08       2.20        11.70
cisco_ios                0.27     0.23   0.10  0.08       0.01        0.66
=======================  =======  =====  ====  =========  ==========  =====

The ``huawei`` and ``ruijie_os`` drivers check config mode by waiting for 2 s of silence
(``read_channel_timing``): 4 checks per ``send_config_set`` = 8.8 s of the 8.9 s push, and one
more on disconnect (2.2 s). The emulator answers at once: the wait is netmiko's. With a
prompt-pattern check in their place (``--pattern-checks``, see ``measure.pattern_check``):
huawei push 0.19 s, disconnect 0.01 s, total 0.72 s; ruijie_os push 0.21 s, total 0.74 s.
``hp_comware`` with netmiko's default (echo verification off) and an ``error_pattern``: 22.1 s
for the same 10 lines (2.2 s per line); ``NETMIKO_EXTRAS`` sets ``global_cmd_verify=True``.
Lifecycle: 200 hosts start in 0.85 s and stop in 0.06 s.
"""

from netctl.testing.emulator.device import Device, Knobs
from netctl.testing.emulator.network import (
    NETMIKO_EXTRAS,
    EmulatedNetwork,
    HostSpec,
    free_ports,
)
from netctl.testing.emulator.session import Reply, Session
from netctl.testing.emulator.vendors import PROFILES, VendorProfile

__all__ = [
    "NETMIKO_EXTRAS",
    "PROFILES",
    "Device",
    "EmulatedNetwork",
    "HostSpec",
    "Knobs",
    "Reply",
    "Session",
    "VendorProfile",
    "free_ports",
]
