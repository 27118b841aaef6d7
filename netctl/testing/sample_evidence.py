"""Sample evidence for a generated inventory: a day of polls and probes, and config backups.

``netctl demo`` and the benchmarks use it so that the compliance engine has something to judge
before the collectors (issues 5, 6) and config backups (issue 4) run against real devices. It is
deterministic (same inventory, seed and time: same evidence) and varied the way a real region
is: most uplinks up, some down, a few devices not polled for a day, IPv6 on part of the
gateways, APs offline here and there, websites with and without IPv6, configs with and without
baseline defects. Names follow ``docs/observations.md`` and ``netctl.compliance.backups``.
"""

from __future__ import annotations

import os
import random
from collections.abc import Collection
from datetime import datetime, timedelta
from pathlib import Path

from netctl.compliance.backups import backup_path
from netctl.compliance.registry import AddressRegistry
from netctl.inventory.index import Inventory, SchoolEntry
from netctl.models.inventory import Role
from netctl.platforms import Platform
from netctl.state import Observation

SVI = {
    Platform.HUAWEI_VRP: "Vlanif{n}",
    Platform.HP_COMWARE: "Vlan-interface{n}",
    Platform.RUIJIE_OS: "VLAN {n}",
    Platform.CISCO_IOS: "Vlan{n}",
}
DEFECTS = (
    "telnet",
    "snmp_community",
    "no_banner",
    "no_ntp",
    "no_syslog",
    "idle_timeout",
    "no_aaa_server",
)


def _rng(seed: int, key: str) -> random.Random:
    return random.Random(f"{seed}:{key}")


def _school_obs(
    inv: Inventory, reg: AddressRegistry, s: SchoolEntry, now: datetime, seed: int
) -> list[Observation]:
    rng = _rng(seed, s.code)
    school = s.school
    at = now - timedelta(hours=26) if rng.random() < 0.03 else now - timedelta(minutes=5)
    out: list[Observation] = []

    def obs(
        device: str, metric: str, value: float | str, interface: str = "", source: str = "snmp"
    ) -> None:
        out.append(Observation(device, metric, value, at, source, interface))

    devices = inv.devices_at(s.code)
    for d in devices:
        if d.role is not Role.AP:
            obs(d.hostname, "poll_ok", 1.0)
    for link in inv.uplinks_of(s.code):
        for end in (link.a, link.b):
            entry = inv.devices.get(end.device) if end.device else None
            if entry is None or entry.site != s.code or end.interface is None:
                continue
            up = rng.random() < (0.95 if link.kind.is_internet_egress else 0.96)
            obs(entry.hostname, "if_oper_status", 1.0 if up else 2.0, end.interface)
            obs(entry.hostname, "if_admin_status", 1.0, end.interface)
            speed = (
                100.0 if rng.random() < 0.08 else 1000.0 if (link.mbps or 0) <= 1000 else 10000.0
            )
            obs(entry.hostname, "if_speed_mbps", speed, end.interface)
    n = int(s.code[-4:])
    v6_share = {"urban": 0.8, "town": 0.65, "rural": 0.45}[school.category.value]
    blocks = reg.blocks.get(s.code, [])  # what IPAM allocated, when it has run
    v4 = [b for b in blocks if b.version == 4]
    v6 = [b for b in blocks if b.version == 6]
    for gw in (d for d in devices if d.role is Role.GATEWAY):
        svi = SVI[gw.platform]
        has_v6 = rng.random() < v6_share
        for k, vlan in enumerate((10, 20)):
            name = svi.format(n=vlan)
            net4 = v4[k] if k < len(v4) else None
            addr4 = (
                f"{next(net4.hosts())}/{net4.prefixlen}"
                if net4
                else (f"10.{int(s.county[2:4]) * 8 + k}.{n % 250}.1/24")
            )
            obs(gw.hostname, "ipv4_addresses", addr4, name)
            if has_v6:
                net6 = v6[k] if k < len(v6) else None
                addr6 = (
                    f"{next(net6.hosts())}/64"
                    if net6
                    else (f"2001:da8:{int(s.county) % 65536:x}:{n * 16 + vlan:x}::1/64")
                )
                obs(gw.hostname, "ipv6_addresses", addr6, name)
                obs(gw.hostname, "ipv6_ra", 1.0 if rng.random() < 0.92 else 0.0, name)
        if has_v6:
            for iface in gw.device.interfaces:
                if iface.role is not None and iface.role.value == "uplink":
                    links = [
                        x
                        for x in reg.device_nets.get(gw.hostname, ())
                        if x.version == 6 and x.prefixlen == 127
                    ]
                    addr = (
                        f"{links[0].network_address + 1}/127"
                        if links
                        else f"2001:da8:ffff:{n:x}::2/127"
                    )
                    obs(gw.hostname, "ipv6_addresses", addr, iface.name)
            obs(
                gw.hostname,
                "reach_v6_loss",
                0.0 if rng.random() < 0.93 else 1.0,
                source="probe-reach",
            )
        obs(gw.hostname, "reach_v4_loss", 0.0, source="probe-reach")
    for ap in (d for d in devices if d.role is Role.AP):
        ctrl = ap.device.controller or ""
        src = f"snmp:{ctrl}"
        state = "online" if rng.random() < 0.97 else "offline"
        out.append(Observation(ap.hostname, "ap_state", state, at, src))
        radio = "802.11ax" if ap.wifi is not None and ap.wifi.is_wifi6_or_newer else "802.11ac"
        out.append(Observation(ap.hostname, "ap_radio", radio, at, src))
        out.append(Observation(ap.hostname, "ap_controller", ctrl, at, src))
    if school.website:
        target = f"web:{school.website}"
        ok = rng.random() < 0.8
        out.append(Observation(target, "web_ipv6_supported", 1.0 if ok else 0.0, at, "probe-web"))
        if ok:
            share = 0.97 if rng.random() < 0.85 else 0.7
            out.append(Observation(target, "web_links_v6_share", share, at, "probe-web"))
        else:
            out.append(
                Observation(
                    target,
                    "web_reason",
                    rng.choice(["no_aaaa", "connect_v6_failed"]),
                    at,
                    "probe-web",
                )
            )
    return out


