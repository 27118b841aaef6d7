"""Wireless KPIs: ``wireless_coverage`` and ``wifi6_urban`` (every teaching room covered)."""

from __future__ import annotations

from typing import NamedTuple

from netctl.compliance.context import MAX_LISTED, Context, ev_line
from netctl.compliance.evidence import Evidence, Reading, age_text
from netctl.compliance.model import Reason, SchoolResult
from netctl.inventory.index import DeviceEntry, SchoolEntry
from netctl.models.inventory import Role

AP_ONLINE = frozenset({"online", "normal", "run", "registered", "up"})
AP_STATE_ZH = {"offline": "离线", "down": "离线", "fault": "故障", "idle": "空闲",
               "download": "升级中", "config": "配置中", "unknown": "未知"}
"""AP states as Chinese words in Chinese reasons (an unlisted state is shown as reported)."""


def _ap_online(ev: Evidence, ap: str) -> Reading | None:
    r = ev.fresh(ap, "ap_state")
    return r if r is not None and str(r.value).strip().lower() in AP_ONLINE else None


def _ap_missing(ev: Evidence, ap: DeviceEntry) -> Reason:
    """Why an AP has no current state: APs are reported by their controller, not polled."""
    host = ap.hostname
    old = ev.get(host, "ap_state")
    if old is not None:
        zh_age, en_age = age_text(ev.now - old.at)
        return Reason(
            "stale", f"AP {host} 状态已 {zh_age} 未更新", f"AP {host}: no state for {en_age}"
        )
    ctrl = ap.device.controller
    if ctrl is not None:
        poll = ev.fresh(ctrl, "poll_ok")
        if poll is None or not poll.value:
            why = ev.why_missing(ctrl, "poll_ok", "", ("轮询", "poll"))
            return Reason(
                why.code,
                f"AP {host} 无状态：无线控制器 {why.zh}",
                f"AP {host}: no state; its controller {why.en}",
            )
    return Reason(
        "ap_not_reported",
        f"AP {host} 未被无线控制器上报",
        f"AP {host}: not reported by any wireless controller",
    )


_NO_REASON = Reason("", "", "")


class _ApState(NamedTuple):
    online: bool | None  # None: no current state
    line: str = ""
    offline: str = ""
    offline_zh: str = ""
    missing: Reason = _NO_REASON


_new = tuple.__new__


def _ap_state(ctx: Context, ap: DeviceEntry) -> _ApState:
    """An AP's state judged once per run (both wireless KPIs ask)."""
    host = ap.device.hostname
    found: _ApState | None = ctx.ap_states.get(host)
    if found is not None:
        return found
    ev = ctx.ev
    state = ev.fresh(host, "ap_state")
    # _ApState(...) without its Python-level __new__ (a region has ~20,000 APs)
    if state is None:
        found = _new(_ApState, (None, "", "", "", _ap_missing(ev, ap)))
    else:
        value = state.value
        word = str(value).strip().lower()
        if word in AP_ONLINE:
            line = (  # ev_line(ev, host, "ap_state", state) + " via …", a text as it is
                f"{host} ap_state={value} @{ev.stamp(state.at)} via {state.source}"
                if type(value) is str
                else f"{ev_line(ev, host, 'ap_state', state)} via {state.source}"
            )
            found = _new(_ApState, (True, line, "", "", _NO_REASON))
        else:
            found = _new(_ApState, (False, ev_line(ev, host, "ap_state", state),
                                    f"{host}({state.value})",
                                    f"{host}（{AP_STATE_ZH.get(word, str(state.value))}）",
                                    _NO_REASON))
    ctx.ap_states[host] = found
    return found


def _is_wifi6(ev: Evidence, ap: DeviceEntry) -> bool:
    radio = ev.fresh(ap.device.hostname, "ap_radio")
    if radio is not None and isinstance(radio.value, str):
        v = radio.value.lower()
        return "ax" in v or "be" in v
    return ap.wifi is not None and ap.wifi.is_wifi6_or_newer


def _mapped(ctx: Context, code: str, aps: list[DeviceEntry]) -> bool:
    """Does every AP of the school name its room? (once per school: both KPIs ask)"""
    found = ctx.rooms_mapped.get(code)
    if found is None:
        found = ctx.rooms_mapped[code] = bool(aps) and all(a.device.room for a in aps)
    return found


