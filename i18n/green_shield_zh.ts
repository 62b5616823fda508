<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
  <context>
    <name>GreenShield</name>
    <message>
      <source>New workspace…</source>
      <translation>新建工作空间…</translation>
    </message>
    <message>
      <source>Create an enforcement workspace GeoPackage</source>
      <translation>新建执法工作空间（GeoPackage）</translation>
    </message>
    <message>
      <source>Open workspace…</source>
      <translation>打开工作空间…</translation>
    </message>
    <message>
      <source>Add an existing workspace's layers to the project, styled</source>
      <translation>将已有工作空间的图层（含符号化）加入当前工程</translation>
    </message>
    <message>
      <source>Import into workspace…</source>
      <translation>导入到工作空间…</translation>
    </message>
    <message>
      <source>Import a file into a workspace layer with validation</source>
      <translation>将文件导入工作空间图层并进行校验</translation>
    </message>
    <message>
      <source>Screen projects…</source>
      <translation>审查建设项目…</translation>
    </message>
    <message>
      <source>Screen construction projects against protected areas, with verdicts and a report</source>
      <translation>对照受保护区域审查建设项目，给出结论并生成报告</translation>
    </message>
    <message>
      <source>Compare red-line versions…</source>
      <translation>比对红线版本…</translation>
    </message>
    <message>
      <source>Compare two red-line versions: what moved, the balance, and changes that break the rules</source>
      <translation>比对两个版本的生态保护红线：变化位置、面积平衡及违反规则的调整</translation>
    </message>
    <message>
      <source>Build sample district…</source>
      <translation>生成示例区县…</translation>
    </message>
    <message>
      <source>Build the fictional sample district for training</source>
      <translation>生成用于培训的虚构示例区县</translation>
    </message>
    <message>
      <source>Open workspace</source>
      <translation>打开工作空间</translation>
    </message>
    <message>
      <source>GeoPackage (*.gpkg)</source>
      <translation>GeoPackage 文件 (*.gpkg)</translation>
    </message>
    <message>
      <source>Workspace</source>
      <translation>工作空间</translation>
    </message>
    <message>
      <source>Create workspace</source>
      <translation>新建工作空间</translation>
    </message>
    <message>
      <source>Creates a GeoPackage workspace holding every enforcement layer (red lines, nature reserves, drinking-water source zones, intakes, sewage outfalls, contaminated plots, projects and base layers) with Chinese forms and styles, and adds it to the project as a layer group.</source>
      <translation>新建一个 GeoPackage 工作空间，包含全部执法图层（生态保护红线、自然保护地、饮用水水源保护区、取水口、入河排污口、污染地块、建设项目及底图图层），带中文表单和符号化，并作为图层组加入当前工程。</translation>
    </message>
    <message>
      <source>Coordinate reference system of every layer; CGCS2000 (EPSG:4490) by default.</source>
      <translation>所有图层的坐标参照系；默认为 CGCS2000（EPSG:4490）。</translation>
    </message>
    <message>
      <source>If the file exists it is replaced; otherwise the algorithm refuses to touch it.</source>
      <translation>勾选后将替换已存在的文件；否则不会改动已有文件。</translation>
    </message>
    <message>
      <source>The GeoPackage file to create.</source>
      <translation>要创建的 GeoPackage 文件。</translation>
    </message>
    <message>
      <source>Workspace CRS</source>
      <translation>工作空间坐标系</translation>
    </message>
    <message>
      <source>Replace an existing file</source>
      <translation>覆盖已存在的文件</translation>
    </message>
    <message>
      <source>Workspace file</source>
      <translation>工作空间文件</translation>
    </message>
    <message>
      <source>Number of layers</source>
      <translation>图层数</translation>
    </message>
    <message>
      <source>Workspace created: {path} ({crs}, {n} layers)</source>
      <translation>已创建工作空间：{path}（{crs}，{n} 个图层）</translation>
    </message>
    <message>
      <source>Import into workspace</source>
      <translation>导入到工作空间</translation>
    </message>
    <message>
      <source>Imports a Shapefile, GeoPackage, GeoJSON, CSV or XLSX file into a workspace layer. Fields are matched by name and Chinese alias; coordinates are reprojected; GBK shapefiles and GCJ-02/BD-09 points are handled; invalid geometries are repaired and listed; rows that cannot be imported are rejected into an error report. Nothing is written unless the whole import succeeds.</source>
      <translation>将 Shapefile、GeoPackage、GeoJSON、CSV 或 XLSX 文件导入工作空间图层。字段按名称和中文别名自动匹配；坐标自动转换到工作空间坐标系；自动识别 GBK 编码的 Shapefile，并转换 GCJ-02/BD-09 坐标点；无效几何自动修复并列出；无法导入的行写入错误报告。只有整个导入成功才会写入数据。</translation>
    </message>
    <message>
      <source>{imported} of {total} rows imported into {layer}; {rejected} rejected; {repaired} repaired.</source>
      <translation>共 {total} 行，已导入 {imported} 行到“{layer}”；拒绝 {rejected} 行；修复 {repaired} 个几何。</translation>
    </message>
    <message>
      <source>The file to import.</source>
      <translation>要导入的文件。</translation>
    </message>
    <message>
      <source>For a GeoPackage or other multi-layer file: the layer to read (default: the first).</source>
      <translation>对于 GeoPackage 等多图层文件：要读取的图层（默认为第一个）。</translation>
    </message>
    <message>
      <source>The Green Shield workspace GeoPackage to import into.</source>
      <translation>要导入的绿盾工作空间 GeoPackage。</translation>
    </message>
    <message>
      <source>The workspace layer that receives the features.</source>
      <translation>接收要素的工作空间图层。</translation>
    </message>
    <message>
      <source>One FIELD=COLUMN per line to override the automatic matching; FIELD= leaves a field empty.</source>
      <translation>每行一个“字段=列名”，用于覆盖自动匹配；“字段=”表示该字段留空。</translation>
    </message>
    <message>
      <source>One FIELD=VALUE per line, e.g. version=2020, for fields the input lacks.</source>
      <translation>每行一个“字段=值”，例如 version=2020，用于填写输入数据中缺少的字段。</translation>
    </message>
    <message>
      <source>Only used when the input has no CRS (a Shapefile without .prj, a CSV); otherwise the input's own CRS is used.</source>
      <translation>仅在输入数据没有坐标系时使用（如缺少 .prj 的 Shapefile、CSV 表格）；否则使用输入数据自带的坐标系。</translation>
    </message>
    <message>
      <source>Encoding of a Shapefile or CSV; detected from .cpg, the DBF header or the text itself.</source>
      <translation>Shapefile 或 CSV 的文字编码；根据 .cpg 文件、DBF 文件头或文本内容自动识别。</translation>
    </message>
    <message>
      <source>Points copied from Chinese web maps are offset by hundreds of metres; they are converted to WGS84/CGCS2000.</source>
      <translation>从国内网络地图获取的点位有数百米偏移，将被转换为 WGS84/CGCS2000 坐标。</translation>
    </message>
    <message>
      <source>For CSV/XLSX: the longitude or X column (default: detected, e.g. 经度, lon, x).</source>
      <translation>CSV/XLSX 表格的经度或 X 坐标列（默认自动识别，如 经度、lon、x）。</translation>
    </message>
    <message>
      <source>For CSV/XLSX: the latitude or Y column (default: detected, e.g. 纬度, lat, y).</source>
      <translation>CSV/XLSX 表格的纬度或 Y 坐标列（默认自动识别，如 纬度、lat、y）。</translation>
    </message>
    <message>
      <source>Strict mode: a single rejected row cancels the whole import.</source>
      <translation>严格模式：只要有一行被拒绝，就取消整个导入。</translation>
    </message>
    <message>
      <source>Validate every row and write the error report, but leave the workspace untouched.</source>
      <translation>校验每一行并生成错误报告，但不修改工作空间。</translation>
    </message>
    <message>
      <source>CSV listing every rejected or repaired row with the field and the reason.</source>
      <translation>列出每个被拒绝或被修复的行、字段及原因的 CSV 文件。</translation>
    </message>
    <message>
      <source>Check only: {ok} of {total} rows would be imported into {layer}; {rejected} rejected; {repaired} repaired.</source>
      <translation>仅校验：共 {total} 行，可导入 {ok} 行到“{layer}”；拒绝 {rejected} 行；修复 {repaired} 个几何。</translation>
    </message>
    <message>
      <source>Input file</source>
      <translation>输入文件</translation>
    </message>
    <message>
      <source>Layer inside the input file</source>
      <translation>输入文件中的图层</translation>
    </message>
    <message>
      <source>Target layer</source>
      <translation>目标图层</translation>
    </message>
    <message>
      <source>Field mapping</source>
      <translation>字段映射</translation>
    </message>
    <message>
      <source>Values for every row</source>
      <translation>统一赋值</translation>
    </message>
    <message>
      <source>CRS of the input (if it has none)</source>
      <translation>输入数据的坐标系（数据无坐标系时）</translation>
    </message>
    <message>
      <source>Text encoding</source>
      <translation>文字编码</translation>
    </message>
    <message>
      <source>Point coordinates are</source>
      <translation>点坐标类型</translation>
    </message>
    <message>
      <source>Longitude / X column</source>
      <translation>经度 / X 列</translation>
    </message>
    <message>
      <source>Latitude / Y column</source>
      <translation>纬度 / Y 列</translation>
    </message>
    <message>
      <source>Import nothing if any row is rejected</source>
      <translation>有任何行被拒绝时不导入</translation>
    </message>
    <message>
      <source>Check only (write nothing)</source>
      <translation>仅校验（不写入）</translation>
    </message>
    <message>
      <source>Error report</source>
      <translation>错误报告</translation>
    </message>
    <message>
      <source>CSV files (*.csv)</source>
      <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
      <source>Imported features</source>
      <translation>已导入要素数</translation>
    </message>
    <message>
      <source>Rejected rows</source>
      <translation>被拒绝行数</translation>
    </message>
    <message>
      <source>Repaired geometries</source>
      <translation>已修复几何数</translation>
    </message>
    <message>
      <source>Spatial data (*.shp *.gpkg *.geojson *.json *.csv *.xlsx);;All files (*.*)</source>
      <translation>空间数据 (*.shp *.gpkg *.geojson *.json *.csv *.xlsx);;所有文件 (*.*)</translation>
    </message>
    <message>
      <source>Detect automatically</source>
      <translation>自动识别</translation>
    </message>
    <message>
      <source>As in the CRS (WGS84/CGCS2000 or projected)</source>
      <translation>与坐标系一致（WGS84/CGCS2000 或投影坐标）</translation>
    </message>
    <message>
      <source>GCJ-02 (Amap, Tencent)</source>
      <translation>GCJ-02（高德、腾讯）</translation>
    </message>
    <message>
      <source>BD-09 (Baidu)</source>
      <translation>BD-09（百度）</translation>
    </message>
    <message>
      <source>Import canceled; the workspace was not changed.</source>
      <translation>导入已取消，工作空间未作任何修改。</translation>
    </message>
    <message>
      <source>Encoding: {enc} ({how}); CRS: {crs}; coordinates: {coords}</source>
      <translation>编码：{enc}（{how}）；坐标系：{crs}；坐标类型：{coords}</translation>
    </message>
    <message>
      <source>Field mapping: {map}</source>
      <translation>字段映射：{map}</translation>
    </message>
    <message>
      <source>Row {row}, {field}: {action}: {reason}</source>
      <translation>第 {row} 行，{field}：{action}：{reason}</translation>
    </message>
    <message>
      <source>Columns not imported: {cols}</source>
      <translation>未导入的列：{cols}</translation>
    </message>
    <message>
      <source>rejected</source>
      <translation>已拒绝</translation>
    </message>
    <message>
      <source>repaired</source>
      <translation>已修复</translation>
    </message>
    <message>
      <source>Green Shield 绿盾</source>
      <translation>绿盾 Green Shield</translation>
    </message>
    <message>
      <source>Red line</source>
      <translation>生态保护红线</translation>
    </message>
    <message>
      <source>Compare red-line versions</source>
      <translation>生态保护红线版本比对</translation>
    </message>
    <message>
      <source>Compares two versions of the ecological protection red line: added, removed and kept areas (m², ha, mu), alignment noise set apart, features matched by identifier (modified, split, merged), the balance per division and per function type, removals inside core zones or level-1 water zones or without a reason, additions over projects or listed plots, projects whose screening verdict changes, and the land cover of the changes.</source>
      <translation>比对两个版本的生态保护红线：调入、调出和保留的面积（平方米、公顷、亩），单独列出边界套合误差；按标识码匹配图斑（属性变更、拆分、合并）；按行政区和生态功能类型统计面积平衡；标记位于核心保护区或饮用水水源一级保护区内、或未记录原因的调出，以及与建设项目或名录内污染地块重叠的调入；列出审查结论发生变化的建设项目及变化区域的土地覆盖构成。</translation>
    </message>
    <message>
      <source>The red line before the adjustment.</source>
      <translation>调整前的生态保护红线。</translation>
    </message>
    <message>
      <source>The red line after the adjustment; a reason field (保留/退出/扣除) is used when present.</source>
      <translation>调整后的生态保护红线；如有调整原因字段（保留/退出/扣除）将一并使用。</translation>
    </message>
    <message>
      <source>For the rule checks (core zones, level-1 water zones, projects, listed plots) and the projects whose verdict changes.</source>
      <translation>用于规则检查（核心保护区、一级保护区、建设项目、名录内地块）及审查结论变化的项目。</translation>
    </message>
    <message>
      <source>The administrative division field for the balance table.</source>
      <translation>面积平衡表所依据的行政区字段。</translation>
    </message>
    <message>
      <source>Features are matched by this field; without it, by geometry.</source>
      <translation>按此字段匹配图斑；缺少该字段时按几何匹配。</translation>
    </message>
    <message>
      <source>Slivers thinner than this are alignment noise, not change.</source>
      <translation>窄于此宽度的细碎图斑视为套合误差，不计为变化。</translation>
    </message>
    <message>
      <source>Change pieces smaller than this are noise.</source>
      <translation>小于此面积的变化图斑视为噪声。</translation>
    </message>
    <message>
      <source>A classified raster for the land-cover composition of added and removed areas.</source>
      <translation>用于统计调入、调出区域土地覆盖构成的分类栅格。</translation>
    </message>
    <message>
      <source>GeoPackage with the layers changes, balance, matches and verdict_changes.</source>
      <translation>包含 changes（变化图斑）、balance（面积平衡）、matches（图斑匹配）和 verdict_changes（结论变化）的 GeoPackage。</translation>
    </message>
    <message>
      <source>Printable report with before, after and change maps; a PDF is written next to it.</source>
      <translation>可打印的比对报告，含调整前、调整后及变化地图；同时在旁边生成 PDF。</translation>
    </message>
    <message>
      <source>Old version</source>
      <translation>原版本</translation>
    </message>
    <message>
      <source>New version</source>
      <translation>新版本</translation>
    </message>
    <message>
      <source>Balance by field</source>
      <translation>面积平衡分组字段</translation>
    </message>
    <message>
      <source>Identifier field</source>
      <translation>标识码字段</translation>
    </message>
    <message>
      <source>Noise tolerance (m)</source>
      <translation>套合误差容差（米）</translation>
    </message>
    <message>
      <source>Minimum change area (m²)</source>
      <translation>最小变化面积（平方米）</translation>
    </message>
    <message>
      <source>Land-cover raster</source>
      <translation>土地覆盖栅格</translation>
    </message>
    <message>
      <source>Comparison results</source>
      <translation>比对结果</translation>
    </message>
    <message>
      <source>Report</source>
      <translation>审查报告</translation>
    </message>
    <message>
      <source>HTML files (*.html)</source>
      <translation>HTML 文件 (*.html)</translation>
    </message>
    <message>
      <source>Added (m²)</source>
      <translation>调入面积（平方米）</translation>
    </message>
    <message>
      <source>Removed (m²)</source>
      <translation>调出面积（平方米）</translation>
    </message>
    <message>
      <source>Net change (m²)</source>
      <translation>净变化（平方米）</translation>
    </message>
    <message>
      <source>Flagged changes</source>
      <translation>需关注的变化</translation>
    </message>
    <message>
      <source>Red-line changes</source>
      <translation>红线变化图斑</translation>
    </message>
    <message>
      <source>Layer {name} is not stored in a file; save it (e.g. as GeoPackage) first.</source>
      <translation>图层 {name} 未保存为文件，请先保存（例如保存为 GeoPackage）。</translation>
    </message>
    <message>
      <source>The red line shrinks overall by {ha:.2f} ha.</source>
      <translation>生态保护红线总面积减少 {ha:.2f} 公顷。</translation>
    </message>
    <message>
      <source>Build sample district</source>
      <translation>生成示例区县</translation>
    </message>
    <message>
      <source>Builds a workspace holding a fictional district (a river valley near 106.2°E 29.0°N, CGCS2000) with rivers, a reservoir, intakes, water-source zones, red lines, nature reserves, outfalls, contaminated plots and about 300 construction projects, for training and for trying every feature.</source>
      <translation>生成一个包含虚构区县的工作空间（东经 106.2°、北纬 29.0° 附近的河谷，CGCS2000），含河流、水库、取水口、水源保护区、生态保护红线、自然保护地、排污口、污染地块及约 300 个建设项目，用于培训和试用各项功能。</translation>
    </message>
    <message>
      <source>Screening</source>
      <translation>空间审查</translation>
    </message>
    <message>
      <source>Screen projects against protected areas</source>
      <translation>建设项目生态保护空间审查</translation>
    </message>
    <message>
      <source>For every construction project: which red lines, nature-reserve zones, drinking-water source zones and contaminated plots it lies inside, crosses, touches or comes within a setback of; the overlap in m², ha and mu (planar in the CGCS2000 Gauss-Krüger zone of the data, or ellipsoidal); the verdict (prohibited, conditional, review, clear) with its legal basis from the rulebook. Writes the layers conflicts and flagged_projects and a printable report.</source>
      <translation>逐个审查建设项目：位于、跨越、相接或邻近（退让距离内）哪些生态保护红线、自然保护地功能分区、饮用水水源保护区和污染地块；重叠面积（平方米、公顷、亩；按数据所在的 CGCS2000 高斯-克吕格投影带平面计算，或按椭球面计算）；依据规则库给出结论（禁止、有条件准入、需复核、无冲突）及法律依据。输出 conflicts（冲突明细）与 flagged_projects（项目结论）图层和可打印的审查报告。</translation>
    </message>
    <message>
      <source>Green Shield workspace: its project layer and protected layers are used unless given below.</source>
      <translation>绿盾工作空间：除非在下方另行指定，使用其中的建设项目图层和受保护图层。</translation>
    </message>
    <message>
      <source>Construction projects (points, lines or polygons); fields are matched like an import. Default: the workspace's project layer.</source>
      <translation>建设项目（点、线或面）；字段按导入规则自动匹配。默认使用工作空间中的建设项目图层。</translation>
    </message>
    <message>
      <source>A copy of the rulebook you edited; default: the shipped rulebook.</source>
      <translation>经您修改的规则库副本；默认使用内置规则库。</translation>
    </message>
    <message>
      <source>Planar areas in the 3-degree Gauss-Krüger zone of the data (default), or areas on the ellipsoid.</source>
      <translation>按数据所在的 3 度高斯-克吕格投影带计算平面面积（默认），或按椭球面计算面积。</translation>
    </message>
    <message>
      <source>Overlaps smaller than this are reported as touching, not as conflicts; default from the rulebook.</source>
      <translation>重叠面积小于此值时视为边界相接而非冲突；默认取规则库中的设定。</translation>
    </message>
    <message>
      <source>GeoPackage with the layers conflicts (one row per project and protected feature hit) and flagged_projects (one row per project).</source>
      <translation>包含 conflicts（每个项目与每个受保护要素的冲突一行）和 flagged_projects（每个项目一行）图层的 GeoPackage。</translation>
    </message>
    <message>
      <source>Printable report with a map of each flagged project; a PDF is written next to it.</source>
      <translation>可打印的审查报告，每个存在问题的项目附地图；同时在旁边生成 PDF。</translation>
    </message>
    <message>
      <source>Rendering maps of flagged projects…</source>
      <translation>正在绘制问题项目地图…</translation>
    </message>
    <message>
      <source>Projects</source>
      <translation>建设项目</translation>
    </message>
    <message>
      <source>Replaces the workspace's layer of this type for this run.</source>
      <translation>本次审查中替换工作空间中的同类图层。</translation>
    </message>
    <message>
      <source>Rulebook</source>
      <translation>规则库</translation>
    </message>
    <message>
      <source>Area method</source>
      <translation>面积计算方法</translation>
    </message>
    <message>
      <source>Sliver threshold (m²)</source>
      <translation>碎片面积阈值（平方米）</translation>
    </message>
    <message>
      <source>Screening results</source>
      <translation>审查结果</translation>
    </message>
    <message>
      <source>Screened projects</source>
      <translation>项目审查结论</translation>
    </message>
    <message>
      <source>Conflicts</source>
      <translation>冲突明细</translation>
    </message>
    <message>
      <source>Rulebook (*.yaml *.yml)</source>
      <translation>规则库 (*.yaml *.yml)</translation>
    </message>
    <message>
      <source>Planar (CGCS2000 Gauss-Krüger zone)</source>
      <translation>平面（CGCS2000 高斯-克吕格投影带）</translation>
    </message>
    <message>
      <source>Ellipsoidal</source>
      <translation>椭球面</translation>
    </message>
    <message>
      <source>No protected layers: give a workspace or at least one protected layer.</source>
      <translation>没有受保护图层：请指定工作空间或至少一个受保护图层。</translation>
    </message>
    <message>
      <source>Screening canceled; nothing was written.</source>
      <translation>审查已取消，未写入任何结果。</translation>
    </message>
    <message>
      <source>Rulebook: {rb}</source>
      <translation>规则库：{rb}</translation>
    </message>
    <message>
      <source>Method: {m}</source>
      <translation>计算方法：{m}</translation>
    </message>
    <message>
      <source> (points)</source>
      <translation>（点）</translation>
    </message>
    <message>
      <source> (lines)</source>
      <translation>（线）</translation>
    </message>
    <message>
      <source> (polygons)</source>
      <translation>（面）</translation>
    </message>
    <message>
      <source>Give a workspace or a projects layer.</source>
      <translation>请指定工作空间或建设项目图层。</translation>
    </message>
  </context>
</TS>