def sample_evidence(
    inv: Inventory,
    now: datetime,
    seed: int = 2027,
    rounds: int = 1,
    interval: timedelta = timedelta(hours=1),
) -> list[Observation]:
    """Observations for every school and node, ``rounds`` polls ``interval`` apart up to ``now``."""
    reg = AddressRegistry(inv)
    latest: list[Observation] = []
    for s in inv.schools.values():
        latest.extend(_school_obs(inv, reg, s, now, seed))
    for d in inv.iter_devices():
        if d.school is None:
            latest.append(
                Observation(d.hostname, "poll_ok", 1.0, now - timedelta(minutes=5), "snmp")
            )
    if rounds <= 1:
        return latest
    out = list(latest)
    for r in range(1, rounds):
        shift = interval * r
        out.extend(
            Observation(o.device, o.metric, o.value, o.observed_at - shift, o.source, o.interface)
            for o in latest
        )
    return out


# -- config backups ----------------------------------------------------------------------------


def sample_config(platform: Platform, hostname: str, defects: frozenset[str] = frozenset()) -> str:
    """A running configuration of ``platform`` that passes the baseline unless ``defects`` say.

    Raises:
        KeyError: no sample configuration for this platform.
    """
    lines = _CONFIGS[platform](hostname, defects)
    return "\n".join(line for line in lines if line is not None) + "\n"


