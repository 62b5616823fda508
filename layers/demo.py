"""`make demo`: open a workspace in a QGIS project, styled, and print a map of it.

    python -m green_shield.layers.demo WORKSPACE.gpkg OUT_DIR

Writes OUT_DIR/green_shield_demo.qgz (open it in QGIS), OUT_DIR/green_shield_demo_map.png
and a printable OUT_DIR/green_shield_demo_map.pdf; then screens the workspace's projects and
writes OUT_DIR/screening.gpkg and the review report OUT_DIR/screening_report.html (+ .pdf),
with the results styled by verdict in the project.
"""

from __future__ import annotations

import os
import shutil
import sys


def _start_qgis():
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("XDG_RUNTIME_DIR", f"/tmp/runtime-{os.getuid()}")
    from qgis.core import QgsApplication

    app = QgsApplication([], True)
    app.initQgis()
    return app


def map_extent(project, layers):
    """The district's extent (or all layers'), in the project CRS, with a margin."""
    from qgis.core import QgsCoordinateTransform, QgsRectangle

    extent = QgsRectangle()
    for layer in layers:
        if layer.customProperty("green_shield/layer_type") == "district" and layer.featureCount():
            extent = layer.extent()
            source = layer.crs()
            break
    else:
        for layer in layers:
            if layer.featureCount():
                extent.combineExtentWith(layer.extent())
                source = layer.crs()
    transform = QgsCoordinateTransform(source, project.crs(), project)
    extent = transform.transformBoundingBox(extent)
    extent.scale(1.05)
    return extent


_keep_alive: list = []  # legend trees must outlive the layout export


def build_layout(project, layers, title: str, note: str):
    """An A4 landscape sheet: title, map, legend, scale bar, north arrow, provenance."""
    from qgis.core import (
        QgsLayerTree,
        QgsLayoutItemLabel,
        QgsLayoutItemLegend,
        QgsLayoutItemMap,
        QgsLayoutItemPicture,
        QgsLayoutItemScaleBar,
        QgsLayoutPoint,
        QgsLayoutSize,
        QgsLegendStyle,
        QgsPrintLayout,
        QgsUnitTypes,
    )
    from qgis.PyQt.QtGui import QFont

    mm = QgsUnitTypes.LayoutMillimeters
    layout = QgsPrintLayout(project)
    layout.initializeDefaults()  # one A4 landscape page
    layout.setName(title)

    heading = QgsLayoutItemLabel(layout)
    layout.addLayoutItem(heading)
    heading.setText(title)
    heading.setFont(QFont("Noto Sans CJK SC", 18, QFont.Bold))
    heading.attemptMove(QgsLayoutPoint(10, 6, mm))
    heading.attemptResize(QgsLayoutSize(230, 12, mm))

    map_item = QgsLayoutItemMap(layout)
    layout.addLayoutItem(map_item)
    map_item.setCrs(project.crs())
    map_item.setLayers(list(layers))
    extent = map_extent(project, layers)
    # A new map item has no size and an empty extent: size it, give it the extent, then fit.
    map_item.attemptResize(QgsLayoutSize(200, 180, mm))
    map_item.setExtent(extent)
    map_item.attemptMove(QgsLayoutPoint(10, 20, mm))
    map_item.zoomToExtent(extent)
    map_item.setFrameEnabled(True)

    legend = QgsLayoutItemLegend(layout)
    layout.addLayoutItem(legend)
    legend.setTitle("图例")
    legend.setLinkedMap(map_item)
    legend.setLegendFilterByMapEnabled(True)
    legend.setAutoUpdateModel(False)
    tree = QgsLayerTree()  # the layers themselves, without the workspace group's title
    for layer in layers:
        if layer.featureCount():
            tree.addLayer(layer)
    legend.model().setRootGroup(tree)
    _keep_alive.append(tree)
    legend.setColumnCount(2)
    legend.setSplitLayer(True)
    legend.setSymbolWidth(6)
    legend.setSymbolHeight(3.5)
    for style in (QgsLegendStyle.Title, QgsLegendStyle.Group, QgsLegendStyle.Subgroup, QgsLegendStyle.SymbolLabel):
        font = legend.style(style).font()
        font.setFamily("Noto Sans CJK SC")
        font.setPointSizeF({QgsLegendStyle.Title: 11}.get(style, 7.5))
        legend.rstyle(style).setFont(font)
    legend.attemptMove(QgsLayoutPoint(213, 20, mm))
    legend.adjustBoxSize()

    scale = QgsLayoutItemScaleBar(layout)
    layout.addLayoutItem(scale)
    scale.setStyle("Single Box")
    scale.setLinkedMap(map_item)
    scale.setUnits(QgsUnitTypes.DistanceKilometers)
    scale.setUnitLabel("km")
    scale.setNumberOfSegments(4)
    scale.setNumberOfSegmentsLeft(0)
    scale.setUnitsPerSegment(2)
    scale.attemptMove(QgsLayoutPoint(14, 186, mm))

    arrow_svg = "/usr/share/qgis/svg/arrows/NorthArrow_02.svg"
    if os.path.exists(arrow_svg):
        arrow = QgsLayoutItemPicture(layout)
        layout.addLayoutItem(arrow)
        arrow.setPicturePath(arrow_svg)
        arrow.attemptMove(QgsLayoutPoint(193, 23, mm))
        arrow.attemptResize(QgsLayoutSize(14, 14, mm))

    footer = QgsLayoutItemLabel(layout)
    layout.addLayoutItem(footer)
    footer.setText(note)
    footer.setFont(QFont("Noto Sans CJK SC", 7))
    footer.attemptMove(QgsLayoutPoint(10, 202, mm))
    footer.attemptResize(QgsLayoutSize(277, 8, mm))
    return layout


