"""Discovery's tables on SQLite and PostgreSQL (tests/conftest.py ``state_url``): a run lands
whole, first_seen is kept, a failed part keeps what was known, neighbours resolve."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from netctl.discovery.poll import DevicePoll, Neighbour
from netctl.discovery.store import record_discovery, seen_devices, seen_links
from netctl.state import StateStore

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
HOSTS = {"gw1", "sw1"}


def polls(model: str | None = "S6730-H24X6C") -> list[DevicePoll]:
    gw = DevicePoll("gw1", ok=True, sys_name="gw1", chassis_id="00:e0:fc:00:00:01",
                    vendor="Huawei", platform="huawei_vrp", model=model, serial="2102A",
                    interfaces=["GigabitEthernet0/0/1", "GigabitEthernet0/0/3"], lldp_ok=True,
                    neighbours=[
                        Neighbour("GigabitEthernet0/0/1", "00:e0:fc:00:00:02", "Gi0/0/49",
                                  "SW1.nxedu.example.cn"),
                        Neighbour("GigabitEthernet0/0/3", "00:e0:fc:00:00:09", "Gi0/0/1",
                                  "sw9", vendor="Huawei", platform="huawei_vrp")])
    return [gw, DevicePoll("sw1", error="no response")]


def test_record_and_read_back(state_url: str) -> None:
    with StateStore(state_url) as store:
        record_discovery(store, polls(), T0, HOSTS)
        record_discovery(store, polls(model=None), T0 + timedelta(days=1), HOSTS)
        devices = seen_devices(store)
        links = seen_links(store)
    gw = devices["gw1"]
    assert gw.first_seen == T0 and gw.last_seen == T0 + timedelta(days=1)
    assert gw.model == "S6730-H24X6C"  # entity failed the second time: the model is kept
    assert gw.interfaces == ("GigabitEthernet0/0/1", "GigabitEthernet0/0/3")
    assert not devices["sw1"].seen and devices["sw1"].last_error == "no response"
    assert devices["lldp:sw9"].platform == "huawei_vrp"
    assert [(sl.local_port, sl.remote_device, sl.first_seen) for sl in links] == [
        ("GigabitEthernet0/0/1", "sw1", T0),  # by system name, domain and case aside
        ("GigabitEthernet0/0/3", "lldp:sw9", T0)]
