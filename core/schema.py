"""The enforcement data model as data: layer types, fields, code lists.

Field names are English and stable (rules and reports refer to them); Chinese aliases and
code-list labels are what users see in QGIS forms. Code lists store a short English code in
the GeoPackage and show the Chinese label through a QGIS value map.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SCHEMA_VERSION = 4
# Layers added since version 1 (2: inspection planning; 3: monitoring sections; 4: remote-sensing
# change leads); older workspaces get them, and any field added since, on open.
ADDED_LAYERS = ("supervised_entity", "inspection_case", "case_history", "monitoring_section", "change_lead")
DEFAULT_CRS = "EPSG:4490"  # CGCS2000 geographic


@dataclass(frozen=True)
class CodeItem:
    code: str
    zh: str
    en: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class CodeList:
    name: str
    title_zh: str
    items: tuple[CodeItem, ...]

    def codes(self) -> list[str]:
        return [item.code for item in self.items]

    def label_zh(self, code: str) -> str:
        for item in self.items:
            if item.code == code:
                return item.zh
        raise KeyError(code)

    def normalise(self, value: object) -> str | None:
        """Map a code, a Chinese or English label or a known alias to the stored code.

        Returns None when the value is not in the list.
        """
        text = str(value).strip()
        folded = text.casefold()
        for item in self.items:
            candidates = (item.code, item.zh, item.en, *item.aliases)
            if any(folded == c.casefold() for c in candidates):
                return item.code
        return None


@dataclass(frozen=True)
class FieldDef:
    name: str
    alias_zh: str
    alias_en: str
    type: str  # text | int | real | date | bool
    required: bool = False
    codelist: str | None = None
    synonyms: tuple[str, ...] = ()  # other source column names that map to this field


@dataclass(frozen=True)
class LayerType:
    key: str
    title_zh: str
    title_en: str
    geometry: str  # point | line | polygon | any | none (a table)
    fields: tuple[FieldDef, ...]
    reference: bool = False  # base map layer rather than an enforcement layer
    description: str = ""

    @property
    def table(self) -> str:
        return self.key

    def field(self, name: str) -> FieldDef:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]


def _cl(name: str, title_zh: str, *items: tuple) -> CodeList:
    return CodeList(name, title_zh, tuple(CodeItem(*item) for item in items))


CODE_LISTS: dict[str, CodeList] = {
    cl.name: cl
    for cl in (
        _cl(
            "eco_function",
            "生态功能类型",
            ("water_conservation", "水源涵养", "Water conservation"),
            ("biodiversity", "生物多样性维护", "Biodiversity maintenance", ("生物多样性",)),
            ("soil_conservation", "水土保持", "Soil conservation"),
            ("windbreak_sand_fixation", "防风固沙", "Windbreak and sand fixation"),
            ("coastal_stability", "海岸生态稳定", "Coastal ecological stability"),
            ("soil_erosion", "水土流失敏感", "Soil erosion sensitive", ("水土流失",)),
            ("rocky_desertification", "石漠化敏感", "Rocky desertification sensitive", ("石漠化",)),
            ("other", "其他", "Other"),
        ),
        _cl(
            "reserve_type",
            "自然保护地类型",
            ("national_park", "国家公园", "National park"),
            ("nature_reserve", "自然保护区", "Nature reserve"),
            ("natural_park", "自然公园", "Natural park", ("森林公园", "湿地公园", "地质公园", "风景名胜区")),
        ),
        _cl(
            "reserve_level",
            "保护地级别",
            ("national", "国家级", "National"),
            ("provincial", "省级", "Provincial", ("市级(直辖市)",)),
            ("municipal", "市级", "Municipal"),
            ("county", "县级", "County", ("区县级",)),
        ),
        _cl(
            "reserve_zone",
            "功能分区",
            ("core", "核心区", "Core zone (legacy scheme)"),
            ("buffer", "缓冲区", "Buffer zone (legacy scheme)"),
            ("experimental", "实验区", "Experimental zone (legacy scheme)"),
            ("core_protection", "核心保护区", "Core protection zone (2026 scheme)"),
            ("general_control", "一般控制区", "General control zone (2026 scheme)"),
        ),
        _cl(
            "ws_level",
            "保护区级别",
            ("level1", "一级保护区", "Level 1", ("一级", "1", "I")),
            ("level2", "二级保护区", "Level 2", ("二级", "2", "II")),
            ("quasi", "准保护区", "Quasi-protection zone", ("准保护", "3", "Q")),
        ),
        _cl(
            "ws_part",
            "水域/陆域",
            ("water", "水域", "Water part"),
            ("land", "陆域", "Land part"),
        ),
        _cl(
            "water_body_type",
            "水体类型",
            ("river", "河流", "River", ("河流型",)),
            ("lake_reservoir", "湖库", "Lake or reservoir", ("湖库型", "湖泊", "水库")),
            ("groundwater", "地下水", "Groundwater", ("地下水型",)),
        ),
        _cl(
            "outfall_type",
            "排污口类型",
            ("industrial", "工业排污口", "Industrial", ("工业",)),
            ("urban_wwtp", "城镇污水处理厂排污口", "Urban wastewater treatment plant",
             ("城镇污水处理厂", "污水处理厂")),
            ("agricultural", "农业排口", "Agricultural", ("农业",)),
            ("other", "其他排口", "Other", ("其他",)),
        ),
        _cl(
            "outfall_status",
            "排污口状态",
            ("suspected", "疑似", "Suspected"),
            ("verified", "已核实", "Verified", ("核实",)),
            ("rejected", "已排除", "Rejected", ("排除",)),
            ("monitored", "监测中", "Monitored", ("监测",)),
            ("traced", "已溯源", "Traced", ("溯源",)),
            ("rectifying_ban", "整治中(取缔)", "Rectifying: ban", ("取缔",)),
            ("rectifying_merge", "整治中(合并)", "Rectifying: merge", ("合并",)),
            ("rectifying_regularise", "整治中(规范整治)", "Rectifying: regularise", ("规范整治", "规范")),
            ("closed", "已销号", "Closed", ("销号",)),
        ),
        _cl(
            "plot_status",
            "名录状态",
            ("suspected", "疑似污染地块", "Suspected", ("疑似",)),
            ("contaminated", "污染地块", "Contaminated"),
            ("listed", "名录内", "Listed for risk control/remediation", ("已列入名录", "列入名录")),
            ("delisted", "已移出名录", "Delisted", ("已移出", "移出")),
        ),
        _cl(
            "land_use",
            "规划用途",
            ("residential", "居住用地", "Residential", ("住宅", "居住")),
            ("public_service", "公共管理与公共服务用地", "Public administration and service", ("公共服务",)),
            ("commercial", "商业服务业用地", "Commercial", ("商业",)),
            ("industrial", "工矿用地", "Industrial and mining", ("工业用地", "工业")),
            ("storage", "仓储用地", "Storage and logistics", ("物流仓储用地", "仓储")),
            ("transport", "交通运输用地", "Transport", ("交通",)),
            ("utilities", "公用设施用地", "Public utilities", ("公用设施",)),
            ("green_space", "绿地与开敞空间用地", "Green and open space", ("绿地",)),
            ("agricultural", "农业用地", "Agricultural", ("耕地", "农用地")),
            ("forest", "林地", "Forest"),
            ("water", "陆地水域", "Water", ("水域",)),
            ("other", "其他用地", "Other", ("其他",)),
        ),
        _cl(
            "project_category",
            "项目类别",
            ("water_supply", "供水设施/水源保护", "Water supply / source protection", ("供水设施", "水源保护")),
            ("linear_infrastructure", "线性基础设施", "Linear infrastructure", ("线性工程",)),
            ("industry", "工业", "Industry"),
            ("real_estate", "房地产/住宅", "Real estate / housing", ("房地产", "住宅")),
            ("public_service", "公共服务", "Public service"),
            ("agriculture_aquaculture", "农业养殖", "Agriculture / aquaculture", ("养殖", "农业")),
            ("tourism", "旅游", "Tourism"),
            ("mining", "矿产开发", "Mining", ("采矿",)),
            ("eco_restoration", "生态修复", "Ecological restoration"),
            ("risk_control", "风险管控修复", "Soil risk control / remediation", ("风险管控", "修复")),
            ("other", "其他", "Other"),
        ),
        _cl(
            "project_action",
            "建设性质",
            ("new", "新建", "New"),
            ("rebuild", "改建", "Rebuild"),
            ("expand", "扩建", "Expand"),
            ("existing", "已建", "Existing", ("已建成", "现有")),
        ),
        _cl(
            "delineation",
            "划定方式",
            ("official", "正式划定", "Officially delineated", ("已划定", "批复")),
            ("generated_default", "默认生成（待正式划定）", "Generated default — needs official delineation",
             ("默认生成", "待划定")),
        ),
        _cl(
            "section_level",
            "断面级别",
            ("national", "国控", "National", ("国考", "国控断面")),
            ("provincial", "省控", "Provincial", ("省考", "市控(直辖市)")),
            ("municipal", "市控", "Municipal"),
            ("county", "县控", "County", ("区县控",)),
        ),
        _cl(
            "supervision_pool",
            "监管类别",
            ("key", "重点排污单位", "Key discharger", ("重点", "重点排污")),
            ("general", "一般排污单位", "General discharger", ("一般", "一般排污")),
            ("special", "特殊监管对象", "Special supervision", ("特殊", "特殊监管")),
        ),
        _cl(
            "case_target",
            "检查对象类型",
            ("project", "建设项目", "Construction project", ("项目",)),
            ("outfall", "入河排污口", "Sewage outfall", ("排污口",)),
            ("plot", "污染地块", "Contaminated plot", ("地块",)),
            ("enterprise", "企业", "Enterprise", ("排污单位", "监管对象")),
            ("lead", "遥感线索", "Remote-sensing lead", ("线索",)),
        ),
        _cl(
            "case_source",
            "案件来源",
            ("screening", "空间审查", "Screening"),
            ("outfall_register", "排污口台账", "Outfall register"),
            ("plot_register", "污染地块名录", "Plot register"),
            ("rs_lead", "遥感线索", "Remote-sensing lead"),
            ("random_draw", "双随机抽查", "Random draw", ("双随机",)),
            ("complaint", "信访投诉", "Complaint", ("投诉", "信访")),
        ),
        _cl(
            "activity_class",
            "人类活动类型",
            ("mining", "采矿采石", "Mining / quarrying", ("矿产开发", "采矿", "采石")),
            ("industry", "工业", "Industry", ("工矿", "工业企业")),
            ("energy", "能源设施", "Energy", ("能源", "光伏", "水电", "风电")),
            ("tourism", "旅游设施", "Tourism", ("旅游",)),
            ("transport", "交通设施", "Transport", ("交通", "道路")),
            ("aquaculture", "养殖", "Aquaculture", ("水产养殖", "养殖塘")),
            ("other", "其他人类活动", "Other", ("其他",)),
        ),
        _cl(
            "verdict",
            "审查结论",
            ("PROHIBITED", "禁止", "Prohibited"),
            ("CONDITIONAL", "有条件准入", "Conditional"),
            ("REVIEW", "需复核", "Review"),
            ("CLEAR", "无冲突", "Clear"),
        ),
        _cl(
            "case_priority",
            "优先级",
            ("high", "高", "High", ("1",)),
            ("medium", "中", "Medium", ("2",)),
            ("low", "低", "Low", ("3",)),
        ),
        _cl(
            "case_status",
            "案件状态",
            ("pending", "待核查", "To be checked"),
            ("inspected", "已检查", "Inspected"),
            ("ordered", "责令整改", "Rectification ordered", ("整改中",)),
            ("rectified", "已整改", "Rectified"),
            ("closed", "销号", "Closed", ("已销号",)),
            ("excluded", "排除", "Excluded (false lead)", ("已排除",)),
        ),
        _cl(
            "violation_type",
            "问题类型",
            ("none", "未发现问题", "No violation found", ("无",)),
            ("construction_in_zone", "保护区内违法建设", "Illegal construction in a protected area"),
            ("outfall_illegal", "违法设置排污口", "Illegal outfall"),
            ("discharge", "超标或违法排放", "Illegal or excessive discharge"),
            ("land_use", "违规开发利用", "Illegal land development"),
            ("other", "其他问题", "Other"),
        ),
    )
}

BOOL_TRUE = ("1", "true", "t", "yes", "y", "是", "有", "√")
BOOL_FALSE = ("0", "false", "f", "no", "n", "否", "无", "×")


def F(name, alias_zh, alias_en, type_="text", required=False, codelist=None, synonyms=()):
    return FieldDef(name, alias_zh, alias_en, type_, required, codelist, tuple(synonyms))


_ADMIN = (
    F("xzqdm", "行政区划代码", "Admin division code", synonyms=("XZQDM",)),
    F("xzqmc", "行政区名称", "Admin division name", synonyms=("XZQMC",)),
)
_NOTES = F("notes", "备注", "Notes", synonyms=("BZ", "remark"))

# Order matters to scripts: `greenshield:importlayer`'s TARGET is an index into this order, so
# new layer types go at the end.
LAYER_TYPES: dict[str, LayerType] = {
    lt.key: lt
    for lt in (
        LayerType(
            "redline",
            "生态保护红线",
            "Ecological protection red line",
            "polygon",
            (
                F("bsm", "标识码", "Identifier (BSM)", required=True, synonyms=("BSM", "id")),
                F("name", "红线名称", "Name", required=True, synonyms=("名称", "HXMC", "mc")),
                F("eco_function", "生态功能类型", "Ecological function type", codelist="eco_function",
                  synonyms=("功能类型", "STGN")),
                *_ADMIN,
                F("version", "版本", "Version label", required=True, synonyms=("版本号", "BB")),
                F("approval_date", "批准日期", "Approval date", "date", synonyms=("批准时间", "PZRQ")),
                _NOTES,
            ),
        ),
        LayerType(
            "nature_reserve",
            "自然保护地",
            "Nature reserve / protected area",
            "polygon",
            (
                F("reserve_code", "保护地编码", "Reserve code", synonyms=("编码", "code")),
                F("name", "保护地名称", "Name", required=True, synonyms=("名称", "mc")),
                F("reserve_type", "保护地类型", "Reserve type", codelist="reserve_type", synonyms=("类型",)),
                F("reserve_level", "级别", "Reserve level", codelist="reserve_level", synonyms=("保护地级别",)),
                F("zone", "功能分区", "Zone", required=True, codelist="reserve_zone", synonyms=("分区", "功能区")),
                *_ADMIN,
                F("approval_date", "批准日期", "Approval date", "date", synonyms=("批准时间",)),
                _NOTES,
            ),
        ),
        LayerType(
            "water_source_zone",
            "饮用水水源保护区",
            "Drinking-water source protection zone",
            "polygon",
            (
                F("source_code", "水源地编码", "Source code (HJ 747)", required=True, synonyms=("编码", "SYDBM")),
                F("source_name", "水源地名称", "Source name", required=True, synonyms=("名称", "水源地")),
                F("level", "保护区级别", "Level", required=True, codelist="ws_level", synonyms=("级别", "JB")),
                F("part", "水域/陆域", "Water or land part", required=True, codelist="ws_part",
                  synonyms=("范围类型", "区域类型")),
                F("water_body_type", "水体类型", "Water-body type", required=True, codelist="water_body_type",
                  synonyms=("水源类型", "水源地类型")),
                F("thousand_ton", "千吨万人", "≥1000 t/d or ≥10 000 people", "bool", synonyms=("千吨万人水源地",)),
                F("daily_supply_t", "日供水量(吨/日)", "Daily supply (t/d)", "real", synonyms=("日供水量",)),
                F("population_served", "服务人口(人)", "Population served", "int", synonyms=("服务人口",)),
                F("delineation", "划定方式", "Delineation", codelist="delineation", synonyms=("划定状态",)),
                *_ADMIN,
                _NOTES,
            ),
        ),
        LayerType(
            "water_intake",
            "取水口",
            "Water intake",
            "point",
            (
                F("source_code", "水源地编码", "Source code (HJ 747)", required=True, synonyms=("编码",)),
                F("name", "取水口名称", "Name", required=True, synonyms=("名称",)),
                F("water_body_type", "水体类型", "Water-body type", required=True, codelist="water_body_type",
                  synonyms=("水源类型",)),
                F("daily_supply_t", "日供水量(吨/日)", "Daily supply (t/d)", "real", synonyms=("日供水量",)),
                F("population_served", "服务人口(人)", "Population served", "int", synonyms=("服务人口",)),
                _NOTES,
            ),
        ),
        LayerType(
            "sewage_outfall",
            "入河排污口",
            "Sewage outfall into a river",
            "point",
            (
                F("outfall_code", "排污口编码", "Outfall code", required=True, synonyms=("编码", "排口编码")),
                F("name", "排污口名称", "Name", required=True, synonyms=("名称", "排口名称")),
                F("outfall_type", "排污口类型", "Outfall type", required=True, codelist="outfall_type",
                  synonyms=("类型", "排口类型")),
                F("receiving_water", "受纳水体", "Receiving water", synonyms=("受纳水体名称",)),
                F("responsible_entity", "责任主体", "Responsible entity", synonyms=("责任单位",)),
                F("status", "状态", "Workflow status", required=True, codelist="outfall_status",
                  synonyms=("整治状态", "工作状态")),
                F("discharge_m3d", "排放量(立方米/日)", "Discharge (m³/d)", "real", synonyms=("排放量",)),
                _NOTES,
            ),
        ),
        LayerType(
            "contaminated_plot",
            "污染地块",
            "Contaminated plot",
            "polygon",
            (
                F("plot_code", "地块编码", "Plot code", required=True, synonyms=("编码",)),
                F("name", "地块名称", "Name", required=True, synonyms=("名称",)),
                F("former_industry", "原行业", "Former industry", synonyms=("行业", "原行业类别")),
                F("main_pollutants", "主要污染物", "Main pollutants", synonyms=("污染物",)),
                F("list_status", "名录状态", "List status", required=True, codelist="plot_status",
                  synonyms=("状态",)),
                F("planned_land_use", "规划用途", "Planned land use", codelist="land_use", synonyms=("规划用地",)),
                F("investigation_done", "已完成调查", "Soil investigation done", "bool",
                  synonyms=("是否调查", "调查")),
                _NOTES,
            ),
        ),
        LayerType(
            "project",
            "建设项目",
            "Construction project",
            "any",
            (
                F("project_code", "项目编码", "Project code", required=True, synonyms=("编码", "项目代码", "XMDM")),
                F("name", "项目名称", "Name", required=True, synonyms=("名称", "XMMC")),
                F("category", "项目类别", "Category", required=True, codelist="project_category",
                  synonyms=("类别", "行业类别")),
                F("action", "建设性质", "Action", required=True, codelist="project_action", synonyms=("性质",)),
                F("discharges_pollutants", "排放污染物", "Discharges pollutants", "bool", synonyms=("排污",)),
                F("severe_polluter", "严重污染水体", "Severe water polluter", "bool", synonyms=("重污染",)),
                F("planned_land_use", "规划用途", "Planned land use", codelist="land_use", synonyms=("用地性质",)),
                _NOTES,
            ),
        ),
        LayerType(
            "river",
            "河流",
            "River (centre line)",
            "line",
            (
                F("name", "河流名称", "Name", required=True, synonyms=("名称",)),
                F("river_code", "河流编码", "River code", synonyms=("编码",)),
                F("width_m", "河宽(米)", "Width (m)", "real", synonyms=("河宽",)),
            ),
            reference=True,
        ),
        LayerType(
            "water_body",
            "水面",
            "Water surface (river, lake, reservoir)",
            "polygon",
            (
                F("name", "水体名称", "Name", required=True, synonyms=("名称",)),
                F("water_body_type", "水体类型", "Water-body type", codelist="water_body_type", synonyms=("类型",)),
            ),
            reference=True,
        ),
        LayerType(
            "district",
            "行政区",
            "Administrative district",
            "polygon",
            (
                F("xzqdm", "行政区划代码", "Admin division code", required=True, synonyms=("XZQDM", "adcode")),
                F("xzqmc", "行政区名称", "Admin division name", required=True, synonyms=("XZQMC", "名称")),
            ),
            reference=True,
        ),
        LayerType(
            "supervised_entity",
            "监管对象",
            "Supervised entity (random-draw list)",
            "point",
            (
                F("entity_id", "监管对象编码", "Entity identifier", required=True,
                  synonyms=("统一社会信用代码", "信用代码", "编码", "id")),
                F("name", "单位名称", "Name", required=True, synonyms=("名称", "企业名称")),
                F("pool", "监管类别", "Supervision pool", required=True, codelist="supervision_pool",
                  synonyms=("类别", "监管类型")),
                F("positive_list", "正面清单", "On the positive list", "bool", synonyms=("是否正面清单",)),
                F("special_reason", "特殊监管原因", "Reason for special supervision", synonyms=("原因",)),
                F("industry", "行业", "Industry", synonyms=("行业类别",)),
                F("address", "地址", "Address", synonyms=("详细地址",)),
                *_ADMIN,
                _NOTES,
            ),
        ),
        LayerType(
            "inspection_case",
            "检查案件",
            "Inspection case",
            "point",
            (
                F("case_id", "案件编号", "Case number", required=True, synonyms=("编号",)),
                F("target_type", "对象类型", "Target type", required=True, codelist="case_target"),
                F("target_id", "对象编码", "Target identifier", required=True),
                F("target_name", "对象名称", "Target name"),
                F("source", "案件来源", "Source", required=True, codelist="case_source", synonyms=("来源",)),
                F("source_ref", "来源记录", "Source record (run, draw or register)"),
                F("priority", "优先级", "Priority", required=True, codelist="case_priority"),
                F("status", "案件状态", "Status", required=True, codelist="case_status", synonyms=("状态",)),
                F("status_note", "状态说明", "Note on the last status change"),
                F("problem", "问题描述", "Problem found or suspected"),
                F("legal_basis", "法律依据", "Legal basis"),
                F("opened", "立案日期", "Opened", "date"),
                F("check_due", "核查期限", "Check due", "date"),
                F("rectify_due", "整改期限", "Rectification due", "date"),
                F("team", "检查组", "Assigned team"),
                F("inspectors", "检查人员", "Inspectors"),
                F("visit_time", "检查时间", "Visit time"),
                F("finding", "检查情况", "Finding"),
                F("violation_type", "问题类型", "Violation type", codelist="violation_type"),
                F("rectification_required", "需整改", "Rectification required", "bool"),
                F("photos", "照片", "Photos"),
                F("rev", "修订号", "Revision", "int"),
                F("updated_at", "更新时间", "Updated at"),
                F("updated_by", "更新人", "Updated by"),
                *_ADMIN,
                _NOTES,
            ),
        ),
        LayerType(
            "case_history",
            "案件状态记录",
            "Case status history",
            "none",
            (
                F("case_id", "案件编号", "Case number", required=True),
                F("from_status", "原状态", "From status", codelist="case_status"),
                F("to_status", "新状态", "To status", required=True, codelist="case_status"),
                F("changed_at", "变更时间", "Changed at", required=True),
                F("changed_by", "变更人", "Changed by"),
                F("channel", "途径", "Channel (office, field, build)"),
                F("note", "说明", "Note"),
            ),
        ),
        LayerType(
            "monitoring_section",
            "考核断面",
            "Water-quality monitoring section",
            "point",
            (
                F("section_code", "断面编码", "Section code", required=True, synonyms=("编码", "断面代码")),
                F("name", "断面名称", "Name", required=True, synonyms=("名称",)),
                F("river", "所在河流", "River", synonyms=("河流", "河流名称")),
                F("level", "断面级别", "Level", codelist="section_level", synonyms=("级别", "类型")),
                F("water_quality_target", "水质目标", "Water-quality target", synonyms=("目标水质", "水质类别")),
                *_ADMIN,
                _NOTES,
            ),
        ),
        LayerType(
            "change_lead",
            "遥感变化线索",
            "Remote-sensing change lead",
            "polygon",
            (
                F("lead_id", "线索编号", "Lead number", required=True, synonyms=("编号", "图斑编号")),
                F("activity", "活动类型", "Activity class", required=True, codelist="activity_class"),
                F("transition", "地类变化", "Land-cover transition"),
                F("area_m2", "面积(平方米)", "Area (m²)", "real"),
                F("area_mu", "面积(亩)", "Area (mu)", "real"),
                F("area_method", "面积算法", "Area method"),
                F("zone_type", "保护对象类型", "Protected-area type"),
                F("zone_name", "保护对象名称", "Protected-area name"),
                F("zone_level", "级别/功能区", "Level / zone"),
                F("relation", "空间关系", "Spatial relation"),
                F("overlap_m2", "位于保护区内面积(平方米)", "Area inside the protected area (m²)", "real"),
                F("distance_m", "距保护区(米)", "Distance to the protected area (m)", "real"),
                F("verdict", "审查结论", "Verdict", codelist="verdict"),
                F("legal_basis", "法律依据", "Legal basis"),
                F("reasons", "全部命中", "All protected areas met"),
                F("centroid_x", "中心点X", "Centroid easting", "real"),
                F("centroid_y", "中心点Y", "Centroid northing", "real"),
                F("centroid_crs", "中心点坐标系", "Centroid CRS"),
                F("lon", "中心点经度", "Centroid longitude (CGCS2000)", "real"),
                F("lat", "中心点纬度", "Centroid latitude (CGCS2000)", "real"),
                F("before_image", "前时相影像", "Before image"),
                F("after_image", "后时相影像", "After image"),
                F("run_id", "识别批次", "Detection run"),
                F("detected", "识别日期", "Detected on", "date"),
                _NOTES,
            ),
        ),
    )
}


def layer_type(key: str) -> LayerType:
    from .errors import UnknownLayerType

    try:
        return LAYER_TYPES[key]
    except KeyError:
        raise UnknownLayerType(key, list(LAYER_TYPES)) from None


def code_list(name: str) -> CodeList:
    return CODE_LISTS[name]


@dataclass
class WorkspaceInfo:
    path: str
    crs: str
    schema_version: int
    layers: dict[str, int] = field(default_factory=dict)  # layer key -> feature count
