"""`make demo`: open a workspace in a QGIS project, styled, and print a map of it.

    python -m green_shield.layers.demo WORKSPACE.gpkg OUT_DIR

Writes OUT_DIR/green_shield_demo.qgz (open it in QGIS), OUT_DIR/green_shield_demo_map.png
and a printable OUT_DIR/green_shield_demo_map.pdf.
"""

from __future__ import annotations

import os
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


def build_layout(project, layers, title: str, note: str):
    """An A4 landscape sheet: title, map, legend, scale bar, north arrow, provenance."""
    from qgis.core import (
        QgsLayoutItemLabel,
        QgsLayoutItemLegend,
        QgsLayoutItemMap,
        QgsLayoutItemPicture,
        QgsLayoutItemScaleBar,
        QgsLayoutPoint,
        QgsLayoutSize,
        QgsPrintLayout,
        QgsUnitTypes,
    )
    from qgis.PyQt.QtGui import QFont

    mm = QgsUnitTypes.LayoutMillimeters
    layout = QgsPrintLayout(project)
    layout.initializeDefaults()  # one A4 landscape page
    layout.setName(title)

    heading = QgsLayoutItemLabel(layout)
    heading.setText(title)
    heading.setFont(QFont("Noto Sans CJK SC", 18, QFont.Bold))
    heading.attemptMove(QgsLayoutPoint(10, 6, mm))
    heading.attemptResize(QgsLayoutSize(230, 12, mm))
    layout.addLayoutItem(heading)

    map_item = QgsLayoutItemMap(layout)
    map_item.attemptMove(QgsLayoutPoint(10, 20, mm))
    map_item.attemptResize(QgsLayoutSize(210, 180, mm))
    map_item.setCrs(project.crs())
    map_item.setLayers([layer for layer in layers])
    map_item.zoomToExtent(map_extent(project, layers))
    map_item.setFrameEnabled(True)
    layout.addLayoutItem(map_item)

    legend = QgsLayoutItemLegend(layout)
    legend.setTitle("图例")
    legend.setLinkedMap(map_item)
    legend.setLegendFilterByMapEnabled(True)
    legend.setAutoUpdateModel(True)
    legend.attemptMove(QgsLayoutPoint(224, 20, mm))
    layout.addLayoutItem(legend)

    scale = QgsLayoutItemScaleBar(layout)
    scale.setStyle("Single Box")
    scale.setLinkedMap(map_item)
    scale.setUnits(QgsUnitTypes.DistanceKilometers)
    scale.setUnitLabel("km")
    scale.setNumberOfSegments(4)
    scale.setNumberOfSegmentsLeft(0)
    scale.setUnitsPerSegment(2)
    scale.attemptMove(QgsLayoutPoint(14, 186, mm))
    layout.addLayoutItem(scale)

    arrow_svg = "/usr/share/qgis/svg/arrows/NorthArrow_02.svg"
    if os.path.exists(arrow_svg):
        arrow = QgsLayoutItemPicture(layout)
        arrow.setPicturePath(arrow_svg)
        arrow.attemptMove(QgsLayoutPoint(203, 23, mm))
        arrow.attemptResize(QgsLayoutSize(14, 14, mm))
        layout.addLayoutItem(arrow)

    footer = QgsLayoutItemLabel(layout)
    footer.setText(note)
    footer.setFont(QFont("Noto Sans CJK SC", 7))
    footer.attemptMove(QgsLayoutPoint(10, 202, mm))
    footer.attemptResize(QgsLayoutSize(277, 6, mm))
    layout.addLayoutItem(footer)
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
    if not project.write(paths["project"]):
        raise RuntimeError(f"could not write {paths['project']}")
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
    app.exitQgis()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