def write_demo(workspace: str, out_dir: str) -> dict[str, str]:
    from qgis.core import QgsCoordinateReferenceSystem, QgsLayoutExporter, QgsProject

    from ..core.crs import gauss_kruger_epsg
    from ..core.workspace import open_workspace
    from .workspace import add_workspace_to_project, store_default_styles

    info = open_workspace(workspace)
    os.makedirs(out_dir, exist_ok=True)
    store_default_styles(workspace)
    project = QgsProject.instance()
    project.clear()
    layers = add_workspace_to_project(workspace, project)
    district = next(layer for layer in layers if layer.customProperty("green_shield/layer_type") == "district")
    lon = district.extent().center().x() if district.featureCount() else 106.2
    project.setCrs(QgsCoordinateReferenceSystem(gauss_kruger_epsg(lon)))
    project.setTitle("绿盾示例区县")
    paths = {
        "project": os.path.join(out_dir, "green_shield_demo.qgz"),
        "png": os.path.join(out_dir, "green_shield_demo_map.png"),
        "pdf": os.path.join(out_dir, "green_shield_demo_map.pdf"),
    }
    counts = "，".join(f"{layer.name()} {layer.featureCount()}" for layer in layers if layer.featureCount())
    note = (f"数据：绿盾虚构示例区县（非真实数据）。坐标系：{project.crs().description()}；工作空间 {info.crs}。"
            f"要素数：{counts}。")
    layout = build_layout(project, layers, "青溪区生态环境空间执法底图（绿盾示例）", note)
    project.layoutManager().addLayout(layout)
    exporter = QgsLayoutExporter(layout)
    image_settings = QgsLayoutExporter.ImageExportSettings()
    image_settings.dpi = 150
    if exporter.exportToImage(paths["png"], image_settings) != QgsLayoutExporter.Success:
        raise RuntimeError(f"could not write {paths['png']}")
    if exporter.exportToPdf(paths["pdf"], QgsLayoutExporter.PdfExportSettings()) != QgsLayoutExporter.Success:
        raise RuntimeError(f"could not write {paths['pdf']}")
    paths.update(_screen(workspace, out_dir, project))
    paths.update(_redline_review(workspace, out_dir))
    paths.update(_outfall_check(workspace, out_dir, project))
    paths.update(_change_leads(workspace, out_dir))
    paths.update(_inspection_round(workspace, out_dir, project, paths["screening"]))
    if not project.write(paths["project"]):
        raise RuntimeError(f"could not write {paths['project']}")
    return paths


def _screen(workspace: str, out_dir: str, project) -> dict[str, str]:
    """Screen the sample projects; report with QGIS maps; results styled by verdict in a group."""
    from qgis.core import QgsVectorLayer

    from ..core.report import write_html_report
    from ..core.rules import load_rulebook
    from ..core.screening import screen
    from ..core.screening_io import load_projects, load_protected, write_results
    from .report_maps import render_project_maps, write_pdf_report
    from .verdict_style import style_by_verdict

    projects, _ = load_projects(workspace, None)
    protected, _ = load_protected(workspace)
    result = screen(projects, protected, load_rulebook())
    paths = {"screening": os.path.join(out_dir, "screening.gpkg"),
             "report": os.path.join(out_dir, "screening_report.html"),
             "report_pdf": os.path.join(out_dir, "screening_report.pdf")}
    write_results(result, paths["screening"])
    images = render_project_maps(result, protected, os.path.join(out_dir, "screening_maps"), workspace=workspace)
    write_html_report(result, paths["report"], protected=protected, map_images=images)
    write_pdf_report(paths["report"], paths["report_pdf"])
    group = project.layerTreeRoot().insertGroup(0, "建设项目审查结果")
    for geometry_type, suffix in (("Point", "（点）"), ("LineString", "（线）"), ("Polygon", "（面）")):
        layer = QgsVectorLayer(f"{paths['screening']}|layername=flagged_projects|geometrytype={geometry_type}",
                               "项目审查结论" + suffix, "ogr")
        if layer.isValid() and layer.featureCount():
            style_by_verdict(layer)
            project.addMapLayer(layer, False)
            group.addLayer(layer)
    group.setItemVisibilityChecked(False)  # the base map stays readable; tick the group to see verdicts
    counts = result.counts()
    paths["counts"] = "，".join(f"{k} {v}" for k, v in counts.items())
    return paths


