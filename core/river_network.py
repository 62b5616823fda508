"""A directed river network from centerlines: snapping, topology checks and along-channel distances.

Distances are measured along the channel in planar metres, following the flow. Flow follows
each line's digitised direction unless the caller marks it reversed. Small gaps between line
ends are closed (and reported); a line end that touches another line's interior becomes a
confluence. Bigger gaps, contradictory flow directions and disconnected pieces are reported
as issues with their location, so the user can fix the source data.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import LineString, MultiLineString, Point
from shapely.ops import substring

_EPS = 1e-6


# Values of a reversal field that mean "this line is drawn against the flow".
REVERSED_TRUE = ("1", "1.0", "true", "t", "yes", "y", "是", "反向", "reversed", "√")


def is_reversed(value) -> bool:
    """A reversal-field value: true for 是/1/true/yes/y/反向 (any case), a boolean True or the number 1."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value) == 1.0
    return str(value).strip().casefold() in REVERSED_TRUE


@dataclass
class NetworkIssue:
    """Something wrong (or silently repaired) in the river lines, with where it is."""

    kind: str  # 'gap_closed' | 'overshoot' | 'gap' | 'reversed' | 'multiple_outlets' | 'isolated'
    x: float
    y: float
    detail: str
    detail_zh: str = ""
    edge: int | None = None  # the network edge concerned, when one is


@dataclass(frozen=True)
class Position:
    """A place on the network."""

    edge: int  # index of the network edge
    offset_m: float  # along the edge from its upstream end
    distance_m: float  # from the located point to the channel
    point: Point  # the point on the channel


@dataclass
class _Edge:
    line: LineString  # oriented upstream → downstream
    u: int  # upstream node
    v: int  # downstream node
    source: int  # index of the input line
    name: str

    @property
    def length(self) -> float:
        return self.line.length


def _label(name: str, index: int) -> str:
    return name or f"line {index + 1}"


def _label_zh(name: str, index: int) -> str:
    return name or f"第 {index + 1} 条河线"


def _parts(geom, source: str = "(river lines)") -> list[LineString]:
    if geom is None or geom.is_empty:
        return []
    if isinstance(geom, LineString):
        return [geom] if geom.length > _EPS else []
    if isinstance(geom, MultiLineString):
        return [g for g in geom.geoms if g.length > _EPS]
    if hasattr(geom, "geoms") and geom.geom_type == "GeometryCollection":
        return [p for g in geom.geoms for p in _parts(g, source)]
    from .errors import ZoneRiversNotLines

    raise ZoneRiversNotLines(source, geom.geom_type)


def _trim_overshoots(parts, names, limit_m: float, snap_m: float, issues: list[NetworkIssue]) -> None:
    """A line end that crosses another line without a shared vertex and runs on for at most limit_m (a
    digitising overshoot) is cut back to the crossing, so the two join there. In place; reported."""
    lines = [LineString(c) for c, _s in parts]
    if len(lines) < 2:
        return
    tree = shapely.STRtree(lines)
    for p, (coords, src) in enumerate(parts):
        line = lines[p]
        length = line.length
        cut_start, cut_end = None, None  # (offset on p, crossed part, point)
        for q in tree.query(line, predicate="intersects"):
            q = int(q)
            if q == p:
                continue
            other = lines[q]
            for pt in shapely.get_parts(line.intersection(other)):
                if pt.geom_type != "Point":
                    continue
                off, off_q = line.project(pt), other.project(pt)
                if off <= _EPS or off >= length - _EPS or off_q <= _EPS or off_q >= other.length - _EPS:
                    continue  # at a line end: a confluence or a continuation, not an overshoot
                if length - off <= limit_m and (cut_end is None or off > cut_end[0]):
                    cut_end = (off, q, pt)
                if off <= limit_m and (cut_start is None or off < cut_start[0]):
                    cut_start = (off, q, pt)
        start, end = 0.0, length
        for which, cut in (("end", cut_end), ("start", cut_start)):
            if cut is None:
                continue
            off, q, pt = cut
            tip = Point(coords[-1] if which == "end" else coords[0])
            near = [int(k) for k in tree.query(tip, predicate="dwithin", distance=snap_m) if int(k) not in (p, q)]
            if near:
                continue  # the end joins something else: not a dangling overshoot
            if which == "end" and off > start:
                end = off
            elif which == "start" and off < end:
                start = off
            else:
                continue
            over = length - off if which == "end" else off
            target, target_zh = _label(names[parts[q][1]], parts[q][1]), _label_zh(names[parts[q][1]], parts[q][1])
            label, label_zh = _label(names[src], src), _label_zh(names[src], src)
            issues.append(NetworkIssue(
                "overshoot", pt.x, pt.y,
                f"The {which} of {label} crosses {target} without a shared vertex and runs {over:.1f} m past it; "
                "joined at the crossing (the overshoot is ignored).",
                f"{label_zh}的{'终点' if which == 'end' else '起点'}越过{target_zh} {over:.1f} 米，二者无公共节点；"
                "已在交叉点连接（越过部分不计）。"))
        if start > 0.0 or end < length:
            parts[p] = ([(float(c[0]), float(c[1])) for c in substring(line, start, end).coords], src)


