"""greenshield:randomdraw — the random draw 双随机、一公开: targets and inspectors, with an auditable record."""

from __future__ import annotations

import re

import shapely
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsFeatureSink,
    QgsField,
    QgsFields,
    QgsGeometry,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorLayer,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QUrl, QVariant

from ..core.draw import (
    RESULT_FIELDS,
    DrawCanceled,
    add_cases,
    check_outputs,
    load_ratios,
    result_rows,
    run_draw,
    staged_outputs,
    summary_lines,
)
from ..core.errors import GreenShieldError
from ..core.workspace import open_workspace
from ..i18n import is_chinese, tr
from .base import InspectionPlanningAlgorithm
from .redline_diff import layer_spec

RATIO_PARAMS = (("RATIO_KEY", "key"), ("RATIO_GENERAL", "general"), ("RATIO_SPECIAL", "special"))


def file_spec(layer) -> str:
    """A file-based layer (OGR or delimited text) as FILE[:LAYER] for the core reader."""
    if layer.providerType() == "delimitedtext":
        return QUrl(layer.source()).toLocalFile()
    return layer_spec(layer)


def sink_file(destination: str) -> str:
    """The file a sink destination writes: 'x.gpkg', 'x.gpkg|layername=t' or "ogr:dbname='x.gpkg' table=…"."""
    if destination.startswith("ogr:"):
        found = re.search(r"dbname='([^']*)'", destination)
        return found.group(1) if found else destination
    return destination.split("|")[0]


