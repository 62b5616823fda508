"""greenshield:planroutes — split stops into team-days from the bureau and order each day's visits."""

from __future__ import annotations

import numpy as np
import shapely
from qgis.core import (
    QgsFeature,
    QgsFeatureSink,
    QgsField,
    QgsFields,
    QgsGeometry,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingLayerPostProcessorInterface,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterDateTime,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
    QgsProcessingParameterPoint,
    QgsProcessingParameterString,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QDate, QDateTime, QVariant

from ..core.errors import GreenShieldError
from ..core.routes import (
    ROUTE_FIELDS,
    STOP_FIELDS,
    TARGET_TYPES,
    UNSCHEDULED_FIELDS,
    RouteOptions,
    RoutesCanceled,
    case_filter,
    parse_service,
    parse_teams,
    plan_routes,
    route_defaults,
    stops_from_columns,
    summary_lines,
)
from ..core.schema import CODE_LISTS
from ..i18n import is_chinese, tr
from .base import InspectionPlanningAlgorithm

_QVARIANT = {object: QVariant.String, "int32": QVariant.Int, "float64": QVariant.Double}
OUTPUTS = (("STOPS", "stops", STOP_FIELDS, QgsWkbTypes.Point), ("ROUTES", "routes", ROUTE_FIELDS,
           QgsWkbTypes.LineString), ("UNSCHEDULED", "unscheduled", UNSCHEDULED_FIELDS, QgsWkbTypes.Point))


def _plain(value):
    """QGIS attribute values → Python: NULL → None, dates → ISO text."""
    if value is None or (isinstance(value, QVariant) and value.isNull()):
        return None
    if isinstance(value, (QDate, QDateTime)):
        return value.toString("yyyy-MM-dd")
    return value


def _crs_text(crs) -> str | None:
    return (crs.authid() or crs.toWkt()) if crs.isValid() else None


def _shapely(feature):
    geometry = feature.geometry()
    return None if geometry.isNull() else shapely.from_wkb(bytes(geometry.asWkb()))


class _RouteStyler(QgsProcessingLayerPostProcessorInterface):
    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802 (QGIS API)
        from ..layers.route_style import STYLES

        STYLES[self.kind](layer)


# Post-processors must outlive the algorithm run; QGIS holds only a pointer.
_stylers: dict[str, _RouteStyler] = {}


class PlanRoutesAlgorithm(InspectionPlanningAlgorithm):
    NAME = "planroutes"
    ICON = "routes"

    def displayName(self) -> str:  # noqa: N802
        return tr("Plan inspection routes")

    def description(self) -> str:
        return tr(
            "Splits the stops (open cases, or any points) into team-days from the start point (the bureau) within "
            "a daily time budget — travel, time on site per target type and the way back — with high-priority "
            "stops on the earliest days. Routes are built by savings (Clarke-Wright), improved by moving and "
            "swapping stops between them, and each day's visits are ordered by 2-opt and Or-opt (never longer "
            "than nearest neighbour). Travel follows the shortest paths over a road layer when given, otherwise "
            "the straight line × a detour factor, in metres in the CGCS2000 Gauss-Krüger zone. Writes the ordered "
            "stops with team, day, sequence and ETA, one route line per team-day, and the stops that did not fit, "
            "with the reason."
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        d = route_defaults()
        self.add(QgsProcessingParameterFeatureSource("INPUT", tr("Cases or places to visit"),
                                                     [QgsProcessing.TypeVectorPoint]),
                 tr("The places to visit, e.g. the workspace's inspection cases; tick 'Selected features only' to "
                    "plan a selection. Fields used when present: case_id, target_type, priority (high/medium/low), "
                    "target_name, team, status."))
        self.add(QgsProcessingParameterString("STATUSES", tr("Case statuses to plan"), "pending", optional=True),
                 tr("Only features whose status field is one of these (comma-separated codes or Chinese labels); "
                    "empty: every feature. Ignored when the status field holds other values (e.g. a register's)."))
        self.add(QgsProcessingParameterPoint("START", tr("Start point (bureau)")),
                 tr("Where every route starts and ends; pick it on the map or type x,y with its CRS."))
        self.add(QgsProcessingParameterString("TEAMS", tr("Teams"), "3"),
                 tr("The number of teams, or their names separated by commas (a stop whose team field names one of "
                    "them stays with that team)."))
        self.add(QgsProcessingParameterNumber("DAYS", tr("Days"), QgsProcessingParameterNumber.Integer, 5,
                                              minValue=1),
                 tr("Working days to plan; stops that do not fit are reported, lowest priority first."))
        self.add(QgsProcessingParameterNumber("BUDGET_MIN", tr("Daily time per team (minutes)"),
                                              QgsProcessingParameterNumber.Double, d["budget_min"], minValue=0),
                 tr("Travel, time on site and the way back must fit in this."))
        self.add(QgsProcessingParameterNumber("SPEED_KMH", tr("Travel speed (km/h)"),
                                              QgsProcessingParameterNumber.Double, d["speed_kmh"], minValue=0),
                 tr("Average speed on the road."))
        self.add(QgsProcessingParameterFeatureSource("ROADS", tr("Road network"), [QgsProcessing.TypeVectorLine],
                                                     optional=True),
                 tr("Road lines; travel follows their shortest paths and the route lines follow the roads. Without "
                    "it, straight line × the detour factor."))
        self.add(QgsProcessingParameterNumber("DETOUR", tr("Detour factor"), QgsProcessingParameterNumber.Double,
                                              d["detour"], minValue=1),
                 tr("Straight-line distance × this is the travel distance without a road network; with one, it "
                    "applies to the way from a stop to the nearest road."))
        self.add(QgsProcessingParameterDateTime("START_DATE", tr("Date of day 1"), QgsProcessingParameterDateTime.Date,
                                                optional=True),
                 tr("Dates the stops and routes; later days are working days (Monday to Friday)."))
        self.add(QgsProcessingParameterBoolean("WEEKENDS", tr("Plan weekends too"), False),
                 tr("Count Saturdays and Sundays as working days when dating the plan."), advanced=True)
        self.add(QgsProcessingParameterString("DAY_START", tr("Leaving time (HH:MM)"), d["day_start"]),
                 tr("When the teams leave the start point each day; ETAs count from it."))
        service = ", ".join(f"{k}={v}" for k, v in d["service_min"].items())
        self.add(QgsProcessingParameterString("SERVICE", tr("Time on site (minutes)"), "", optional=True),
                 tr("Overrides per target type, e.g. enterprise=120, outfall=20. Defaults: {service}.").format(
                     service=service), advanced=True)
        self.add(QgsProcessingParameterField("ID_FIELD", tr("Identifier field"), parentLayerParameterName="INPUT",
                                             optional=True),
                 tr("Default: case_id (or stop_id, id), else the feature id."), advanced=True)
        self.add(QgsProcessingParameterField("TYPE_FIELD", tr("Target type field"), parentLayerParameterName="INPUT",
                                             optional=True),
                 tr("Default: target_type. Values: project, outfall, plot, enterprise, lead (or 建设项目, 入河排污口, "
                    "污染地块, 企业, 遥感线索)."), advanced=True)
        self.add(QgsProcessingParameterEnum("DEFAULT_TYPE", tr("Target type of stops without one"),
                                            ["—"] + [f"{CODE_LISTS['case_target'].label_zh(t)} ({t})"
                                                     for t in TARGET_TYPES], defaultValue=0),
                 tr("For a layer without a target type field, e.g. a register of outfalls."))
        self.add(QgsProcessingParameterField("PRIORITY_FIELD", tr("Priority field"), parentLayerParameterName="INPUT",
                                             optional=True),
                 tr("Default: priority; missing values count as medium."), advanced=True)
        self.add(QgsProcessingParameterField("NAME_FIELD", tr("Name field"), parentLayerParameterName="INPUT",
                                             optional=True),
                 tr("Default: target_name or name."), advanced=True)
        self.add(QgsProcessingParameterNumber("SNAP_M", tr("Road snapping tolerance (m)"),
                                              QgsProcessingParameterNumber.Double, d["snap_tolerance_m"], minValue=0),
                 tr("Road vertices closer than this are joined, so lines that nearly touch connect."), advanced=True)
        self.add(QgsProcessingParameterFeatureSink("STOPS", tr("Route stops"), QgsProcessing.TypeVectorPoint),
                 tr("The stops in visiting order: case_id, team, day, date, sequence, eta, depart, service_min, "
                    "leg_km, target_type, priority, name."))
        self.add(QgsProcessingParameterFeatureSink("ROUTES", tr("Routes"), QgsProcessing.TypeVectorLine),
                 tr("One line per team-day from the start and back: stops, km, travel, time on site and total "
                    "minutes, start and end time."))
        self.add(QgsProcessingParameterFeatureSink("UNSCHEDULED", tr("Unscheduled stops"),
                                                   QgsProcessing.TypeVectorPoint, optional=True,
                                                   createByDefault=True),
                 tr("Stops left out, with the reason (no room, round trip over the budget, no location)."))
        for name, text in (("SCHEDULED", tr("Stops scheduled")), ("N_UNSCHEDULED", tr("Stops unscheduled")),
                           ("TEAM_DAYS", tr("Team-days")), ("DISTANCE_KM", tr("Total distance (km)"))):
            self.addOutput(QgsProcessingOutputNumber(name, text))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        source = self.parameterAsSource(parameters, "INPUT", context)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, "INPUT"))
        crs = source.sourceCrs()
        names = [f.name() for f in source.fields()]
        columns: dict[str, list] = {name: [] for name in names}
        fids, geoms = [], []
        for feature in source.getFeatures():
            geoms.append(_shapely(feature))
            fids.append(feature.id())
            for name, value in zip(names, feature.attributes()):
                columns[name].append(_plain(value))
        start = self.parameterAsPoint(parameters, "START", context, crs)
        default_type = self.parameterAsEnum(parameters, "DEFAULT_TYPE", context)
        start_date = self.parameterAsDateTime(parameters, "START_DATE", context) if parameters.get("START_DATE") \
            else None
        try:
            statuses = [s.strip() for s in self.parameterAsString(parameters, "STATUSES", context).replace("，", ",")
                        .split(",") if s.strip()]
            keep = case_filter(columns, statuses)
            geoms = [geoms[i] for i in keep]
            columns = {name: [values[i] for i in keep] for name, values in columns.items()}
            id_field = self.parameterAsString(parameters, "ID_FIELD", context) or None
            if not id_field and not {"case_id", "stop_id", "id"} & set(names):
                columns["feature_id"], id_field = [str(fids[i]) for i in keep], "feature_id"
            stops = stops_from_columns(
                geoms, columns, source.sourceName() or tr("Cases or places to visit"), id_field=id_field,
                type_field=self.parameterAsString(parameters, "TYPE_FIELD", context) or None,
                priority_field=self.parameterAsString(parameters, "PRIORITY_FIELD", context) or None,
                name_field=self.parameterAsString(parameters, "NAME_FIELD", context) or None,
                target_type=TARGET_TYPES[default_type - 1] if default_type > 0 else None)
            options = RouteOptions(
                teams=parse_teams(self.parameterAsString(parameters, "TEAMS", context)),
                days=self.parameterAsInt(parameters, "DAYS", context),
                budget_min=self.parameterAsDouble(parameters, "BUDGET_MIN", context),
                service_min=parse_service([self.parameterAsString(parameters, "SERVICE", context)]),
                speed_kmh=self.parameterAsDouble(parameters, "SPEED_KMH", context),
                detour=self.parameterAsDouble(parameters, "DETOUR", context),
                day_start=self.parameterAsString(parameters, "DAY_START", context).strip(),
                start_date=start_date.date().toPyDate() if start_date and start_date.isValid() else None,
                weekends=self.parameterAsBoolean(parameters, "WEEKENDS", context),
                snap_tolerance_m=self.parameterAsDouble(parameters, "SNAP_M", context))
            roads, roads_crs = None, None
            road_source = self.parameterAsSource(parameters, "ROADS", context)
            if road_source is not None:
                roads = [g for g in (_shapely(f) for f in road_source.getFeatures()) if g is not None]
                roads_crs = _crs_text(road_source.sourceCrs())
            plan = plan_routes(stops, (start.x(), start.y()), _crs_text(crs), options,
                               roads=None if roads is None else np.array(roads, dtype=object),
                               roads_crs=roads_crs, source=source.sourceName() or tr("Cases or places to visit"),
                               progress=lambda f: feedback.setProgress(f * 90), is_canceled=feedback.isCanceled)
        except RoutesCanceled:
            raise QgsProcessingException(tr("Route planning canceled; nothing was written.")) from None
        except GreenShieldError as exc:
            raise self.fail(exc) from exc
        results = {}
        for key, kind, fields_def, wkb_type in OUTPUTS:
            rows = {"stops": plan.stop_rows, "routes": plan.route_rows, "unscheduled": plan.unscheduled_rows}[kind]()
            dest = self._write(parameters, context, key, fields_def, wkb_type, crs, rows)
            results[key] = dest
            if dest and context.willLoadLayerOnCompletion(dest):
                _stylers[dest] = _RouteStyler(kind)
                context.layerToLoadOnCompletionDetails(dest).setPostProcessor(_stylers[dest])
        for line in summary_lines(plan, "zh" if is_chinese() else "en"):
            feedback.pushInfo(line)
        for note in plan.notes:
            feedback.pushWarning(note)
        feedback.setProgress(100)
        return {**results, "SCHEDULED": plan.n_scheduled, "N_UNSCHEDULED": len(plan.unscheduled),
                "TEAM_DAYS": len(plan.days), "DISTANCE_KM": plan.distance_m / 1000}

    def _write(self, parameters, context, key, fields_def, wkb_type, crs, rows):
        fields = QgsFields()
        for name, dtype in fields_def:
            fields.append(QgsField(name, _QVARIANT[dtype]))
        sink, dest = self.parameterAsSink(parameters, key, context, fields, wkb_type, crs)
        if sink is None:
            if key == "UNSCHEDULED":
                return None
            raise QgsProcessingException(self.invalidSinkError(parameters, key))
        for geometry, row in rows:
            feature = QgsFeature(fields)
            feature.setAttributes([row[name] for name, _ in fields_def])
            if geometry is not None:
                qgeom = QgsGeometry()
                qgeom.fromWkb(shapely.to_wkb(geometry, flavor="iso", output_dimension=2))
                feature.setGeometry(qgeom)
            sink.addFeature(feature, QgsFeatureSink.FastInsert)
        return dest
