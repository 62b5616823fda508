"""The sample district's supervision list and inspector roster, for the random draw (双随机).

150 fictional regulated entities of 青溪区 (30 key dischargers, 100 general dischargers, 20 special
supervision objects; 6 key and 16 general firms on the positive list) at points inside the
district, off the water, and a roster of 12 inspectors in three teams. Identifiers are obviously
fictional (91500199SAMPLE0001, 50019900001). Deterministic: one fixed seed, no other randomness.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

SEED = 5001992
XZQDM = "500199"
XZQMC = "青溪区"
POOL_SIZES = {"key": 30, "general": 100, "special": 20}
POSITIVE = {"key": 6, "general": 16, "special": 0}
ROSTER_LAYER = "sample_roster"
ROSTER_FIELDS = ("id", "name", "unit", "team")
ROSTER_HEADER_ZH = ("执法证号", "姓名", "单位", "小组")
UNIT = "青溪区生态环境保护综合行政执法支队"
TEAMS = ("第一检查组", "第二检查组", "第三检查组")
INSPECTOR_NAMES = ("王建国", "李明", "张丽华", "刘洋", "陈志强", "杨帆", "赵静", "黄伟", "周敏", "吴磊", "徐芳", "孙浩")
MIN_SPACING_M = 150.0

_PLACES = ("青溪", "石门", "白云", "龙潭", "东岭", "西山", "南坪", "北坡", "河湾", "石桥", "桂花", "凉水",
           "黄葛", "双河", "大田", "新场", "三合", "柏林", "长岗", "马鞍")
_ROADS = ("工业园路", "滨江路", "创业大道", "兴业路", "环城路", "新民街", "青年路", "科技路")
# (trade in the name, industry, name ending)
_KEY_TRADES = (
    ("化工", "化学原料和化学制品制造业", "化工有限公司"),
    ("电镀", "金属表面处理及热处理加工", "电镀有限公司"),
    ("纸业", "造纸和纸制品业", "纸业有限公司"),
    ("制药", "医药制造业", "制药有限公司"),
    ("印染", "纺织业", "印染有限公司"),
    ("污水处理", "污水处理及其再生利用", "污水处理厂"),
    ("热电", "电力、热力生产和供应业", "热电有限公司"),
    ("水泥", "非金属矿物制品业", "水泥有限公司"),
    ("酒业", "酒、饮料和精制茶制造业", "酒业有限公司"),
    ("生猪养殖", "畜牧业", "生猪养殖场"),
)
_GENERAL_TRADES = (
    ("机械", "通用设备制造业", "机械有限公司"),
    ("食品", "农副食品加工业", "食品有限公司"),
    ("建材", "非金属矿物制品业", "建材有限公司"),
    ("汽车配件", "汽车制造业", "汽车配件有限公司"),
    ("家具", "家具制造业", "家具有限公司"),
    ("印务", "印刷和记录媒介复制业", "印务有限公司"),
    ("塑料制品", "橡胶和塑料制品业", "塑料制品有限公司"),
    ("汽车维修", "机动车维修", "汽车维修有限公司"),
    ("洗涤", "洗染服务", "洗涤有限公司"),
    ("砂石", "非金属矿采选业", "砂石有限公司"),
    ("混凝土", "水泥制品制造", "混凝土有限公司"),
)
_SPECIAL_REASONS = (
    "上年度受到生态环境行政处罚",
    "列入挂牌督办",
    "环境信用评价较差",
    "存在重大环境风险",
    "一年内被核实投诉3次以上",
)


def supervised_entities(district: BaseGeometry, water: BaseGeometry | None = None) -> list[tuple[Point, dict]]:
    """The supervision list as (point, record) in the district's planar metres, records in stored codes."""
    rng = np.random.default_rng(SEED)
    inner = district.buffer(-300.0)
    keep_off = water.buffer(50.0) if water is not None else None
    shapely.prepare(inner)
    if keep_off is not None:
        shapely.prepare(keep_off)
    minx, miny, maxx, maxy = inner.bounds

    used_names: set[str] = set()
    points: list[Point] = []

    def point() -> Point:
        while True:
            p = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
            if not inner.contains(p) or (keep_off is not None and keep_off.contains(p)):
                continue
            if any(p.distance(q) < MIN_SPACING_M for q in points):
                continue
            points.append(p)
            return p

    def name_for(trades: tuple[tuple[str, str, str], ...]) -> tuple[str, str]:
        while True:
            place = _PLACES[int(rng.integers(len(_PLACES)))]
            _, industry, ending = trades[int(rng.integers(len(trades)))]
            name = f"{XZQMC}{place}{ending}"
            if name not in used_names:
                used_names.add(name)
                return name, industry

    out = []
    seq = 0
    for pool, size in POOL_SIZES.items():
        trades = {"key": _KEY_TRADES, "general": _GENERAL_TRADES}.get(pool, _KEY_TRADES + _GENERAL_TRADES)
        positive = set(rng.choice(size, POSITIVE[pool], replace=False).tolist()) if POSITIVE[pool] else set()
        for i in range(size):
            seq += 1
            name, industry = name_for(trades)
            place = name[len(XZQMC):len(XZQMC) + 2]
            address = f"{XZQMC}{place}镇{_ROADS[int(rng.integers(len(_ROADS)))]}{int(rng.integers(1, 300))}号"
            record: dict[str, Any] = {
                "entity_id": f"91500199SAMPLE{seq:04d}",
                "name": name,
                "pool": pool,
                "positive_list": i in positive,
                "special_reason": _SPECIAL_REASONS[i % len(_SPECIAL_REASONS)] if pool == "special" else None,
                "industry": industry,
                "address": address,
                "xzqdm": XZQDM,
                "xzqmc": XZQMC,
                "notes": "示例数据，单位名称与编码均为虚构",
            }
            out.append((point(), record))
    return out


def sample_roster() -> list[dict[str, str]]:
    """12 fictional inspectors, 4 per team: {'id', 'name', 'unit', 'team'}."""
    return [{"id": f"500199{i:05d}", "name": name, "unit": UNIT, "team": TEAMS[(i - 1) // 4]}
            for i, name in enumerate(INSPECTOR_NAMES, start=1)]


def write_roster_table(path: str) -> int:
    """Add the roster as the non-spatial table sample_roster to a GeoPackage; returns the row count."""
    import pyogrio.raw

    rows = sample_roster()
    columns = [np.array([row[f] for row in rows], dtype=object) for f in ROSTER_FIELDS]
    pyogrio.raw.write(path, None, columns, list(ROSTER_FIELDS), layer=ROSTER_LAYER, driver="GPKG", append=True)
    return len(rows)


def write_roster_csv(path: str) -> int:
    """The roster as a CSV with Chinese headers (执法证号, 姓名, 单位, 小组), UTF-8 with BOM for Excel/WPS."""
    import csv

    rows = sample_roster()
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(ROSTER_HEADER_ZH)
        writer.writerows([row[f] for f in ROSTER_FIELDS] for row in rows)
    return len(rows)