def _huawei(host: str, d: frozenset[str]) -> list[str | None]:
    return [
        "#",
        f"sysname {host}",
        "#",
        "info-center loghost 10.64.0.30" if "no_syslog" not in d else None,
        'header login information "Authorized use only"' if "no_banner" not in d else None,
        "#",
        "telnet server enable" if "telnet" in d else None,
        "stelnet server enable",
        "ssh user netadmin",
        "ssh user netadmin service-type stelnet",
        "#",
        "ntp-service unicast-server 10.64.0.123" if "no_ntp" not in d else None,
        "#",
        "aaa",
        " authentication-scheme ADMIN",
        "  authentication-mode hwtacacs local",
        " local-aaa-user password policy administrator",
        "  password expire 90",
        " local-aaa-user wrong-password retry-interval 5 retry-time 3 block-time 15",
        " local-user netadmin password irreversible-cipher $1c$Qz8]O0.Lo2$hQ6x3m$",
        " local-user netadmin privilege level 15",
        " local-user netadmin service-type ssh",
        "#",
        "hwtacacs-server template HWT" if "no_aaa_server" not in d else None,
        " hwtacacs-server authentication 10.64.0.11" if "no_aaa_server" not in d else None,
        "#",
        "snmp-agent",
        "snmp-agent sys-info version v3",
        "snmp-agent community read cipher %^%#public%^%#" if "snmp_community" in d else None,
        "snmp-agent group v3 NMS privacy read-view iso-view",
        "snmp-agent usm-user v3 nms group NMS",
        "snmp-agent usm-user v3 nms authentication-mode sha cipher %^%#k1%^%#",
        "snmp-agent usm-user v3 nms privacy-mode aes128 cipher %^%#k2%^%#",
        "#",
        "user-interface vty 0 4",
        " authentication-mode aaa",
        " protocol inbound ssh",
        " idle-timeout 30 0" if "idle_timeout" in d else " idle-timeout 10 0",
        "#",
        "return",
    ]


def _comware(host: str, d: frozenset[str]) -> list[str | None]:
    return [
        "#",
        f" sysname {host}",
        "#",
        " telnet server enable" if "telnet" in d else None,
        " ssh server enable",
        "#",
        " password-control enable",
        " password-control length 10",
        " password-control composition type-number 3 type-length 1",
        " password-control aging 90",
        " password-control login-attempt 3 exceed lock-time 15",
        "#",
        " info-center loghost 10.64.0.30" if "no_syslog" not in d else None,
        " ntp-service unicast-server 10.64.0.123" if "no_ntp" not in d else None,
        "#",
        " snmp-agent",
        " snmp-agent sys-info version v3",
        " snmp-agent community read public" if "snmp_community" in d else None,
        " snmp-agent group v3 NMS privacy read-view iso-view",
        " snmp-agent usm-user v3 nms NMS cipher authentication-mode sha $c$3$k1"
        " privacy-mode aes128 $c$3$k2",
        "#",
        "radius scheme ADMIN-RAD" if "no_aaa_server" not in d else None,
        " primary authentication 10.64.0.10" if "no_aaa_server" not in d else None,
        "#",
        "local-user netadmin class manage",
        " password hash $h$6$Zk8x$abc",
        " service-type ssh",
        " authorization-attribute user-role network-admin",
        "#",
        "line vty 0 63",
        " authentication-mode scheme",
        " protocol inbound ssh",
        " idle-timeout 30 0" if "idle_timeout" in d else " idle-timeout 10 0",
        "#",
        "header legal %Authorized use only%" if "no_banner" not in d else None,
        "#",
        "return",
    ]


