"""The `green-shield` command line: the same core as the QGIS plugin and qgis_process."""

from __future__ import annotations

import argparse
import os
import sys

from . import __version__
from .errors import GreenShieldError
from .schema import CODE_LISTS, LAYER_TYPES


def _lang(args) -> str:
    if args.lang:
        return args.lang
    return "zh" if os.environ.get("LANG", "").lower().startswith("zh") else "en"


class _Progress:
    """A one-line percentage on stderr, only when stderr is a terminal or asked for."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.last = -1

    def __call__(self, fraction: float) -> None:
        pct = int(fraction * 100)
        if pct != self.last:
            self.last = pct
            sys.stderr.write(f"\r{self.label} {pct:3d}%")
            if pct >= 100:
                sys.stderr.write("\n")
            sys.stderr.flush()


def cmd_create_workspace(args) -> int:
    from .workspace import create_workspace

    info = create_workspace(args.output, args.crs, overwrite=args.overwrite)
    print(f"created {info.path} ({info.crs}, {len(info.layers)} layers)")
    return 0


def cmd_info(args) -> int:
    from .workspace import open_workspace

    info = open_workspace(args.workspace)
    print(f"{info.path}  CRS {info.crs}  schema v{info.schema_version}")
    for key, count in info.layers.items():
        lt = LAYER_TYPES[key]
        print(f"  {key:<20} {lt.title_zh:<10} {count:>7}")
    return 0


def cmd_import(args) -> int:
    from .importer import import_file, parse_mapping
    from .sources import split_source

    source, layer = split_source(args.source)
    result = import_file(
        args.workspace,
        source,
        args.target,
        layer=layer or args.layer,
        field_map=parse_mapping(args.map),
        constants=parse_mapping(args.set),
        source_crs=args.source_crs,
        encoding=args.encoding,
        coordinates=args.coordinates,
        x_field=args.x_field,
        y_field=args.y_field,
        strict=args.strict,
        dry_run=args.dry_run,
        report=args.report,
        progress=_Progress("import"),
    )
    zh = _lang(args) == "zh"
    lt = LAYER_TYPES[args.target]
    print(("导入" if zh else "import") + f": {result.source} → {result.workspace} [{lt.key} {lt.title_zh}]")
    print(f"  encoding {result.encoding} ({result.encoding_how}); CRS {result.source_crs}; "
          f"coordinates {result.coordinates}")
    print("  field map: " + ", ".join(f"{t}←{s}" for t, s in result.field_map.items()))
    if result.constants:
        print("  constants: " + ", ".join(f"{t}={v}" for t, v in result.constants.items()))
    if result.unused_columns:
        print("  unused columns: " + ", ".join(result.unused_columns))
    verb = "would import" if result.dry_run else "imported"
    print(
        f"  {verb} {result.total - result.rejected_rows} of {result.total} rows; "
        f"rejected {result.rejected_rows}; repaired {len(result.repaired)}"
    )
    for issue in result.issues[:20]:
        reason = issue.reason_zh if zh else issue.reason
        print(f"    row {issue.row} {issue.field}: {issue.action}: {reason}")
    if len(result.issues) > 20:
        print(f"    … {len(result.issues) - 20} more" + (f" in {result.report_path}" if result.report_path else ""))
    return 0


def cmd_sample_district(args) -> int:
    from .sample_district import build_sample_district
    from .sample_supervision import ROSTER_LAYER, write_roster_csv

    counts = build_sample_district(args.output, overwrite=args.overwrite)
    roster_csv = os.path.splitext(args.output)[0] + "_roster.csv"
    inspectors = write_roster_csv(roster_csv)
    print(f"sample district written to {args.output}")
    for key, count in counts.items():
        print(f"  {key:<20} {count:>6}")
    print(f"  {ROSTER_LAYER:<20} {inspectors:>6}  (inspector roster; also {roster_csv})")
    if args.imagery:
        from .sample_change import build_sample_change_pair

        os.makedirs(args.imagery, exist_ok=True)
        pair = build_sample_change_pair(args.imagery, args.output)
        print(f"  land-cover images {pair['before']} and {pair['after']} "
              f"({len(pair['planted'])} planted changes, {pair['noise_spots']} noise spots)")
    return 0


def cmd_screen(args) -> int:
    from .rules import VERDICT_ZH, VERDICTS, load_rulebook
    from .screening import ScreeningOptions, screen
    from .screening_io import load_projects, load_protected, write_results

    zh = _lang(args) == "zh"
    rulebook = load_rulebook(args.rules)
    from .postgis import is_postgis

    far, planar = None, args.planar_crs
    # pushed into the database when the workspace's own layers are screened (a --protected file replaces a
    # layer the database cannot see, so then every project is read)
    if is_postgis(args.workspace) and not args.projects and not args.protected and not args.pull_all:
        from .screening_io import load_projects_pushdown

        projects, far, zone = load_projects_pushdown(args.workspace, rulebook, args.near_m)
        planar = planar or zone
        notes = []
    else:
        projects, notes = load_projects(args.workspace, args.projects, args.source_crs)
    protected, more = load_protected(args.workspace, args.protected)
    notes += more
    if not protected:
        from .screening import NothingToScreen

        raise NothingToScreen("no protected layers (give --workspace or --protected FILE=TYPE)",
                              "没有受保护图层（请指定 --workspace 或 --protected 文件=类型）")
    options = ScreeningOptions(method=args.method, planar_crs=planar, sliver_m2=args.sliver_m2,
                               near_m=args.near_m, threads=args.threads)
    result = screen(projects, protected, rulebook, options, progress=_Progress("screen"))
    if far is not None:
        from .screening_io import add_far_projects

        add_far_projects(result, far)
        notes.append(f"{len(far)} projects beyond every protected feature's reach found clear by the database's "
                     f"spatial index; {len(projects)} screened")
    result.warnings[:0] = notes
    write_results(result, args.out)
    if args.report:
        from .report import write_html_report

        write_html_report(result, args.report, protected=protected)
    counts = result.counts()
    layers = ", ".join(f"{LAYER_TYPES[k].title_zh if zh else k} {v}" for k, v in result.protected_counts.items())
    print(f"审查 {len(result.projects)} 个建设项目 × {layers}" if zh else
          f"screened: {len(result.projects)} projects × {layers}")
    print("  " + ", ".join(f"{VERDICT_ZH[v] if zh else v} {counts[v]}" for v in VERDICTS))
    print(f"  rulebook: {rulebook.provenance()}")
    print(f"  method: {result.method_text('zh' if zh else 'en')}; sliver {result.sliver_m2:g} m²")
    written = f"  {len(result.conflicts)} conflict rows → {args.out}"
    print(written + (f"; report → {args.report}" if args.report else ""))
    for warning in result.warnings[:10]:
        print(f"  note: {warning}")
    if len(result.warnings) > 10:
        print(f"  … {len(result.warnings) - 10} more notes in the screening_run table")
    print(f"  {result.seconds:.1f} s")
    return 0


def run_redline_diff(old_spec: str, new_spec: str, *, workspace: str | None = None, by: str = "xzqmc",
                     match_field: str | None = "bsm", tolerance: float = 1.0, min_area: float = 100.0,
                     landcover: str | None = None, progress=None):
    """The whole review as the command line and QGIS run it: diff, rule checks, verdict changes, land cover."""
    from .redline_diff import check_rules, diff_redlines, verdict_changes
    from .screening_io import load_projects, load_protected, load_version

    old, notes = load_version(old_spec)
    new, more = load_version(new_spec)
    diff = diff_redlines(old, new, tolerance_m=tolerance, min_area_m2=min_area, match_field=match_field,
                         by_field=by, progress=progress)
    diff.warnings[:0] = notes + more
    if workspace:
        from .rules import load_rulebook

        protected, _ = load_protected(workspace)
        projects, _ = load_projects(workspace, None)
        check_rules(diff, protected, projects)
        verdict_changes(diff, old, new, protected, projects, load_rulebook())
    else:
        for piece in diff.pieces:  # without a workspace only the reason can be checked
            if piece.change == "removed" and not piece.reason:
                piece.flags.append("no_reason")
    if landcover:
        from .landcover import composition

        for change in ("added", "removed"):
            pieces = [p.geometry for p in diff.pieces if p.change == change]
            totals: dict[int, float] = {}
            for parts in composition(landcover, pieces, diff.planar_crs) if pieces else []:
                for code, area in parts.items():
                    totals[code] = totals.get(code, 0.0) + area
            diff.landcover[change] = totals
    return diff


def cmd_redline_diff(args) -> int:
    from .redline_diff import write_diff

    zh = _lang(args) == "zh"
    diff = run_redline_diff(args.old, args.new, workspace=args.workspace, by=args.by, match_field=args.match_field,
                            tolerance=args.tolerance, min_area=args.min_area, landcover=args.landcover,
                            progress=_Progress("diff"))
    write_diff(diff, args.out)
    if args.report:
        from .redline_report import write_redline_report

        write_redline_report(diff, args.report)
    total = diff.total
    counts = {c: len(diff.of(c)) for c in ("added", "removed", "noise")}
    print(("红线比对" if zh else "red-line diff") + f": {diff.old_source} → {diff.new_source} ({diff.planar_crs})")
    print(f"  old {total.old_m2 / 1e4:,.2f} ha, new {total.new_m2 / 1e4:,.2f} ha; added {total.added_m2 / 1e4:,.2f} ha "
          f"({counts['added']}), removed {total.removed_m2 / 1e4:,.2f} ha ({counts['removed']}), "
          f"net {total.net_m2 / 1e4:+,.2f} ha ({total.pct:+.2f} %); noise {counts['noise']} pieces "
          f"({total.noise_m2:+,.1f} m²)")
    if diff.shrinks:
        print("  " + ("警告：红线总面积减少" if zh else "WARNING: the red line shrinks overall"))
    for piece in diff.flagged():
        where = piece.bsm_old or piece.bsm_new
        print(f"  flag {piece.change} {where} {piece.area_m2:,.0f} m²: {','.join(piece.flags)}")
    for match in diff.matches:
        print(f"  {match.kind}: {match.bsm_old} → {match.bsm_new} {match.note}")
    for change in diff.verdict_changes:
        print(f"  project {change.project_code}: {change.note}")
    for warning in diff.warnings:
        print(f"  note: {warning}")
    print(f"  → {args.out}" + (f"; report → {args.report}" if args.report else ""))
    return 0


def cmd_schema(args) -> int:
    """Print the data model as Markdown (the README's table is made from this)."""
    for lt in LAYER_TYPES.values():
        print(f"### `{lt.key}` {lt.title_zh} — {lt.title_en} ({lt.geometry})\n")
        print("| field | 中文 | English | type | required | code list |")
        print("|---|---|---|---|---|---|")
        for fd in lt.fields:
            codes = ""
            if fd.codelist:
                codes = ", ".join(f"`{i.code}` {i.zh}" for i in CODE_LISTS[fd.codelist].items)
            required = "yes" if fd.required else ""
            print(f"| `{fd.name}` | {fd.alias_zh} | {fd.alias_en} | {fd.type} | {required} | {codes} |")
        print()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="green-shield", description="Green Shield 绿盾: spatial enforcement of ecological protection."
    )
    parser.add_argument("--version", action="version", version=f"green-shield {__version__}")
    parser.add_argument("--lang", choices=("zh", "en"), help="language of messages (default from LANG)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("create-workspace", help="create an empty workspace GeoPackage / 新建工作空间")
    p.add_argument("output")
    p.add_argument("--crs", default="EPSG:4490", help="workspace CRS (default EPSG:4490, CGCS2000)")
    p.add_argument("--overwrite", action="store_true")
    p.set_defaults(func=cmd_create_workspace)

    p = sub.add_parser("info", help="show a workspace's layers and counts / 工作空间信息")
    p.add_argument("workspace")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("import", help="import a file into a workspace layer / 导入图层")
    p.add_argument("source", help="FILE or FILE:LAYER (Shapefile, GeoPackage, GeoJSON, CSV, XLSX)")
    p.add_argument("--workspace", "-w", required=True)
    p.add_argument("--target", "-t", required=True, choices=list(LAYER_TYPES), help="target layer type")
    p.add_argument("--layer", help="layer inside a multi-layer source")
    p.add_argument("--map", action="append", metavar="FIELD=COLUMN", help="map a field to a source column")
    p.add_argument("--set", action="append", metavar="FIELD=VALUE", help="give a field one value for every row")
    p.add_argument("--source-crs", help="CRS of a source without one, e.g. EPSG:4490")
    p.add_argument("--encoding", help="text encoding of a Shapefile/CSV (default: detected), e.g. GBK")
    p.add_argument("--coordinates", default="wgs84", help="point coordinates are wgs84 (default), gcj02 or bd09")
    p.add_argument("--x-field", help="longitude/x column of a table")
    p.add_argument("--y-field", help="latitude/y column of a table")
    p.add_argument("--strict", action="store_true", help="import nothing if any row is rejected")
    p.add_argument("--dry-run", action="store_true", help="check only; write the report but not the workspace")
    p.add_argument("--report", help="CSV error report to write (row, field, reason)")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("sample-district", help="build the fictional sample district / 生成示例区县")
    p.add_argument("output")
    p.add_argument("--overwrite", action="store_true")
    p.add_argument("--imagery", metavar="FOLDER", help="also write two land-cover images with planted changes "
                   "(landcover_before.tif, landcover_after.tif) into FOLDER, for change-leads")
    p.set_defaults(func=cmd_sample_district)

    p = sub.add_parser("screen", help="screen projects against protected areas / 建设项目空间审查")
    p.add_argument("--workspace", "-w", help="workspace GeoPackage (projects and protected layers)")
    p.add_argument("--projects", help="projects FILE[:LAYER] instead of the workspace's project layer")
    p.add_argument("--protected", action="append", metavar="FILE[:LAYER]=TYPE",
                   help="protected layer of TYPE (redline, nature_reserve, water_source_zone, contaminated_plot); "
                        "replaces the workspace's layer of that type; repeat to add more")
    p.add_argument("--rules", help="rulebook YAML (default: the shipped rulebook)")
    p.add_argument("--out", "-o", required=True, help="output GeoPackage (layers conflicts, flagged_projects)")
    p.add_argument("--report", help="HTML report to write")
    p.add_argument("--method", choices=("planar", "ellipsoidal"), default="planar",
                   help="areas planar in the Gauss-Krüger zone (default) or on the ellipsoid")
    p.add_argument("--planar-crs", help="planar CRS for areas and distances (default: the data's GK zone)")
    p.add_argument("--sliver-m2", type=float, help="overlaps smaller than this count as touching (default: rulebook)")
    p.add_argument("--near-m", type=float, default=500.0, help="report the nearest protected feature within this")
    p.add_argument("--source-crs", help="CRS of a projects file that has none")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--pull-all", action="store_true",
                   help="PostGIS workspace: read every project instead of filtering near protected areas in the "
                        "database")
    p.set_defaults(func=cmd_screen)

    p = sub.add_parser("redline-diff", help="compare two red-line versions / 生态保护红线评估调整比对")
    p.add_argument("old", help="OLD version FILE[:LAYER]")
    p.add_argument("new", help="NEW version FILE[:LAYER]")
    p.add_argument("--out", "-o", required=True, help="output GeoPackage (changes, balance, matches, …)")
    p.add_argument("--report", help="HTML report to write")
    p.add_argument("--by", default="xzqmc", help="group the balance by this field (default xzqmc)")
    p.add_argument("--match-field", default="bsm", help="identifier to match features (default bsm)")
    p.add_argument("--tolerance", type=float, default=1.0, help="slivers thinner than this (m) are noise")
    p.add_argument("--min-area", type=float, default=100.0, help="pieces smaller than this (m²) are noise")
    p.add_argument("--landcover", help="classified land-cover raster for the composition of changes")
    p.add_argument("--workspace", "-w", help="workspace for the rule checks and project verdict changes")
    p.set_defaults(func=cmd_redline_diff)

    from . import cases, change_leads, draw, field_merge, outfalls, postgis, quick_check, routes, water_zones

    cases.add_cli(sub)  # cases build / cases status / cases list
    draw.add_cli(sub)  # draw, draw --verify
    routes.add_cli(sub)  # routes
    field_merge.add_cli(sub)  # field-import
    water_zones.add_cli(sub)  # water-zones
    outfalls.add_cli(sub)  # outfalls
    quick_check.add_cli(sub)  # check
    change_leads.add_cli(sub)  # change-leads
    postgis.add_cli(sub)  # init-postgis, pg-copy, pg-history, pg-undo

    p = sub.add_parser("schema", help="print the data model as Markdown / 数据模型")
    p.set_defaults(func=cmd_schema)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except GreenShieldError as exc:
        message = exc.message_zh if _lang(args) == "zh" else exc.message
        print(f"green-shield: error [{exc.code}]: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
