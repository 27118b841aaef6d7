"""Fingerprints from real agents' sysObjectID and sysDescr (LibreNMS tests/snmpsim recordings:
vrp_ac6605-26, vrp (AR1220), vrp_5720, comware; tests/fixtures/snmp/SOURCES.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from netctl.discovery.profiles import fingerprint, load_discovery, vendor_of_descr

REPO = Path(__file__).resolve().parents[3]
PROFILES, RULES = load_discovery(REPO / "collectors" / "snmp")


@pytest.mark.parametrize(("oid", "descr", "expected"), [
    ("1.3.6.1.4.1.2011.2.240.6",
     "Huawei AC6605-26-PWR Huawei Versatile Routing Platform Software  VRP (R) software,Version "
     "5.170 (AC6605-26-PWR V200R010C00SPC500) Copyright (C) 2011-2019 Huawei Technologies Co., "
     "Ltd", ("Huawei", "huawei_vrp", "V200R010C00SPC500")),
    ("1.3.6.1.4.1.2011.2.224.1",
     "Huawei AR1220 Huawei Versatile Routing Platform Software  VRP (R) software,Version 5.120 "
     "(AR1220 V200R003C01SPC900) Copyright (C) 2011-2013 Huawei Technologies Co., Ltd",
     ("Huawei", "huawei_vrp", "V200R003C01SPC900")),
    ("1.3.6.1.4.1.2011.2.23.291",
     "S5720-56C-PWR-EI-AC\nHuawei Versatile Routing Platform Software \r\n VRP (R) software,"
     "Version 5.170 (S5720 V200R010C00SPC600) \r\n Copyright (C) 2007 Huawei Technologies Co., "
     "Ltd.", ("Huawei", "huawei_vrp", "V200R010C00SPC600")),
    ("1.3.6.1.4.1.25506.11.1.172",
     "HP Comware Platform Software, Software Version 7.1.045, Release 2416 HP FF 5700-40XG-2QSFP"
     "  Switch Copyright (c) 2010-2014 Hewlett-Packard Development Company, L.P.",
     ("H3C", "hp_comware", "7.1.045, Release 2416")),
    ("1.3.6.1.4.1.8072.3.2.10", "Linux core 6.1.0-18-amd64 #1 SMP x86_64",
     ("net-snmp", None, "6.1.0-18-amd64")),
    ("1.3.6.1.4.1.99999.1", "Some Vendor OS 1.0", (None, None, None)),
])
def test_real_sysdescr(oid: str, descr: str, expected: tuple[str | None, ...]) -> None:
    fp = fingerprint(RULES, oid, descr)
    assert (fp.vendor, fp.platform, fp.os_version) == expected


def test_lldp_neighbour_vendor_from_its_system_description() -> None:
    # lldpRemSysDesc of a real AC6605's neighbour (an S5720), as recorded
    fp = vendor_of_descr(RULES, "S5720-56C-PWR-EI-AC\nHuawei Versatile Routing Platform "
                         "Software\r\nVRP (R) software, Version 5.170 (S5720 V200R010C00SPC600)")
    assert (fp.vendor, fp.platform) == ("Huawei", "huawei_vrp")
    assert vendor_of_descr(RULES, "Linux server").vendor is None
    assert set(PROFILES) == {"lldp", "interfaces"}
