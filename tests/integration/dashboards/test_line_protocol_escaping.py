"""Issue 13.7: a tag value ending in ``\\`` (and the other line-protocol specials) is escaped so
that a real InfluxDB accepts the whole batch and keeps every point."""

from __future__ import annotations

import httpx
import pytest

from netctl.collectors.points import Point, lines

pytestmark = pytest.mark.integration

DB = "escaping"
HOSTILE = ["C:\\share\\", "gw\\", "a\\\\", "a b", "a,b", "a=b", "a\\,b", "x\\ y", "trail ",
           "中文\\", "new\nline", "plain"]


def test_hostile_tag_values_do_not_break_the_batch(influxd: str) -> None:
    points = [Point("lp_escape", (("device", value), ("n", str(i))), {"v": i, "s": value},
                    1_700_000_000_000 + i)
              for i, value in enumerate(HOSTILE)]
    # hostile keys and measurement too
    points.append(Point("lp\\ escape,x", (("dev\\", "ok"), ("n", "k")), {"f\\": 1},
                        1_700_000_100_000))
    with httpx.Client(timeout=30) as c:
        assert c.post(f"{influxd}/query", data={"q": f"CREATE DATABASE {DB}"}).status_code == 200
        r = c.post(f"{influxd}/write", params={"db": DB, "precision": "ms"},
                   content="\n".join(lines(points)).encode())
        assert r.status_code == 204, r.text
        r = c.get(f"{influxd}/query", params={"db": DB, "q": 'SELECT "v", "s", "device" FROM '
                                               '"lp_escape" ORDER BY time'})
        assert r.status_code == 200, r.text
        values = r.json()["results"][0]["series"][0]["values"]
    assert [row[1] for row in values] == list(range(len(HOSTILE)))  # every point, none merged
    assert [row[2] for row in values] == HOSTILE  # string fields are exact
    devices = [row[3] for row in values]
    assert devices == ["C:\\share＼", "gw＼", "a\\＼", "a b", "a,b", "a=b", "a＼,b", "x＼ y",
                       "trail ", "中文＼", "newline", "plain"]
    assert len(set(devices)) == len(devices)  # no two series merged