class RiverNetwork:
    """Directed graph of river edges; build with :meth:`RiverNetwork.build`."""

    def __init__(self, edges: list[_Edge], nodes: list[tuple[float, float]], issues: list[NetworkIssue]):
        self.edges = edges
        self.nodes = nodes
        self.issues = issues
        self._out: dict[int, list[int]] = defaultdict(list)
        self._in: dict[int, list[int]] = defaultdict(list)
        for i, e in enumerate(edges):
            self._out[e.u].append(i)
            self._in[e.v].append(i)
        self._tree = shapely.STRtree([e.line for e in edges]) if edges else None

    # ------------------------------------------------------------------ building

    @classmethod
    def build(
        cls,
        lines,
        *,
        reversed_flags=None,
        names=None,
        snap_m: float = 5.0,
        gap_report_m: float | None = None,
        source: str = "(river lines)",
    ) -> RiverNetwork:
        """lines: shapely (Multi)LineStrings in planar metres; flow follows each line's direction unless
        reversed_flags[i]; names[i] optional river name. Ends within snap_m join (a closed gap is an issue
        'gap_closed'); a line end near another line's interior joins there (confluence); bigger gaps (up to
        gap_report_m, default max(100 m, 20 × snap_m)) stay, reported as 'gap' issues with location; a
        segment whose direction contradicts its neighbours is reported 'reversed' (and, when the
        contradiction points at one segment unambiguously, routed as if flipped). A line end that crosses
        another line and overshoots it by at most gap_report_m joins at the crossing ('overshoot'). A branch
        that leaves a confluence and dead-ends (a tributary drawn from its mouth) is reported 'reversed'
        (and routed as flipped when the main stem through the confluence is clear); more than one outlet
        in a connected network is reported 'multiple_outlets'. source names the input in errors (a
        non-line geometry raises ZoneRiversNotLines)."""
        lines = list(lines)
        reversed_flags = list(reversed_flags) if reversed_flags is not None else [False] * len(lines)
        names = [(n or "") if n is not None else "" for n in names] if names is not None else [""] * len(lines)
        if gap_report_m is None:
            gap_report_m = max(100.0, 20.0 * snap_m)
        issues: list[NetworkIssue] = []

        parts: list[tuple[list[tuple[float, float]], int]] = []  # (coords, source line)
        for i, geom in enumerate(lines):
            for part in _parts(geom, source):
                coords = [(float(c[0]), float(c[1])) for c in part.coords]
                if reversed_flags[i]:
                    coords.reverse()
                parts.append((coords, i))
        _trim_overshoots(parts, names, gap_report_m, snap_m, issues)

        # 1. Cluster line ends within snap_m (union-find over end points).
        ends = []  # (part, which end 0/-1)
        pts = []
        for p, (coords, _src) in enumerate(parts):
            ends.append((p, 0))
            pts.append(coords[0])
            ends.append((p, -1))
            pts.append(coords[-1])
        parent = list(range(len(pts)))

        def find(a: int) -> int:
            while parent[a] != a:
                parent[a] = parent[parent[a]]
                a = parent[a]
            return a

        if pts:
            end_tree = shapely.STRtree(shapely.points(pts))
            for a, b in zip(*end_tree.query(shapely.points(pts), predicate="dwithin", distance=snap_m)):
                if a < b:
                    parent[find(a)] = find(b)
        clusters: dict[int, list[int]] = defaultdict(list)
        for k in range(len(pts)):
            clusters[find(k)].append(k)
        node_of_end: dict[int, int] = {}
        nodes: list[tuple[float, float]] = []
        node_members: list[list[int]] = []
        for members in clusters.values():
            nid = len(nodes)
            xs = [pts[m][0] for m in members]
            ys = [pts[m][1] for m in members]
            nodes.append((sum(xs) / len(xs), sum(ys) / len(ys)))
            node_members.append(members)
            for m in members:
                node_of_end[m] = nid
            spread = max(math.dist(pts[m], nodes[nid]) for m in members)
            if spread > _EPS:
                srcs = sorted({parts[m // 2][1] for m in members})
                gap = max(math.dist(pts[a], pts[b]) for a in members for b in members)
                label = ", ".join(_label(names[s], s) for s in srcs)
                label_zh = "、".join(_label_zh(names[s], s) for s in srcs)
                issues.append(
                    NetworkIssue(
                        "gap_closed",
                        *nodes[nid],
                        f"Line ends {gap:.1f} m apart ({label}) were joined (snap tolerance {snap_m:g} m).",
                        f"相距 {gap:.1f} 米的河线端点（{label_zh}）已自动连接（捕捉容差 {snap_m:g} 米）。",
                    )
                )

        # 2. A node near another part's interior joins it there (a confluence).
        splits: dict[int, list[tuple[float, int]]] = defaultdict(list)
        part_lines = [LineString(c) for c, _s in parts]
        if parts:
            part_tree = shapely.STRtree(part_lines)
            for nid, (x, y) in enumerate(nodes):
                pt = Point(x, y)
                own = {m // 2 for m in node_members[nid]}
                best = None
                for p in part_tree.query(pt, predicate="dwithin", distance=snap_m):
                    p = int(p)
                    line = part_lines[p]
                    off = line.project(pt)
                    if off <= _EPS or off >= line.length - _EPS:
                        continue  # at the part's own end: handled by the end clustering
                    if p in own and min(off, line.length - off) <= snap_m:
                        continue
                    d = line.distance(pt)
                    if best is None or d < best[0]:
                        best = (d, p, off)
                if best is None:
                    continue
                d, p, off = best
                on = part_lines[p].interpolate(off)
                nodes[nid] = (on.x, on.y)
                splits[p].append((off, nid))
                if d > _EPS:
                    srcs = sorted({parts[m // 2][1] for m in node_members[nid]})
                    label = ", ".join(_label(names[s], s) for s in srcs)
                    label_zh = "、".join(_label_zh(names[s], s) for s in srcs)
                    target = _label(names[parts[p][1]], parts[p][1])
                    target_zh = _label_zh(names[parts[p][1]], parts[p][1])
                    issues.append(
                        NetworkIssue(
                            "gap_closed",
                            on.x,
                            on.y,
                            f"The end of {label} was {d:.1f} m from {target} and was joined to it "
                            f"(snap tolerance {snap_m:g} m).",
                            f"{label_zh}的端点距{target_zh} {d:.1f} 米，已自动接入（捕捉容差 {snap_m:g} 米）。",
                        )
                    )

        # 3. Edges: parts with snapped ends, split at confluences.
        edges: list[_Edge] = []
        for p, (coords, src) in enumerate(parts):
            coords = list(coords)
            u = node_of_end[2 * p]
            v = node_of_end[2 * p + 1]
            coords[0] = nodes[u]
            coords[-1] = nodes[v]
            if u == v and len(coords) <= 2:
                continue
            line = LineString(coords)
            cuts = sorted(splits.get(p, []))
            start_off, start_node = 0.0, u
            for off, nid in cuts + [(line.length, v)]:
                if off - start_off <= _EPS:
                    start_node = nid if off > 0 else start_node
                    continue
                piece = substring(line, start_off, off)
                pc = list(piece.coords)
                pc[0] = nodes[start_node]
                pc[-1] = nodes[nid]
                edges.append(_Edge(LineString(pc), start_node, nid, src, names[src]))
                start_off, start_node = off, nid

        net = cls(edges, nodes, issues)
        net._check_directions()
        net._check_branches()
        net._check_connectivity(gap_report_m, snap_m)
        net._check_outlets()
        return net

    def _check_directions(self) -> None:
        """Flag nodes where flow only enters (or only leaves) from several sides."""
        sinks = {n for n in range(len(self.nodes)) if len(self._in[n]) >= 2 and not self._out[n]}
        sources = {n for n in range(len(self.nodes)) if len(self._out[n]) >= 2 and not self._in[n]}
        flipped: set[int] = set()
        for i, e in enumerate(self.edges):
            if e.u in sources and e.v in sinks:
                flipped.add(i)
        for i in sorted(flipped):
            e = self.edges[i]
            mid = e.line.interpolate(0.5, normalized=True)
            label, label_zh = _label(e.name, e.source), _label_zh(e.name, e.source)
            self.issues.append(
                NetworkIssue(
                    "reversed",
                    mid.x,
                    mid.y,
                    f"A segment of {label} ({e.length:.0f} m) flows against its neighbours: both its ends meet lines "
                    "that flow away from or into it. It is treated as flowing the other way; check the line "
                    "direction (or the reversal field).",
                    f"{label_zh}的一段（{e.length:.0f} 米）流向与相邻河段矛盾，已按反向处理；请核对线的绘制方向"
                    "（或反向字段）。",
                    edge=i,
                )
            )
            self._flip(i)
            sinks.discard(e.u)
            sources.discard(e.v)
        for n in sorted(sinks):
            if self._out[n] or len(self._in[n]) < 2:
                continue
            self._node_direction_issue(n, self._in[n], "flow into", "流入")
        for n in sorted(sources):
            if self._in[n] or len(self._out[n]) < 2:
                continue
            self._node_direction_issue(n, self._out[n], "flow out of", "流出")

    def _flip(self, i: int) -> None:
        e = self.edges[i]
        self._out[e.u].remove(i)
        self._in[e.v].remove(i)
        e.line = LineString(list(e.line.coords)[::-1])
        e.u, e.v = e.v, e.u
        self._out[e.u].append(i)
        self._in[e.v].append(i)

    def _dead_end_chain(self, i: int) -> list[int] | None:
        """The edges from edge i downstream to a dangling end (nothing else joining or leaving on the
        way), or None when the branch goes on into the network."""
        chain, seen = [i], {i}
        node = self.edges[i].v
        while True:
            ins, outs = self._in[node], self._out[node]
            if len(ins) == 1 and not outs:
                return chain
            if len(ins) == 1 and len(outs) == 1 and outs[0] not in seen:
                chain.append(outs[0])
                seen.add(outs[0])
                node = self.edges[outs[0]].v
                continue
            return None

    def _check_branches(self) -> None:
        """A branch that leaves a confluence (flow enters it and several lines leave) and dead-ends without
        any outflow is most likely a tributary drawn from its mouth towards its source. When the main stem
        through the confluence is clear (the same line or river name goes on), the branch is reported and
        routed as flipped; otherwise the confluence is reported."""
        for n in range(len(self.nodes)):
            ins, outs = list(self._in[n]), list(self._out[n])
            if not ins or len(outs) < 2:
                continue
            chains = {i: self._dead_end_chain(i) for i in outs}
            dead = [i for i in outs if chains[i] is not None]
            if not dead:
                continue
            in_sources = {self.edges[i].source for i in ins}
            in_names = {self.edges[i].name for i in ins if self.edges[i].name}
            main = [i for i in outs if self.edges[i].source in in_sources]
            if not main:
                main = [i for i in outs if self.edges[i].name and self.edges[i].name in in_names]
            if len(main) == 1:
                for i in dead:
                    if i == main[0]:
                        continue
                    chain = chains[i]
                    e = self.edges[i]
                    length = sum(self.edges[k].length for k in chain)
                    end = self.nodes[self.edges[chain[-1]].v]
                    label, label_zh = _label(e.name, e.source), _label_zh(e.name, e.source)
                    x, y = self.nodes[n]
                    self.issues.append(NetworkIssue(
                        "reversed", x, y,
                        f"{label} ({length:.0f} m) starts at this confluence and flows away from it into a dead end "
                        f"at ({end[0]:.3f}, {end[1]:.3f}) without an outflow: it is probably a tributary drawn from "
                        "its mouth towards its source. It is treated as flowing into the confluence; check the line "
                        "direction (or the reversal field).",
                        f"{label_zh}（{length:.0f} 米）从此汇合点流出，止于无出流的端点（{end[0]:.3f}, {end[1]:.3f}），"
                        "可能是从河口向源头绘制的支流，已按流入汇合点处理；请核对线的绘制方向（或反向字段）。",
                        edge=i,
                    ))
                    for k in chain:
                        self._flip(k)
            elif len(dead) >= 1:
                labels = sorted({_label(self.edges[i].name, self.edges[i].source) for i in dead})
                labels_zh = sorted({_label_zh(self.edges[i].name, self.edges[i].source) for i in dead})
                self.issues.append(NetworkIssue(
                    "reversed", *self.nodes[n],
                    f"{len(outs)} lines leave this confluence and {', '.join(labels)} dead-end(s) without an outflow: "
                    "a tributary is probably drawn from its mouth towards its source. Check the line directions here.",
                    f"{len(outs)} 条河段从此汇合点流出，其中{'、'.join(labels_zh)}止于无出流的端点，"
                    "可能有支流是从河口向源头绘制的，请核对此处的线方向。",
                    edge=dead[0],
                ))

    def _check_outlets(self) -> None:
        """Warn when a connected network drains to more than one outlet (a node flow only enters)."""
        if not self.edges:
            return
        comp = self._components()
        outlets: dict[int, list[int]] = defaultdict(list)
        for n in range(len(self.nodes)):
            if self._in[n] and not self._out[n]:
                outlets[comp[n]].append(n)
        reported = {(round(i.x, 3), round(i.y, 3)) for i in self.issues}
        for nodes in outlets.values():
            if len(nodes) < 2:
                continue

            def upstream_length(n: int) -> float:
                seen, stack, total = {n}, [n], 0.0
                while stack:
                    for i in self._in[stack.pop()]:
                        total += self.edges[i].length
                        if self.edges[i].u not in seen:
                            seen.add(self.edges[i].u)
                            stack.append(self.edges[i].u)
                return total

            main = max(nodes, key=upstream_length)
            for n in nodes:
                x, y = self.nodes[n]
                if n == main or (round(x, 3), round(y, 3)) in reported:
                    continue
                e = self.edges[self._in[n][0]]
                label, label_zh = _label(e.name, e.source), _label_zh(e.name, e.source)
                mx, my = self.nodes[main]
                self.issues.append(NetworkIssue(
                    "multiple_outlets", x, y,
                    f"The network drains to {len(nodes)} outlets: {label} ends here, besides the main outlet at "
                    f"({mx:.3f}, {my:.3f}). Unless this is a real distributary, a line here is drawn against the "
                    "flow; check the line directions.",
                    f"河网有 {len(nodes)} 个出口：{label_zh}止于此处（主出口位于（{mx:.3f}, {my:.3f}））。"
                    "除非此处确为分流河道，否则有河段绘制方向与水流相反，请核对。",
                    edge=self._in[n][0],
                ))

    def _node_direction_issue(self, n: int, edge_ids: list[int], verb: str, verb_zh: str) -> None:
        labels = sorted({_label(self.edges[i].name, self.edges[i].source) for i in edge_ids})
        other = "leaves" if verb == "flow into" else "enters"
        labels_zh = sorted({_label_zh(self.edges[i].name, self.edges[i].source) for i in edge_ids})
        self.issues.append(
            NetworkIssue(
                "reversed",
                *self.nodes[n],
                f"{len(edge_ids)} segments ({', '.join(labels)}) {verb} this point and none {other} it: "
                "one of them is probably drawn against the flow. Check the line directions here.",
                f"{len(edge_ids)} 条河段（{'、'.join(labels_zh)}）均{verb_zh}此点，没有相反方向的河段，"
                "其中可能有河段绘制方向与水流相反，请核对。",
                edge=edge_ids[0],
            )
        )

    def _components(self) -> list[int]:
        comp = list(range(len(self.nodes)))

        def find(a: int) -> int:
            while comp[a] != a:
                comp[a] = comp[comp[a]]
                a = comp[a]
            return a

        for e in self.edges:
            comp[find(e.u)] = find(e.v)
        return [find(n) for n in range(len(self.nodes))]

    def _check_connectivity(self, gap_report_m: float, snap_m: float) -> None:
        if not self.edges:
            return
        comp_of_node = self._components()
        comp_of_edge = [comp_of_node[e.u] for e in self.edges]
        degree = defaultdict(int)
        for e in self.edges:
            degree[e.u] += 1
            degree[e.v] += 1
        best: dict[tuple[int, int], tuple[float, int, int, Point]] = {}
        for n, (x, y) in enumerate(self.nodes):
            if degree[n] != 1:
                continue
            pt = Point(x, y)
            for i in self._tree.query(pt, predicate="dwithin", distance=gap_report_m):
                i = int(i)
                if comp_of_edge[i] == comp_of_node[n]:
                    continue
                d = self.edges[i].line.distance(pt)
                key = tuple(sorted((comp_of_node[n], comp_of_edge[i])))
                if key not in best or d < best[key][0]:
                    best[key] = (d, n, i, self.edges[i].line.interpolate(self.edges[i].line.project(pt)))
        gapped: set[int] = set()
        for (c1, c2), (d, n, i, on) in sorted(best.items(), key=lambda kv: kv[1][0]):
            gapped.update((c1, c2))
            here = [self.edges[k] for k in self._in[n] + self._out[n]][0]
            other = self.edges[i]
            a, a_zh = _label(here.name, here.source), _label_zh(here.name, here.source)
            b, b_zh = _label(other.name, other.source), _label_zh(other.name, other.source)
            x, y = self.nodes[n]
            self.issues.append(
                NetworkIssue(
                    "gap",
                    (x + on.x) / 2,
                    (y + on.y) / 2,
                    f"{a} ends {d:.1f} m from {b} without joining it (more than the {snap_m:g} m snap tolerance): "
                    "along-river distances stop here. Join the lines or raise the snap tolerance.",
                    f"{a_zh}的端点距{b_zh} {d:.1f} 米，未连接（超过 {snap_m:g} 米捕捉容差），沿河距离在此中断。"
                    "请连接河线或增大捕捉容差。",
                    edge=i,
                )
            )
        sizes: dict[int, float] = defaultdict(float)
        for i, e in enumerate(self.edges):
            sizes[comp_of_edge[i]] += e.length
        if len(sizes) <= 1:
            return
        main = max(sizes, key=sizes.get)
        for c in sorted(sizes):
            if c == main or c in gapped:
                continue
            members = [e for i, e in enumerate(self.edges) if comp_of_edge[i] == c]
            labels = sorted({_label(e.name, e.source) for e in members})
            labels_zh = sorted({_label_zh(e.name, e.source) for e in members})
            mid = members[0].line.interpolate(0.5, normalized=True)
            self.issues.append(
                NetworkIssue(
                    "isolated",
                    mid.x,
                    mid.y,
                    f"{', '.join(labels)} ({sizes[c]:.0f} m) is not connected to the main network; "
                    "along-river distances do not cross to it.",
                    f"{'、'.join(labels_zh)}（{sizes[c]:.0f} 米）未与主河网连接，沿河距离不跨越至该部分。",
                    edge=self.edges.index(members[0]),
                )
            )

    # ------------------------------------------------------------------ queries

    def locate(self, point, tolerance_m: float) -> Position | None:
        """The nearest place on the channel within tolerance_m of point, or None."""
        if self._tree is None:
            return None
        pt = point if isinstance(point, Point) else Point(point)
        best = None
        for i in self._tree.query(pt, predicate="dwithin", distance=tolerance_m):
            i = int(i)
            d = self.edges[i].line.distance(pt)
            if best is None or d < best[0] - _EPS:
                best = (d, i)
        if best is None:
            return None
        d, i = best
        line = self.edges[i].line
        off = line.project(pt)
        return Position(i, off, d, line.interpolate(off))

    def _dijkstra(self, start: Position, forward: bool) -> dict[int, float]:
        """Shortest along-flow (or against-flow) distance from start to every reachable node."""
        e = self.edges[start.edge]
        first = e.v if forward else e.u
        d0 = e.length - start.offset_m if forward else start.offset_m
        dist = {first: d0}
        heap = [(d0, first)]
        while heap:
            d, n = heapq.heappop(heap)
            if d > dist.get(n, math.inf):
                continue
            for i in self._out[n] if forward else self._in[n]:
                nxt = self.edges[i].v if forward else self.edges[i].u
                nd = d + self.edges[i].length
                if nd < dist.get(nxt, math.inf) - _EPS:
                    dist[nxt] = nd
                    heapq.heappush(heap, (nd, nxt))
        return dist

    def downstream_distance(self, a: Position, b: Position) -> float | None:
        """Metres along the flow from a to b (0 if the same place); None if b is not downstream of a."""
        if a.edge == b.edge and b.offset_m >= a.offset_m - _EPS:
            return max(0.0, b.offset_m - a.offset_m)
        dist = self._dijkstra(a, forward=True)
        u = self.edges[b.edge].u
        if u not in dist:
            return None
        return dist[u] + b.offset_m

    def upstream_distance(self, a: Position, b: Position) -> float | None:
        """Metres against the flow from a to b; None if b is not upstream of a."""
        return self.downstream_distance(b, a)

    def reach(self, at: Position, upstream_m: float, downstream_m: float) -> MultiLineString:
        """The channel within upstream_m against the flow (into every tributary at confluences) and
        downstream_m along the flow (through confluences)."""
        return MultiLineString([piece for _edge, piece in self.reach_pieces(at, upstream_m, downstream_m)])

    def reach_pieces(self, at: Position, upstream_m: float, downstream_m: float) -> list[tuple[int, LineString]]:
        """The reach as (edge index, piece of that edge), oriented with the flow."""
        spans: dict[int, list[tuple[float, float]]] = defaultdict(list)
        e = self.edges[at.edge]
        for forward, budget in ((True, downstream_m), (False, upstream_m)):
            if budget <= 0:
                continue
            if forward:
                spans[at.edge].append((at.offset_m, min(e.length, at.offset_m + budget)))
            else:
                spans[at.edge].append((max(0.0, at.offset_m - budget), at.offset_m))
            for n, d in self._dijkstra(at, forward).items():
                left = budget - d
                if left <= _EPS:
                    continue
                for i in self._out[n] if forward else self._in[n]:
                    length = self.edges[i].length
                    spans[i].append((0.0, min(length, left)) if forward else (max(0.0, length - left), length))
        pieces = []
        for i, intervals in spans.items():
            line = self.edges[i].line
            intervals.sort()
            merged: list[list[float]] = []
            for s, t in intervals:
                if merged and s <= merged[-1][1] + _EPS:
                    merged[-1][1] = max(merged[-1][1], t)
                else:
                    merged.append([s, t])
            for s, t in merged:
                if t - s > _EPS:
                    piece = substring(line, s, t)
                    if isinstance(piece, LineString) and piece.length > 0:
                        pieces.append((i, piece))
        return pieces

    def reach_extent(self, at: Position, upstream_m: float, downstream_m: float) -> tuple[float, float]:
        """How far (metres) the channel goes against and along the flow from `at`, capped at the wanted
        distances: less than wanted where a line end or a gap cuts the reach short."""
        e = self.edges[at.edge]
        out = []
        for forward, budget in ((False, upstream_m), (True, downstream_m)):
            if budget <= 0:
                out.append(0.0)
                continue
            best = e.length - at.offset_m if forward else at.offset_m
            for n, d in self._dijkstra(at, forward).items():
                if d >= budget:
                    best = max(best, d)
                    continue
                onward = self._out[n] if forward else self._in[n]
                best = max([best, d] + [d + self.edges[i].length for i in onward])
            out.append(min(budget, best))
        return out[0], out[1]

    def edge_name(self, edge: int) -> str:
        return self.edges[edge].name
