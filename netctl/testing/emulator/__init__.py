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

Measured with netmiko 4.8 itself (see docs/emulator.md for the method), one device, a
10-line IPv6 push (``send_config_set``) + save + ``send_command`` read-back + disconnect:

========================  =======  ======  ====  =========  ==========  =====
driver                    connect  push    save  read-back  disconnect  total
========================  =======  ======  ====  =========  ==========  =====
huawei                    0.9      8.1     0.1   0.1        2.1         11.3
hp_comware (cmd_verify)   0.8      0.3     0.1   0.1        0.1         1.4
ruijie_os                 3.0      8.2     0.1   0.1        0.1         11.5
cisco_ios                 0.7      0.3     0.1   0.1        0.1         1.3
========================  =======  ======  ====  =========  ==========  =====

(seconds). The ``huawei`` and ``ruijie_os`` drivers check config mode by waiting for 2 s of
silence (``read_channel_timing``): 4 checks per ``send_config_set`` = ~8 s, and ``huawei``
checks once more on disconnect. The emulator answers at once; the wait is netmiko's.
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
