"""The MIB view of one emulated device, derived from its running configuration.

The SNMP agent answers from this view; the view is built from the same
:class:`netctl.testing.emulator.Device` the SSH emulator changes, so a line pushed over SSH
(``ipv6 address 2001:DB8::1/64``) is in the next poll. What the view holds (the OIDs the
profiles of ``collectors/snmp/profiles/`` read):

* SNMPv2-MIB system group: sysDescr, sysObjectID, sysUpTime (since the device was created),
  sysName (the configured ``sysname``/``hostname``);
* IF-MIB ifTable/ifXTable: one row per ``interface`` section of the running configuration and
  per interface the inventory declares; admin status from ``shutdown``, oper status from admin
  status and :class:`Faults` (an uplink down), ifHighSpeed from the name, 64-bit octet counters
  that advance with time at a steady per-interface rate;
* IP-MIB ipAddressTable (``ip address``/``ipv6 address`` lines of each interface) and
  ipv6RouterAdvertTable (RA on/off per interface, by the vendor's RA lines);
* ENTITY-MIB: one chassis row (model, serial, firmware, software);
* on WLAN controllers: the Huawei, H3C or Ruijie AP tables. An AP is listed when its
  controller's running configuration holds its school's AP group (``AG-<school code>``, what
  the ``wlan`` templates render); it is online unless :class:`Faults` says otherwise.

OIDs are kept as BER content bytes: for OIDs under ``1.3`` their byte order is the OID order
(every arc's base-128 encoding is self-delimiting and a longer arc starts with a byte above any
one-byte arc), so the view is a sorted list searched with :mod:`bisect`.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from netctl.collectors.snmp import ber
from netctl.testing.emulator.device import Device
from netctl.testing.emulator.tree import ConfigNode

# -- typed values (TLV bytes) ----------------------------------------------------------------
INTEGER, OCTETS, OID, IPADDR = 0x02, 0x04, 0x06, 0x40
COUNTER32, GAUGE32, TIMETICKS, COUNTER64 = 0x41, 0x42, 0x43, 0x46


def t_int(v: int) -> bytes:
    """INTEGER."""
    return ber.encode_integer(v)


def t_uint(tag: int, v: int) -> bytes:
    """An unsigned application type (Counter32, Gauge32, TimeTicks, Counter64)."""
    raw = v.to_bytes(max(1, (v.bit_length() + 8) // 8), "big")
    return ber.tlv(tag, raw)


def t_str(v: str | bytes) -> bytes:
    """OCTET STRING (str in UTF-8)."""
    return ber.tlv(OCTETS, v.encode() if isinstance(v, str) else v)


def t_oid(v: str | Sequence[int]) -> bytes:
    """OBJECT IDENTIFIER."""
    return ber.tlv(OID, ber.encode_oid(v))


def o(dotted: str, *index: int) -> bytes:
    """The BER content bytes of ``dotted`` followed by ``index`` arcs."""
    arcs = [int(a) for a in dotted.split(".")] + list(index)
    return ber.encode_oid(arcs)


# -- vendor data of the emulated platforms -----------------------------------------------------
SYS_DESCR = {
    "huawei_vrp": "Huawei Versatile Routing Platform Software\r\nVRP (R) software, "
                  "Version 5.170 (S6730 V200R019C10SPC500)",
    "hp_comware": "H3C Comware Platform Software, Software Version 7.1.064, Release 6555P01",
    "ruijie_os": "Ruijie Networks RGOS 11.9(6)B2",
    "cisco_ios": "Cisco IOS XE Software, Version 17.09.04a",
}
SYS_OBJECT_ID = {
    "huawei_vrp": "1.3.6.1.4.1.2011.2.23.511",
    "hp_comware": "1.3.6.1.4.1.25506.11.1.239",
    "ruijie_os": "1.3.6.1.4.1.4881.1.1.10.1.221",
    "cisco_ios": "1.3.6.1.4.1.9.1.2494",
}
WLC_OBJECT_ID = {"huawei_vrp": "1.3.6.1.4.1.2011.2.240.12"}
"""Huawei ACs have their own sysObjectID branch (what ``huawei_wlan`` matches)."""

RA_ON: Mapping[str, tuple[re.Pattern[str], bool]] = {
    # platform: (line, whether the line turns RAs on; else it turns them off)
    "huawei_vrp": (re.compile(r"^(undo ipv6 nd ra halt|ipv6 nd ra halt disable)$"), True),
    "hp_comware": (re.compile(r"^undo ipv6 nd ra halt$"), True),
    "ruijie_os": (re.compile(r"^no ipv6 nd suppress-ra$"), True),
    "cisco_ios": (re.compile(r"^ipv6 nd ra suppress\b"), False),
}
"""How each platform's interface view says that router advertisements are sent: Huawei VRP
and Comware halt RAs by default, Ruijie suppresses them by default, IOS sends them unless
suppressed."""

_SPEEDS = (("hundredgige", 100_000), ("100ge", 100_000), ("fortygige", 40_000),
           ("40ge", 40_000), ("twentyfivegige", 25_000), ("25ge", 25_000),
           ("tengigabitethernet", 10_000), ("ten-gigabitethernet", 10_000),
           ("xgigabitethernet", 10_000), ("10ge", 10_000), ("gigabitethernet", 1000),
           ("ge", 1000), ("fastethernet", 100), ("ethernet", 100))
_IP4 = re.compile(r"^ip address (\d+\.\d+\.\d+\.\d+)(?:/(\d+)| (\d+\.\d+\.\d+\.\d+)| (\d+))?\b")
_IP6 = re.compile(r"^ipv6 address ([0-9A-Fa-f:.]+)(?:/(\d+)| (\d+))(?: eui-64)?$")
_VIRTUAL = re.compile(r"^(vlanif|vlan-interface|vlan|loopback|nve|tunnel|null)", re.I)


def if_speed(name: str) -> int:
    """ifHighSpeed (Mbps) from an interface name.

    Examples:
        >>> if_speed("XGigabitEthernet0/0/1"), if_speed("Vlanif10"), if_speed("GE1/0/1")
        (10000, 1000, 1000)
    """
    low = name.lower().replace(" ", "")
    for prefix, mbps in _SPEEDS:
        if low.startswith(prefix):
            return mbps
    return 1000


def _stable(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


# -- what the agent knows besides the configuration --------------------------------------------
@dataclass(frozen=True, slots=True)
class ApFacts:
    """An AP of a controller, from the inventory."""

    hostname: str
    school: str
    model: str
    wifi6: bool


@dataclass
class Faults:
    """Seeded faults of one device (changeable while the agent runs)."""

    down_interfaces: set[str] = field(default_factory=set)
    """Interfaces whose link is down (oper status 2) although enabled: a cut uplink."""
    offline_aps: set[str] = field(default_factory=set)
    """APs the controller lists in a non-online run state."""
    delay_s: float = 0.0
    """Seconds before every answer: a slow device (a busy CPU, a congested uplink)."""
    silent: bool = False
    """Answer nothing (a device that is down)."""


@dataclass
class DeviceFacts:
    """The inventory side of one emulated device: what its configuration does not say."""

    hostname: str
    platform: str
    role: str
    model: str = ""
    serial: str = ""
    interfaces: Sequence[tuple[str, str]] = ()
    """(name, description) declared in the inventory: they exist on the box from the start."""
    aps: Sequence[ApFacts] = ()
    faults: Faults = field(default_factory=Faults)


Encoded = bytes
"""A value as a complete TLV."""


@dataclass(frozen=True, slots=True)
class View:
    """A snapshot of the MIB: sorted OIDs and their encoded values."""

    oids: list[bytes]
    values: list[Encoded]

    def get(self, oid: bytes) -> Encoded | None:
        """The value at exactly ``oid``."""
        i = bisect_left(self.oids, oid)
        if i < len(self.oids) and self.oids[i] == oid:
            return self.values[i]
        return None

    def next_index(self, oid: bytes) -> int:
        """Index of the first OID strictly after ``oid`` (len when none)."""
        return bisect_right(self.oids, oid)


# -- building the view -------------------------------------------------------------------------
@dataclass(slots=True)
class _Iface:
    name: str
    index: int
    descr: str = ""
    admin_up: bool = True
    v4: list[tuple[str, int]] = field(default_factory=list)
    v6: list[tuple[str, int]] = field(default_factory=list)
    ra: bool = False


def _mask_len(mask: str) -> int:
    return ipaddress.IPv4Network(f"0.0.0.0/{mask}").prefixlen


class MibBuilder:
    """Builds :class:`View` s of one device; caches one per configuration change and second."""

    def __init__(self, device: Device, facts: DeviceFacts,
                 clock: Callable[[], float] = time.time) -> None:
        self.device = device
        self.facts = facts
        self.clock = clock
        self._if_index: dict[str, int] = {}
        for name, _descr in facts.interfaces:
            self._index_of(name)
        self._cache_key: tuple[int, int, int] | None = None
        self._cache: View | None = None
        self._config_key: tuple[int, int] | None = None
        self._ifaces: list[_Iface] = []
        self._wlan_groups: set[str] = set()

    def _index_of(self, name: str) -> int:
        idx = self._if_index.get(name)
        if idx is None:
            idx = self._if_index[name] = len(self._if_index) + 1
        return idx

    # -- configuration -> interfaces
    def _read_config(self) -> None:
        dev = self.device
        with dev.lock:
            key = (dev.generation, len(dev.history))
            if key == self._config_key:
                return
            top = list(dev.running.children)
            lines = "\n".join(dev.running.lines())
        declared = dict(self.facts.interfaces)
        seen: dict[str, _Iface] = {}
        for name, descr in self.facts.interfaces:
            seen[name] = _Iface(name, self._index_of(name), descr)
        pattern, on_means = RA_ON.get(self.facts.platform, (re.compile(r"$^"), True))
        for node in top:
            if not node.text.startswith("interface "):
                continue
            name = node.text[len("interface "):].strip()
            iface = seen.get(name) or _Iface(name, self._index_of(name), declared.get(name, ""))
            seen[name] = iface
            self._read_interface(iface, node, pattern, on_means)
        self._ifaces = sorted(seen.values(), key=lambda i: i.index)
        self._wlan_groups = set(re.findall(r"\bAG-(\d+)\b", lines))
        self._config_key = key

    @staticmethod
    def _read_interface(iface: _Iface, node: ConfigNode, ra_rx: re.Pattern[str],
                        ra_on_means: bool) -> None:
        iface.v4, iface.v6 = [], []
        iface.admin_up = True
        ra_line = False
        for child in node.children:
            text = child.text
            if text == "shutdown":
                iface.admin_up = False
            elif text.startswith("description "):
                iface.descr = text[len("description "):]
            elif m := _IP4.match(text):
                plen = int(m[2] or m[4] or (_mask_len(m[3]) if m[3] else 32))
                iface.v4.append((m[1], plen))
            elif m := _IP6.match(text):
                try:
                    addr = ipaddress.IPv6Address(m[1])
                except ValueError:
                    continue
                iface.v6.append((str(addr), int(m[2] or m[3])))
            if ra_rx.match(text):
                ra_line = True
        iface.ra = bool(iface.v6) and (ra_line if ra_on_means else not ra_line)

    # -- the view
    def view(self) -> View:
        """The MIB now (cached for the current second and configuration)."""
        self._read_config()
        now = int(self.clock())
        assert self._config_key is not None  # noqa: S101
        key = (*self._config_key, now)
        if key != self._cache_key or self._cache is None:
            self._cache = self._build(now)
            self._cache_key = key
        return self._cache

    def _build(self, now: int) -> View:
        f, dev = self.facts, self.device
        entries: list[tuple[bytes, Encoded]] = []
        add = entries.append
        uptime_s = max(0, now - int(dev.started))
        wlc_oid = WLC_OBJECT_ID.get(f.platform) if f.role == "wlc" else None
        add((o("1.3.6.1.2.1.1.1.0"), t_str(SYS_DESCR.get(f.platform, f.platform))))
        add((o("1.3.6.1.2.1.1.2.0"), t_oid(wlc_oid or SYS_OBJECT_ID.get(f.platform, "0.0"))))
        add((o("1.3.6.1.2.1.1.3.0"), t_uint(TIMETICKS, uptime_s * 100 % 2**32)))
        add((o("1.3.6.1.2.1.1.4.0"), t_str("noc@nxedu.example.cn")))
        add((o("1.3.6.1.2.1.1.5.0"), t_str(dev.hostname)))
        add((o("1.3.6.1.2.1.1.6.0"), t_str(f"netctl lab: {f.hostname}")))
        add((o("1.3.6.1.2.1.1.7.0"), t_int(78)))
        self._interfaces(entries, uptime_s)
        self._addresses(entries)
        self._entity(entries)
        if f.role == "wlc" and f.aps:
            self._wlan(entries)
        entries.sort(key=lambda e: e[0])
        return View([e[0] for e in entries], [e[1] for e in entries])

    def _interfaces(self, out: list[tuple[bytes, Encoded]], uptime_s: int) -> None:
        down = self.facts.faults.down_interfaces
        ifs = self._ifaces
        out.append((o("1.3.6.1.2.1.2.1.0"), t_int(len(ifs))))
        for i in ifs:
            n = i.index
            speed = if_speed(i.name)
            oper = 1 if i.admin_up and i.name not in down else 2
            virtual = _VIRTUAL.match(i.name) is not None
            rate_in, rate_out = self._rates(i.name, speed) if oper == 1 else (0, 0)
            base = _stable(self.facts.hostname + i.name) % 10**9
            cols: list[tuple[str, Encoded]] = [
                ("1.3.6.1.2.1.2.2.1.1", t_int(n)),
                ("1.3.6.1.2.1.2.2.1.2", t_str(i.name)),
                ("1.3.6.1.2.1.2.2.1.3", t_int(136 if virtual else 6)),
                ("1.3.6.1.2.1.2.2.1.5", t_uint(GAUGE32, min(speed * 10**6, 2**32 - 1))),
                ("1.3.6.1.2.1.2.2.1.7", t_int(1 if i.admin_up else 2)),
                ("1.3.6.1.2.1.2.2.1.8", t_int(oper)),
                ("1.3.6.1.2.1.2.2.1.13", t_uint(COUNTER32, 0)),
                ("1.3.6.1.2.1.2.2.1.14", t_uint(COUNTER32, 0)),
                ("1.3.6.1.2.1.2.2.1.19", t_uint(COUNTER32, 0)),
                ("1.3.6.1.2.1.2.2.1.20", t_uint(COUNTER32, 0)),
                ("1.3.6.1.2.1.31.1.1.1.1", t_str(i.name)),
                ("1.3.6.1.2.1.31.1.1.1.6",
                 t_uint(COUNTER64, (base + rate_in * uptime_s) % 2**64)),
                ("1.3.6.1.2.1.31.1.1.1.10",
                 t_uint(COUNTER64, (base // 3 + rate_out * uptime_s) % 2**64)),
                ("1.3.6.1.2.1.31.1.1.1.15", t_uint(GAUGE32, speed)),
                ("1.3.6.1.2.1.31.1.1.1.18", t_str(i.descr)),
            ]
            out.extend((o(col, n), v) for col, v in cols)

    def _rates(self, name: str, speed_mbps: int) -> tuple[int, int]:
        """Octets per second in and out: 5–45 % of the speed, steady per interface."""
        h = _stable(f"{self.facts.hostname}|{name}")
        share_in = 0.05 + (h % 400) / 1000
        share_out = 0.02 + (h // 400 % 200) / 1000
        bps = speed_mbps * 10**6 / 8
        return int(bps * share_in), int(bps * share_out)

    def _addresses(self, out: list[tuple[bytes, Encoded]]) -> None:
        for i in self._ifaces:
            for fam, addrs in ((1, i.v4), (2, i.v6)):
                for addr, plen in addrs:
                    raw = ipaddress.ip_address(addr).packed
                    idx = (fam, len(raw), *raw)
                    net = ipaddress.ip_network(f"{addr}/{plen}", strict=False)
                    prefix = ("1.3.6.1.2.1.4.32.1.5", i.index, fam, len(raw),
                              *net.network_address.packed, plen)
                    prefix_oid = ".".join(map(str, prefix))
                    for col, val in (("3", t_int(i.index)), ("4", t_int(1)),
                                     ("5", t_oid(prefix_oid)), ("6", t_int(2)),
                                     ("7", t_int(1))):
                        out.append((o(f"1.3.6.1.2.1.4.34.1.{col}", *idx), val))
            if i.v6:
                out.append((o("1.3.6.1.2.1.4.39.1.2", i.index), t_int(1 if i.ra else 2)))

    def _entity(self, out: list[tuple[bytes, Encoded]]) -> None:
        f = self.facts
        serial = f.serial or f"NX{_stable(f.hostname) % 10**12:012d}"
        software = SYS_DESCR.get(f.platform, "").splitlines()[-1][:64]
        for col, val in (("2", t_str(f"{f.model} chassis")), ("3", t_oid("0.0")),
                         ("4", t_int(0)), ("5", t_int(3)), ("7", t_str(f.model or "chassis")),
                         ("9", t_str("1.0")), ("10", t_str(software)), ("11", t_str(serial)),
                         ("13", t_str(f.model))):
            out.append((o(f"1.3.6.1.2.1.47.1.1.1.1.{col}", 1), val))

    def _joined(self) -> list[tuple[int, ApFacts]]:
        return [(k, ap) for k, ap in enumerate(self.facts.aps, start=1)
                if ap.school in self._wlan_groups]

    def _clients(self, ap: ApFacts) -> int:
        return 5 + _stable(ap.hostname) % 30

    def _wlan(self, out: list[tuple[bytes, Encoded]]) -> None:
        offline = self.facts.faults.offline_aps
        platform = self.facts.platform
        for k, ap in self._joined():
            online = ap.hostname not in offline
            clients = self._clients(ap) if online else 0
            if platform == "huawei_vrp":
                mac = (0x00E0FC000000 + k).to_bytes(6, "big")
                idx = tuple(mac)  # hwWlanApMac index
                base = "1.3.6.1.4.1.2011.6.139.13.3.3.1"
                for col, val in (("3", t_str(ap.model)), ("4", t_str(ap.hostname)),
                                 ("6", t_int(8 if online else 4)), ("44", t_int(clients))):
                    out.append((o(f"{base}.{col}", *idx), val))
                bits = 32 if ap.wifi6 else 16
                for radio in (0, 1):
                    out.append((o("1.3.6.1.4.1.2011.6.139.16.1.2.1.4", *idx, radio),
                                t_uint(GAUGE32, bits | (8 if radio == 0 else 0))))
            elif platform == "hp_comware":
                name = ap.hostname.encode()
                idx = (len(name), *name)
                base = "1.3.6.1.4.1.25506.2.75.2.1"
                mode = 512 | 128 if ap.wifi6 else 128 | 32
                for col, val in (("2.1.7", t_int(clients)), ("2.1.8", t_str(ap.hostname)),
                                 ("2.1.9", t_str(ap.model)), ("2.1.13", t_int(mode)),
                                 ("1.1.4", t_int(5 if online else 1)), ("1.1.8", t_int(1))):
                    out.append((o(f"{base}.{col}", *idx), val))
            elif platform == "ruijie_os":
                mac = (0x5869_6C00_0000 + k).to_bytes(6, "big")
                idx = tuple(mac)
                base = "1.3.6.1.4.1.4881.1.1.10.2.56.2.1.1.1"
                for col, val in (("2", t_str(ap.hostname)), ("34", t_int(clients)),
                                 ("39", t_str(ap.model)), ("48", t_int(1 if online else 2))):
                    out.append((o(f"{base}.{col}", *idx), val))

    # -- for tests: what the agent reports, in plain values
    def joined_aps(self) -> dict[str, bool]:
        """AP hostname → online, as the controller lists them now."""
        self._read_config()
        off = self.facts.faults.offline_aps
        return {ap.hostname: ap.hostname not in off for _k, ap in self._joined()}

    def addresses(self) -> dict[str, list[str]]:
        """Interface → ``addr/len`` (IPv4 then IPv6), as ipAddressTable lists them."""
        self._read_config()
        return {i.name: [f"{a}/{p}" for a, p in (*i.v4, *i.v6)]
                for i in self._ifaces if i.v4 or i.v6}

    def interfaces(self) -> dict[str, tuple[int, int]]:
        """Interface → (admin status, oper status)."""
        self._read_config()
        down = self.facts.faults.down_interfaces
        return {i.name: (1 if i.admin_up else 2, 1 if i.admin_up and i.name not in down else 2)
                for i in self._ifaces}

    def rates(self) -> dict[str, tuple[int, int]]:
        """Interface → (bits/s in, bits/s out) the counters advance at (0 when down)."""
        self._read_config()
        up = self.interfaces()
        out: dict[str, tuple[int, int]] = {}
        for i in self._ifaces:
            r_in, r_out = self._rates(i.name, if_speed(i.name))
            out[i.name] = (8 * r_in, 8 * r_out) if up[i.name][1] == 1 else (0, 0)
        return out

    def ra(self) -> dict[str, bool]:
        """Interface → RA on, for interfaces with IPv6 addresses."""
        self._read_config()
        return {i.name: i.ra for i in self._ifaces if i.v6}