def coverage(ctx: Context, s: SchoolEntry, *, wifi6: bool) -> SchoolResult | None:
    """Every teaching room covered by an online AP (Wi-Fi 6 or newer for ``wifi6_urban``).

    The result's numerator/denominator are rooms covered / teaching rooms; ``met`` only when all.

    Where every AP of the school names its room, each room needs an online AP; otherwise online
    APs ≥ rooms × APs per room. An AP is counted once, whichever controller reports it.
    """
    school = s.school
    kpi = "wifi6_urban" if wifi6 else "wireless_coverage"
    if wifi6 and not school.category.urban_or_town:
        return None
    code, ev = s.code, ctx.ev
    rooms = school.teaching_rooms
    gen_zh, gen_en = ("Wi-Fi 6 ", "Wi-Fi 6 ") if wifi6 else ("", "")
    if rooms == 0:
        return SchoolResult(
            code,
            kpi,
            0,
            1,
            False,
            (
                Reason(
                    "no_rooms_declared",
                    "学校未申报教学用房数量(teaching_rooms)",
                    "the school declares no teaching rooms (teaching_rooms)",
                ),
            ),
        )
    per_room = school.aps_per_room or ctx.inv.defaults.aps_per_room
    aps = ctx.devices_with_role(code, Role.AP)
    qualifying = [a for a in aps if not wifi6 or _is_wifi6(ev, a)]
    online: list[DeviceEntry] = []
    offline: list[str] = []
    offline_zh: list[str] = []
    unreported: list[Reason] = []
    evidence: list[str] = []
    for ap in qualifying:
        st = _ap_state(ctx, ap)
        if st.online is None:
            unreported.append(st.missing)
        elif st.online:
            online.append(ap)
            evidence.append(st.line)
        else:
            offline.append(st.offline)
            offline_zh.append(st.offline_zh)
            evidence.append(st.line)
    mapped = _mapped(ctx, code, aps)
    if mapped:
        covered_rooms = {a.device.room for a in online}
        covered = min(rooms, len(covered_rooms))
    else:
        covered = min(rooms, len(online) // per_room)
    # The school's value is the share of its rooms covered (13 of 14: 92.9 %, not met); the
    # county counts the schools that are wholly covered (engine: ``met``), as the plan asks.
    if covered >= rooms:
        return SchoolResult(code, kpi, rooms, rooms, True, (), tuple(evidence))
    dark: list[str] = []
    if mapped:
        known = {a.device.room for a in aps if a.device.room}
        dark = sorted(r for r in known - covered_rooms if r)
    missing = rooms - covered
    listed = f"：{', '.join(dark[:MAX_LISTED])}" if dark else ""
    listed_en = f": {', '.join(dark[:MAX_LISTED])}" if dark else ""
    reasons = [
        Reason(
            "rooms_uncovered",
            f"{rooms} 间教学用房中 {missing} 间没有在线{gen_zh}AP{listed}",
            f"{missing} of {rooms} rooms without an online {gen_en}AP{listed_en}",
        )
    ]
    if not mapped:
        need = rooms * per_room
        reasons.append(
            Reason(
                "aps_short",
                f"需 {need} 台在线{gen_zh}AP（每间 {per_room} 台），在线 "
                f"{len(online)} 台，清单登记 {len(qualifying)} 台",
                f"{need} online {gen_en}APs needed ({per_room} per room), "
                f"{len(online)} online, {len(qualifying)} in inventory",
            )
        )
    if offline:
        reasons.append(
            Reason(
                "aps_offline",
                f"{len(offline)} 台 AP 离线：{'、'.join(offline_zh[:MAX_LISTED])}",
                f"{len(offline)} AP(s) offline: {', '.join(offline[:MAX_LISTED])}",
            )
        )
    if unreported:
        first = unreported[0]
        more_zh = f"（共 {len(unreported)} 台 AP 无有效状态）" if len(unreported) > 1 else ""
        more_en = f" ({len(unreported)} APs without a current state)" if len(unreported) > 1 else ""
        reasons.append(Reason(first.code, first.zh + more_zh, first.en + more_en))
    return SchoolResult(code, kpi, covered, rooms, False, tuple(reasons), tuple(evidence))