def _ruijie(host: str, d: frozenset[str]) -> list[str | None]:
    return [
        "!",
        f"hostname {host}",
        "!",
        "service password-encryption",
        "password policy strong",
        "password policy min-size 10",
        "password policy life-cycle 90",
        "aaa new-model",
        "aaa local authentication attempts 3",
        "aaa local authentication lockout-time 1",
        "aaa authentication login default group radius local",
        "radius-server host 10.64.0.10 key 7 0822455d0a16" if "no_aaa_server" not in d else None,
        "!",
        "username netadmin privilege 15 secret 5 $1$abcd$efgh",
        "!",
        "enable service ssh-server",
        "ip ssh version 2",
        None if "telnet" in d else "no enable service telnet-server",
        "!",
        "snmp-server community public ro" if "snmp_community" in d else None,
        "snmp-server group NMS v3 priv read default",
        "snmp-server user nms NMS v3 auth sha 7 0a1b priv aes128 7 0c1d",
        "!",
        "logging server 10.64.0.30" if "no_syslog" not in d else None,
        "ntp server 10.64.0.123" if "no_ntp" not in d else None,
        "banner login ^C Authorized use only ^C" if "no_banner" not in d else None,
        "!",
        "line vty 0 35",
        " transport input ssh",
        " exec-timeout 30 0" if "idle_timeout" in d else " exec-timeout 10 0",
        "!",
        "end",
    ]


def _cisco(host: str, d: frozenset[str]) -> list[str | None]:
    return [
        "!",
        "version 17.9",
        f"hostname {host}",
        "!",
        "aaa new-model",
        "aaa common-criteria policy PW-POLICY",
        " min-length 10",
        " upper-case 1",
        " lifetime days 90",
        "aaa authentication login VTY-AUTH group RAD-GRP local",
        "aaa local authentication attempts max-fail 3",
        "!",
        "username netadmin privilege 15 secret 9 $9$abc$def",
        "!",
        "ip ssh version 2",
        "login block-for 900 attempts 3 within 120",
        "!",
        "radius server RAD1" if "no_aaa_server" not in d else None,
        " address ipv4 10.64.0.10 auth-port 1812 acct-port 1813"
        if "no_aaa_server" not in d
        else None,
        "!",
        "snmp-server community public RO" if "snmp_community" in d else None,
        "snmp-server group NMS v3 priv read NMS-VIEW",
        "snmp-server view NMS-VIEW iso included",
        "!",
        "logging host 10.64.0.30" if "no_syslog" not in d else None,
        "ntp server 10.64.0.123" if "no_ntp" not in d else None,
        "!",
        "banner login ^C" if "no_banner" not in d else None,
        "Authorized use only" if "no_banner" not in d else None,
        "^C" if "no_banner" not in d else None,
        "!",
        "line con 0",
        " exec-timeout 10 0",
        "line vty 0 15",
        " login authentication VTY-AUTH",
        " transport input ssh telnet" if "telnet" in d else " transport input ssh",
        " exec-timeout 30 0" if "idle_timeout" in d else " exec-timeout 10 0",
        "!",
        "end",
    ]


_CONFIGS = {
    Platform.HUAWEI_VRP: _huawei,
    Platform.HP_COMWARE: _comware,
    Platform.RUIJIE_OS: _ruijie,
    Platform.CISCO_IOS: _cisco,
}


def write_sample_backups(inv: Inventory, backups_dir: Path, now: datetime, seed: int = 2027,
                         skip: Collection[str] = ()) -> int:
    """A backed-up running config for most devices (some with defects, a few stale or missing).

    Devices in ``skip`` (really backed up, e.g. by a push) are left alone."""
    written = 0
    for d in inv.iter_devices():
        if d.role is Role.AP or d.platform not in _CONFIGS or d.hostname in skip:
            continue
        rng = _rng(seed, d.hostname)
        roll = rng.random()
        if roll < 0.04:
            continue  # never backed up
        age = timedelta(days=3) if roll < 0.07 else timedelta(hours=rng.randint(1, 20))
        defects = (
            frozenset(rng.sample(DEFECTS, rng.choice((1, 1, 2))))
            if rng.random() < 0.35
            else frozenset()
        )
        path = backup_path(backups_dir, d.hostname, now - age)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(sample_config(d.platform, d.hostname, defects), encoding="utf-8")
        stamp = (now - age).timestamp()  # written (or last confirmed) then
        os.utime(path, (stamp, stamp))
        written += 1
    return written