class RandomDrawAlgorithm(InspectionPlanningAlgorithm):
    NAME = "randomdraw"
    ICON = "random_draw"

    def displayName(self) -> str:  # noqa: N802
        return tr("Random draw of inspection targets (双随机)")

    def description(self) -> str:
        return tr(
            "Draws inspection targets at random from a supervision list, pool by pool (key dischargers, general "
            "dischargers, special supervision) at the given ratios rounded up, with positive-list firms drawn at a "
            "reduced ratio, and assigns each target inspectors drawn at random from the roster, avoiding those who "
            "visited the same target in the previous draw. The seed is recorded with the inputs' SHA-256 "
            "checksums, so anyone can re-run the draw (green-shield draw --verify RECORD.json)."
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        defaults = load_ratios()
        self.add(QgsProcessingParameterVectorLayer("LIST", tr("Supervision list"), [QgsProcessing.TypeVector]),
                 tr("The regulated entities (the workspace's supervised_entity layer, another layer or a CSV) with "
                    "entity_id, name and pool (重点排污单位/一般排污单位/特殊监管对象) and optionally positive_list. "
                    "It must be stored in a file, so that the record can name and checksum it."))
        self.add(QgsProcessingParameterVectorLayer("ROSTER", tr("Inspector roster"), [QgsProcessing.TypeVector]),
                 tr("A table of inspectors with name, id, unit and team (or 姓名, 执法证号, 单位, 小组), e.g. a CSV "
                    "or the sample district's sample_roster table."))
        self.add(QgsProcessingParameterString("SEED", tr("Seed"), optional=True),
                 tr("A whole number published before the draw; empty or 0: one is generated from a secure random "
                    "source and recorded."))
        self.add(QgsProcessingParameterString("PERIOD", tr("Period"), optional=True),
                 tr("The period drawn for: a quarter (2026Q4), half year (2026H1), year (2026) or month (2026-03); "
                    "2026年第四季度 and the like work too; empty: the current quarter. It names the draw and sets the "
                    "cases' check deadline."))
        for name, pool in RATIO_PARAMS:
            label = {"key": tr("Ratio for key dischargers (%)"), "general": tr("Ratio for general dischargers (%)"),
                     "special": tr("Ratio for special supervision (%)")}[pool]
            self.add(QgsProcessingParameterNumber(name, label, QgsProcessingParameterNumber.Double,
                                                  defaults.ratios[pool], minValue=0, maxValue=100),
                     tr("Share of the pool drawn, in per cent; the count is rounded up. Default from the provincial "
                        "defaults in core/data/draw_ratios.yaml."))
        self.add(QgsProcessingParameterNumber("POSITIVE_FACTOR", tr("Positive-list factor"),
                                              QgsProcessingParameterNumber.Double, defaults.positive_factor,
                                              minValue=0, maxValue=1),
                 tr("Positive-list firms among key and general dischargers form their own stratum drawn at the "
                    "pool's ratio times this factor (1: no separate stratum; 0: off-site checks only)."),
                 advanced=True)
        self.add(QgsProcessingParameterNumber("PER_TARGET", tr("Inspectors per target"),
                                              QgsProcessingParameterNumber.Integer, defaults.per_target, minValue=2),
                 tr("How many different inspectors visit each target (at least 2)."))
        self.add(QgsProcessingParameterBoolean("MIX_TEAMS", tr("Draw inspectors across teams"), False),
                 tr("Off: each target gets one team, then inspectors of that team. On: inspectors come from the "
                    "whole roster and the case's team is the first inspector's."), advanced=True)
        self.add(QgsProcessingParameterFile("HISTORY", tr("Previous draw"), QgsProcessingParameterFile.File,
                                            optional=True, fileFilter=tr("Draw result or record (*.csv *.json)")),
                 tr("The result CSV or record JSON of the previous draw: nobody visits a target they visited then, "
                    "unless it cannot be avoided (the record then says so)."))
        self.add(QgsProcessingParameterFile("WORKSPACE", tr("Workspace"), QgsProcessingParameterFile.File, "gpkg",
                                            optional=True, fileFilter=tr("GeoPackage (*.gpkg)")),
                 tr("Adds the drawn targets to this workspace's case ledger as inspection cases (source: random "
                    "draw)."))
        self.add(QgsProcessingParameterFeatureSink("OUTPUT", tr("Drawn targets"), QgsProcessing.TypeVectorAnyGeometry),
                 tr("One row per drawn target with its pool, team and inspectors; points when the list has "
                    "locations, a table otherwise."))
        self.add(QgsProcessingParameterFileDestination("RECORD_JSON", tr("Draw record (JSON)"),
                                                       tr("JSON files (*.json)")),
                 tr("Machine-readable record: inputs with SHA-256, ratios, seed, pool sizes, counts and the result; "
                    "green-shield draw --verify re-runs it. It is written only once the cases are added, and never "
                    "replaces the record of another draw."))
        self.add(QgsProcessingParameterFileDestination("RECORD_HTML", tr("Printable record"), tr("HTML files (*.html)"),
                                                       optional=True, createByDefault=True),
                 tr("The draw record in Chinese for A4 printing, with a signature block."))
        self.addOutput(QgsProcessingOutputNumber("DRAWN", tr("Targets drawn")))
        self.addOutput(QgsProcessingOutputString("SEED_USED", tr("Seed used")))
        self.addOutput(QgsProcessingOutputString("DRAW_ID", tr("Draw id")))
        self.addOutput(QgsProcessingOutputNumber("CASES_CREATED", tr("Cases created")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        listed = self.parameterAsVectorLayer(parameters, "LIST", context)
        roster = self.parameterAsVectorLayer(parameters, "ROSTER", context)
        seed = self.parameterAsString(parameters, "SEED", context).strip()
        history = self.parameterAsFile(parameters, "HISTORY", context)
        workspace = self.parameterAsFile(parameters, "WORKSPACE", context)
        record_json = self.parameterAsFileOutput(parameters, "RECORD_JSON", context)
        record_html = self.parameterAsFileOutput(parameters, "RECORD_HTML", context)
        try:
            if workspace:
                open_workspace(workspace)  # a wrong workspace stops the draw before anything is drawn or written
            run = run_draw(
                file_spec(listed), file_spec(roster),
                seed=None if seed in ("", "0") else seed,
                ratios={pool: self.parameterAsDouble(parameters, name, context) for name, pool in RATIO_PARAMS},
                positive_factor=self.parameterAsDouble(parameters, "POSITIVE_FACTOR", context),
                per_target=self.parameterAsInt(parameters, "PER_TARGET", context),
                mix_teams=self.parameterAsBoolean(parameters, "MIX_TEAMS", context),
                history=[history] if history else [],
                period=self.parameterAsString(parameters, "PERIOD", context),
                progress=lambda f: feedback.setProgress(f * 70), is_canceled=feedback.isCanceled)
            check_outputs(run, {"layer": sink_file(self.parameterAsOutputLayer(parameters, "OUTPUT", context))})
        except DrawCanceled:
            raise QgsProcessingException(tr("Draw canceled; nothing was written.")) from None
        except GreenShieldError as exc:
            raise self.fail(exc) from exc

        records = {"json": record_json, **({"html": record_html} if record_html else {})}
        created = 0
        try:
            # the record moves into place only when the targets layer is written and the cases are added
            with staged_outputs(run, records):
                dest = self._write_targets(run, listed, parameters, context, feedback)
                feedback.setProgress(80)
                if workspace:
                    outcome = add_cases(run, workspace, by="greenshield:randomdraw")
                    created = len(outcome.created)
                    feedback.pushInfo(tr("Cases: {created} created, {updated} updated.").format(
                        created=created, updated=len(outcome.updated)))
        except GreenShieldError as exc:
            raise self.fail(exc) from exc
        for line in summary_lines(run, zh=is_chinese()):
            feedback.pushInfo(line.strip())
        feedback.setProgress(100)
        return {"OUTPUT": dest, "RECORD_JSON": record_json, "RECORD_HTML": record_html or None,
                "DRAWN": len(run.result.targets), "SEED_USED": str(run.seed), "DRAW_ID": run.draw_id,
                "CASES_CREATED": created}

    def _write_targets(self, run, listed, parameters, context, feedback) -> str:
        """The drawn targets into the OUTPUT sink: points when the list has locations, a table otherwise."""
        spatial = bool(run.crs) and any(t.entity.geometry is not None for t in run.result.targets)
        crs = listed.crs() if listed.isSpatial() else QgsCoordinateReferenceSystem(run.crs or "")
        fields = QgsFields()
        for name in RESULT_FIELDS:
            kind = {"seq": QVariant.Int, "positive_list": QVariant.Bool}.get(name, QVariant.String)
            fields.append(QgsField(name, kind))
        sink, dest = self.parameterAsSink(parameters, "OUTPUT", context, fields,
                                          QgsWkbTypes.Point if spatial else QgsWkbTypes.NoGeometry, crs)
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, "OUTPUT"))
        for row, target in zip(result_rows(run), run.result.targets):
            if feedback.isCanceled():
                raise QgsProcessingException(tr("Draw canceled; nothing was written."))
            feature = QgsFeature(fields)
            feature.setAttributes([row[name] for name in RESULT_FIELDS])
            geometry = target.entity.geometry
            if spatial and geometry is not None:
                qgeom = QgsGeometry()
                qgeom.fromWkb(shapely.to_wkb(geometry, flavor="iso"))
                feature.setGeometry(qgeom)
            sink.addFeature(feature, QgsFeatureSink.FastInsert)
        return dest