def _redline_review(workspace: str, out_dir: str) -> dict[str, str]:
    """The sample's 2021 red-line version compared with 2020, with land cover; report with QGIS maps."""
    from ..core.cli import run_redline_diff
    from ..core.redline_diff import write_diff
    from ..core.redline_report import write_redline_report
    from ..core.sample_landcover import build_sample_landcover
    from ..core.sample_redline_v2 import build_redline_v2
    from .redline_maps import render_redline_maps
    from .report_maps import write_pdf_report

    versions = os.path.join(out_dir, "redline_2020_2021.gpkg")
    landcover = os.path.join(out_dir, "landcover.tif")
    build_redline_v2(workspace, versions, overwrite=True)
    build_sample_landcover(landcover, workspace)
    diff = run_redline_diff(f"{versions}:redline_2020", f"{versions}:redline", workspace=workspace,
                            landcover=landcover)
    paths = {"redline_diff": os.path.join(out_dir, "redline_diff.gpkg"),
             "redline_report": os.path.join(out_dir, "redline_report.html"),
             "redline_report_pdf": os.path.join(out_dir, "redline_report.pdf")}
    write_diff(diff, paths["redline_diff"])
    images = render_redline_maps(diff, os.path.join(out_dir, "redline_maps"), workspace=workspace)
    write_redline_report(diff, paths["redline_report"], map_images=images)
    write_pdf_report(paths["redline_report"], paths["redline_report_pdf"])
    total = diff.total
    paths["redline_summary"] = (f"added {total.added_m2 / 1e4:,.1f} ha, removed {total.removed_m2 / 1e4:,.1f} ha, "
                                f"{len(diff.flagged())} flagged")
    return paths


def _outfall_check(workspace: str, out_dir: str, project) -> dict[str, str]:
    """Every outfall against the zones and along the rivers; layer styled by action, A4 report."""
    from qgis.core import QgsVectorLayer

    from ..core.outfall_report import write_outfall_report
    from ..core.outfalls import run_outfall_check, write_checks
    from .outfall_style import style_outfall_checks

    result = run_outfall_check(workspace)
    paths = {"outfalls": os.path.join(out_dir, "outfall_checks.gpkg"),
             "outfall_report": os.path.join(out_dir, "outfall_report.html")}
    write_checks(result, paths["outfalls"])
    write_outfall_report(result, paths["outfall_report"])
    layer = QgsVectorLayer(f"{paths['outfalls']}|layername=outfall_checks", "排污口检查结论", "ogr")
    style_outfall_checks(layer)
    project.addMapLayer(layer, False)
    project.layerTreeRoot().insertLayer(0, layer).setItemVisibilityChecked(False)
    return paths


def _change_leads(workspace: str, out_dir: str) -> dict[str, str]:
    """Two land-cover images of the district (planted changes and noise) → leads in the workspace's
    change_lead layer (shown in the project through the workspace) and the A4 report with thumbnails."""
    from ..core.change_leads import find_change_leads, save_leads, write_lead_report
    from ..core.sample_change import build_sample_change_pair

    imagery = os.path.join(out_dir, "imagery")
    os.makedirs(imagery, exist_ok=True)
    pair = build_sample_change_pair(imagery, workspace)
    result = find_change_leads(workspace, pair["before"], pair["after"])
    save_leads(workspace, result)
    report = write_lead_report(result, os.path.join(out_dir, "change_leads.html"))
    c = result.counts()
    return {"change_leads": report,
            "change_summary": f"{c['leads']} leads ({c['PROHIBITED']} 禁止, {c['REVIEW']} 需复核) from "
                              f"{result.detection.stats['patches']} change patches; images in {imagery}"}


DEMO_START_DATE = "2026-12-01"
DEMO_SEED = 20261129


