"""The map: a topology picture per county (and the region's backbone) from the inventory and
LLDP, with drift marked, as SVG (for the county report) and a standalone HTML page.

Layout is networkx's (``multipartite_layout``, one layer per tier: backbone, metro, gateway,
firewall/core, access), drawn top-down; nothing is placed by hand. APs are left out (a county has
hundreds; the wireless dashboards show them). Colours: a declared link LLDP confirms is green,
one LLDP does not show is red and dashed, one without LLDP data on either end (or to a
provider, which LLDP does not reach) grey; an LLDP
adjacency no declared link explains is orange and dashed, and so is a device the inventory lacks;
a declared device that never answered is drawn hollow; a device with model/platform/serial/
interface drift has an orange ring.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from netctl.discovery.drift import Drift, canon, devices_of, matches
from netctl.discovery.store import SeenDevice, SeenLink
from netctl.inventory.index import Inventory
from netctl.models.inventory import Role

ROLE_COLOUR = {"backbone": "#4b2991", "metro": "#1f5fa8", "gateway": "#1b8a7a",
               "firewall": "#a33a3a", "core": "#3f7f3f", "wlc": "#7a5a1b", "access": "#4d6d8c",
               "provider": "#777777", "unknown": "#e07b00", "school": "#1b8a7a"}
EDGE_STYLE = {"seen": ("#2a9d4b", ""), "missing": ("#d62728", "6,4"),
              "unverified": ("#9a9a9a", ""), "undeclared": ("#e07b00", "3,3")}
FACT_CODES = {"platform_mismatch", "model_mismatch", "serial_mismatch", "interface_missing"}


@dataclass(frozen=True, slots=True)
class MapNode:
    """A device (or provider) on the map."""

    id: str
    label: str
    role: str
    status: str  # ok | not_seen | undeclared | unknown (never asked)
    drift: tuple[str, ...] = ()
    name: str = ""  # shown on hover (a school's name)


@dataclass(frozen=True, slots=True)
class MapEdge:
    """A link on the map."""

    a: str
    b: str
    status: str  # seen | missing | unverified | undeclared
    label: str = ""


@dataclass(frozen=True, slots=True)
class TopologyMap:
    """Nodes, edges and their layout (x, y in 0..1)."""

    title: str
    nodes: tuple[MapNode, ...]
    edges: tuple[MapEdge, ...]
    pos: dict[str, tuple[float, float]]


def build_map(inv: Inventory, seen: dict[str, SeenDevice], links: Sequence[SeenLink],
              drift: Sequence[Drift], *, county: str | None, title: str) -> TopologyMap:
    """The map of one county (``county``) or of the backbone (``county=None``: backbone and
    metro devices and the links between them)."""
    def wanted(host: str) -> bool:
        e = inv.devices.get(host)
        if e is None or e.role is Role.AP:
            return False
        if county is None:
            return e.role in (Role.BACKBONE, Role.METRO)
        return e.county == county

    marks: dict[str, set[str]] = {}
    for d in drift:
        marks.setdefault(d.device, set()).add(d.code)
    nodes: dict[str, MapNode] = {}

    prefix = f"nx{county}-" if county else ""

    def add(host: str) -> None:
        if host in nodes:
            return
        e = inv.devices.get(host)
        sd = seen.get(host)
        label = host.removeprefix("lldp:")
        label = label.removeprefix(prefix) if prefix and label != prefix else label
        if e is None:
            nodes[host] = MapNode(host, label, "unknown", "undeclared")
            return
        status = "ok" if sd is not None and sd.seen else (
            "not_seen" if sd is not None and sd.last_attempt else "unknown")
        nodes[host] = MapNode(host, label, e.role.value, status,
                              tuple(sorted(marks.get(host, set()) & FACT_CODES)))

    for e in inv.iter_devices():
        if wanted(e.hostname):
            add(e.hostname)
    core = set(nodes)  # links are drawn when one end is here (their far end joins the map)
    with_lldp = {sl.device for sl in links}
    seen_pairs: dict[frozenset[tuple[str, str | None]], SeenLink] = {}
    for sl in links:
        if sl.remote_device and sl.device in core:
            pair = ((sl.device, canon(sl.local_port)), (sl.remote_device, canon(sl.remote_port)))
            seen_pairs.setdefault(frozenset(pair), sl)
    by_devices: dict[frozenset[str], list[tuple[frozenset[tuple[str, str | None]],
                                                tuple[tuple[str, str | None],
                                                      tuple[str, str | None]]]]] = {}
    for key, sl in seen_pairs.items():
        pair = ((sl.device, canon(sl.local_port)),
                (sl.remote_device or "", canon(sl.remote_port)))
        by_devices.setdefault(devices_of(pair), []).append((key, pair))
    edges: list[MapEdge] = []
    explained: set[frozenset[tuple[str, str | None]]] = set()
    for le in inv.links:
        a, b = le.link.a, le.link.b
        ends = []
        for end in (a, b):
            ends.append(end.device if end.device is not None else f"provider:{end.provider}")
        if not any(x in core for x in ends):
            continue
        if county is None and not all(x in core or x.startswith("provider:") for x in ends):
            continue
        declared = ((ends[0], canon(a.interface) if a.interface else None),
                    (ends[1], canon(b.interface) if b.interface else None))
        hits = [k for k, pair in by_devices.get(devices_of(declared), ())
                if matches(declared, pair)]
        explained.update(hits)
        for x in ends:
            if x.startswith("provider:"):
                nodes.setdefault(x, MapNode(x, x.removeprefix("provider:"), "provider", "ok"))
            elif x not in nodes:
                add(x)
        if hits:
            status = "seen"
        elif any(x.startswith("provider:") for x in ends):
            status = "unverified"  # LLDP does not reach into a provider's network
        elif any(x in with_lldp for x in ends):
            status = "missing"
        else:
            status = "unverified"
        edges.append(MapEdge(ends[0], ends[1], status, le.link.kind.value))
    for key, sl in seen_pairs.items():
        if key in explained:
            continue
        remote = sl.remote_device or ""
        far = inv.devices.get(remote)
        if far is not None and far.role is Role.AP:
            continue
        if remote not in nodes:
            if county is None:
                continue  # the backbone map keeps to backbone and metro devices
            add(remote)
        edges.append(MapEdge(sl.device, remote, "undeclared", "lldp"))
    if county is not None and len(nodes) > SCHOOL_LEVEL_AT:
        nodes, edges = _by_school(inv, nodes, edges)
    return TopologyMap(title, tuple(nodes.values()), tuple(edges), _layout(nodes, edges))


EDGE_RANK = {"missing": 0, "undeclared": 1, "seen": 2, "unverified": 3}


def _by_school(inv: Inventory, nodes: dict[str, MapNode], edges: list[MapEdge]
               ) -> tuple[dict[str, MapNode], list[MapEdge]]:
    """One node per school (its devices' drift and silence folded into it), links between
    schools and the metro node folded likewise (the worst status shows): a county of hundreds
    of schools stays readable."""
    school_of: dict[str, str] = {}
    members: dict[str, list[MapNode]] = {}
    for n in nodes.values():
        e = inv.devices.get(n.id)
        site = e.school if e is not None else None
        if site is None and n.status == "undeclared":  # an unknown device joins its neighbour's
            near = next((x.a if x.b == n.id else x.b for x in edges if n.id in (x.a, x.b)), "")
            far = inv.devices.get(near)
            site = far.school if far is not None else None
        if site is not None:
            school_of[n.id] = f"school:{site}"
            members.setdefault(site, []).append(n)
    out = {k: v for k, v in nodes.items() if k not in school_of}
    for site, group in members.items():
        entry = inv.schools.get(site)
        name = entry.school.name if entry is not None else site
        codes = {c for n in group for c in n.drift}
        codes |= {"not_seen" for n in group if n.status == "not_seen"}
        codes |= {"undeclared" for n in group if n.status == "undeclared"}
        out[f"school:{site}"] = MapNode(f"school:{site}", site[-4:], "school", "ok",
                                        tuple(sorted(codes)), f"{site} {name}")
    folded: dict[frozenset[str], MapEdge] = {}
    for x in edges:
        a, b = school_of.get(x.a, x.a), school_of.get(x.b, x.b)
        if a == b:
            continue
        key = frozenset((a, b))
        old = folded.get(key)
        if old is None or EDGE_RANK[x.status] < EDGE_RANK[old.status]:
            folded[key] = MapEdge(a, b, x.status, x.label)
    return out, list(folded.values())


ROW_MAX = 40
SCHOOL_LEVEL_AT = 80  # devices on a county map above which each school is drawn as one node
LAYER = {"backbone": 0, "metro": 1, "gateway": 2, "school": 2, "firewall": 3, "core": 3,
         "wlc": 4, "access": 4, "unknown": 4, "provider": 5}


def _layout(nodes: dict[str, MapNode], edges: list[MapEdge]) -> dict[str, tuple[float, float]]:
    """networkx ``multipartite_layout``: one layer per tier (backbone, metro, gateway,
    firewall/core, access/WLC/unknown, providers), the layers top-down; inside a layer devices
    keep their site together (ordered by the site's first appearance in the tier above); a
    tier of more than ROW_MAX devices wraps onto several rows."""
    import networkx as nx

    if not nodes:
        return {}
    used = sorted({LAYER.get(n.role, 4) for n in nodes.values()})
    g = nx.Graph()
    g.add_edges_from((e.a, e.b) for e in edges)
    order: dict[str, float] = {}
    for layer in used:  # a device sits under the first device above it that it links to
        def key(n: str) -> tuple[float, str]:
            above = [order[m] for m in g.adj.get(n, {}) if m in order]
            return (min(above) if above else float("inf"), n)
        tier = sorted((n for n in nodes if LAYER.get(nodes[n].role, 4) == layer), key=key)
        for i, n in enumerate(tier):
            order[n] = (i + 0.5) / len(tier)
    rows: list[list[str]] = []  # a tier wider than ROW_MAX wraps onto more rows
    for layer in used:
        tier = sorted((n for n in nodes if LAYER.get(nodes[n].role, 4) == layer),
                      key=lambda n: order[n])
        rows += [tier[k:k + ROW_MAX] for k in range(0, len(tier), ROW_MAX)]
    h = nx.Graph()
    h.add_nodes_from(n for row in rows for n in row)
    # a dict of ordered lists keeps the order inside each layer (a node attribute would not)
    raw = nx.multipartite_layout(h, subset_key=dict(enumerate(rows)), align="horizontal")
    row_of = {n: r for r, row in enumerate(rows) for n in row}
    xs = [float(p[0]) for p in raw.values()]
    lo, hi = min(xs), max(xs)
    top = max(1, len(rows) - 1)
    return {n: (0.5 if hi - lo < 1e-9 else (float(p[0]) - lo) / (hi - lo),
                1.0 - row_of[n] / top if len(rows) > 1 else 0.5)
            for n, p in raw.items()}


def render_svg(m: TopologyMap, *, width: int = 1000) -> str:
    """The map as one self-contained SVG element (labels escaped)."""
    rows: dict[float, int] = {}
    for _x, y in m.pos.values():
        rows[round(y, 6)] = rows.get(round(y, 6), 0) + 1
    layers = len(rows) or 1
    width = max(width, 100 * max(rows.values(), default=1) + 140)
    height = max(220, 110 * layers + 90)
    pad_x, pad_top, pad_bottom = 70, 40, 70

    def xy(node: str) -> tuple[float, float]:
        x, y = m.pos.get(node, (0.5, 0.5))
        return (round(pad_x + x * (width - 2 * pad_x), 1),
                round(pad_top + (1 - y) * (height - pad_top - pad_bottom), 1))
    # bfs_layout's horizontal alignment puts the root layer at the top (largest y first)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="topology" role="img" '
           f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
           f'font-family="sans-serif" font-size="11">',
           f"<title>{escape(m.title)}</title>"]
    for e in m.edges:
        colour, dash = EDGE_STYLE[e.status]
        (x1, y1), (x2, y2) = xy(e.a), xy(e.b)
        extra = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(f'<line class="edge {e.status}" x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" '
                   f'stroke="{colour}" stroke-width="2"{extra}>'
                   f"<title>{escape(e.a)} - {escape(e.b)}: {escape(e.status)}</title></line>")
    for i, n in enumerate(sorted(m.nodes, key=lambda n: m.pos.get(n.id, (0, 0)))):
        x, y = xy(n.id)
        colour = ROLE_COLOUR.get(n.role, "#555555")
        fill = "#ffffff" if n.status == "not_seen" else colour
        ring = (f'<circle cx="{x}" cy="{y}" r="13" fill="none" stroke="#e07b00" '
                'stroke-width="3"/>') if n.drift else ""
        dash = ' stroke-dasharray="3,2"' if n.status in ("undeclared", "not_seen") else ""
        note = f" ({', '.join(n.drift)})" if n.drift else ""
        out.append(f'<g class="node {n.status}" data-id="{escape(n.id, {chr(34): "&quot;"})}">'
                   f"{ring}"
                   f'<circle cx="{x}" cy="{y}" r="9" fill="{fill}" stroke="{colour}" '
                   f'stroke-width="2"{dash}/>'
                   f'<text x="{x}" y="{round(y + 24 + 12 * (i % 2), 1)}" '
                   'text-anchor="middle">'
                   f"{escape(n.label)}</text>"
                   f"<title>{escape(n.name or n.label)} [{escape(n.role)}] {escape(n.status)}"
                   f"{escape(note)}</title></g>")
    ly = height - 22
    legend = [("seen", "LLDP confirms"), ("missing", "declared, not seen"),
              ("unverified", "no LLDP data"), ("undeclared", "seen, not declared")]
    for i, (status, text) in enumerate(legend):
        colour, dash = EDGE_STYLE[status]
        lx = 20 + i * 180
        extra = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(f'<line x1="{lx}" y1="{ly}" x2="{lx + 30}" y2="{ly}" stroke="{colour}" '
                   f'stroke-width="2"{extra}/><text x="{lx + 36}" y="{ly + 4}">{text}</text>')
    out.append("</svg>")
    return "".join(out)


def render_html(maps: Sequence[TopologyMap], drift: Sequence[Drift], title: str) -> str:
    """A standalone HTML page: every map, then the drift list."""
    rows = "".join(
        f"<tr><td>{escape(d.code)}</td><td>{escape(d.device)}</td><td>{escape(d.detail)}</td>"
        f"<td><code>{escape(d.fix)}</code></td></tr>" for d in drift)
    sections = "".join(f"<section><h2>{escape(m.title)}</h2>{render_svg(m)}</section>"
                       for m in maps)
    return ("<!DOCTYPE html><html lang=\"zh\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(title)}</title><style>body{{font-family:sans-serif;margin:2em}}"
            "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 6px;"
            "font-size:13px}svg{border:1px solid #eee}section{overflow-x:auto}</style>"
            f"</head><body><h1>{escape(title)}</h1>{sections}"
            f"<h2>drift ({len(drift)})</h2><table><tr><th>code</th><th>device</th>"
            f"<th>detail</th><th>fix</th></tr>{rows}</table></body></html>\n")