def _inspection_round(workspace: str, out_dir: str, project, screening: str) -> dict[str, str]:
    """A quarter's enforcement round: cases from the screening and registers, the random draw,
    routes for every open case, a QField package and inspection sheets per team, the ledger."""
    import datetime as dt

    from qgis.core import QgsVectorLayer

    from ..core import draw, routes
    from ..core.case_report import write_ledger_report
    from ..core.cases import build_cases
    from ..core.sample_district import ORIGIN_LONLAT
    from .field_package import export_field_packages
    from .inspection_sheet import write_inspection_sheets
    from .route_style import style_routes, style_stops

    built = build_cases(workspace, screening, by="绿盾示例")
    run = draw.run_draw(f"{workspace}:supervised_entity", f"{workspace}:sample_roster", seed=DEMO_SEED,
                        period="2026Q4")
    draws = os.path.join(out_dir, "draws")
    shutil.rmtree(draws, ignore_errors=True)  # the demo's own record of an earlier run
    drawn = draw.write_outputs(run, draws + os.sep)
    draw.add_cases(run, workspace, by="绿盾示例")
    teams = sorted({t.team for t in run.result.targets if t.team})
    stops, crs = routes.stops_from_workspace(workspace)
    options = routes.RouteOptions(teams=teams, days=10, start_date=dt.date.fromisoformat(DEMO_START_DATE))
    plan = routes.plan_routes(stops, ORIGIN_LONLAT, crs, options, start_crs="EPSG:4490",
                              source=f"{workspace} (inspection_case)")
    paths = {"routes": os.path.join(out_dir, "routes.gpkg"), "draw_record": drawn["html"],
             "field": os.path.join(out_dir, "field_packages"), "sheets": os.path.join(out_dir, "inspection_sheets"),
             "ledger": os.path.join(out_dir, "case_ledger.html")}
    routes.write_plan(plan, paths["routes"])
    stops_layer = QgsVectorLayer(f"{paths['routes']}|layername=stops", "检查点", "ogr")
    routes_layer = QgsVectorLayer(f"{paths['routes']}|layername=routes", "检查路线", "ogr")
    style_stops(stops_layer)
    style_routes(routes_layer)
    packages = export_field_packages(workspace, paths["field"], stops=stops_layer, routes=routes_layer,
                                     overwrite=True)
    first_team = [teams[0]] if teams else None
    sheets = write_inspection_sheets(workspace, paths["sheets"], stops=stops_layer, teams=first_team)
    figures = write_ledger_report(workspace, paths["ledger"])
    group = project.layerTreeRoot().insertGroup(0, "检查计划")
    for layer in (stops_layer, routes_layer):
        project.addMapLayer(layer, False)
        group.addLayer(layer)
    group.setItemVisibilityChecked(False)
    paths["inspection_summary"] = (
        f"cases {figures['total']} ({len(built.created)} from screening, registers and leads, "
        f"{len(run.result.targets)} drawn); {plan.n_scheduled} stops in {len(plan.days)} team-days, "
        f"{plan.distance_m / 1000:,.1f} km; "
        f"{len(packages)} field packages; {sum(s['pages'] for s in sheets)} sheet pages for {first_team}")
    return paths


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    app = _start_qgis()
    try:
        paths = write_demo(argv[0], argv[1])
    finally:
        from qgis.core import QgsProject

        QgsProject.instance().clear()
    print(f"QGIS project: {os.path.abspath(paths['project'])}   (open it with: qgis {paths['project']})")
    print(f"map (PNG):    {os.path.abspath(paths['png'])}")
    print(f"map (PDF):    {os.path.abspath(paths['pdf'])}")
    print(f"workspace:    {os.path.abspath(argv[0])}")
    print(f"screening:    {os.path.abspath(paths['screening'])}   ({paths['counts']})")
    print(f"report:       {os.path.abspath(paths['report'])}")
    print(f"report (PDF): {os.path.abspath(paths['report_pdf'])}")
    print(f"red line:     {os.path.abspath(paths['redline_diff'])}   ({paths['redline_summary']})")
    print(f"red-line report: {os.path.abspath(paths['redline_report'])} (+ .pdf)")
    print(f"outfalls:     {os.path.abspath(paths['outfalls'])}; report {os.path.abspath(paths['outfall_report'])}")
    print(f"change leads: {os.path.abspath(paths['change_leads'])}   ({paths['change_summary']})")
    print(f"inspection:   {paths['inspection_summary']}")
    print(f"  draw record {os.path.abspath(paths['draw_record'])}; routes {os.path.abspath(paths['routes'])}")
    print(f"  field packages {os.path.abspath(paths['field'])}; sheets {os.path.abspath(paths['sheets'])}")
    print(f"  case ledger {os.path.abspath(paths['ledger'])}")
    import gc

    gc.collect()  # layers the run left to Python go now, while GDAL is still there to close them
    app.exitQgis()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
