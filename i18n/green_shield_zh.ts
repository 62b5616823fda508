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
      <source>Open PostGIS workspace…</source>
      <translation>打开 PostGIS 工作空间…</translation>
    </message>
    <message>
      <source>Add the layers of a shared PostGIS workspace (PG:service=… schema=…) to the project</source>
      <translation>将共享 PostGIS 工作空间（PG:service=… schema=…）的图层添加到工程</translation>
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
      <source>Remote-sensing change leads…</source>
      <translation>遥感变化线索…</translation>
    </message>
    <message>
      <source>Compare two land-cover images: new human activity in or near protected areas, with verdicts</source>
      <translation>比对两期土地覆盖影像：保护区内及周边新增的人类活动，附审查结论</translation>
    </message>
    <message>
      <source>Quick check…</source>
      <translation>选址快速研判…</translation>
    </message>
    <message>
      <source>Quick check: is a point, line, polygon or selected feature in a protected area?</source>
      <translation>选址快速研判：点、线、面或所选要素是否位于保护区内？</translation>
    </message>
    <message>
      <source>Water sources and outfalls</source>
      <translation>水源地与排污口</translation>
    </message>
    <message>
      <source>Generate default protection zones…</source>
      <translation>生成默认水源保护区…</translation>
    </message>
    <message>
      <source>Default water-source protection zones (HJ 338-2018) for sources without official ones</source>
      <translation>为尚未正式划定的水源地按 HJ 338-2018 生成默认保护区</translation>
    </message>
    <message>
      <source>Check sewage outfalls…</source>
      <translation>排污口合规检查…</translation>
    </message>
    <message>
      <source>Outfalls in protected zones, upstream of intakes, along-river distances, next steps</source>
      <translation>排污口是否位于保护区内、是否位于取水口上游，沿河距离与下一步工作</translation>
    </message>
    <message>
      <source>Inspection planning</source>
      <translation>检查计划</translation>
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
      <source>Settings…</source>
      <translation>设置…</translation>
    </message>
    <message>
      <source>Workspace, rulebook, area method, CRS and report defaults</source>
      <translation>工作空间、规则库、面积算法、坐标系和报告默认值</translation>
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
      <source>Open PostGIS workspace</source>
      <translation>打开 PostGIS 工作空间</translation>
    </message>
    <message>
      <source>PostGIS workspace, e.g. PG:service=district schema=qingxi (no password: use a pg_service entry with ~/.pgpass, or authcfg=ID for a QGIS authentication configuration)</source>
      <translation>PostGIS 工作空间，例如 PG:service=district schema=qingxi（不含密码：使用 pg_service 配置及 ~/.pgpass，或以 authcfg=ID 引用 QGIS 认证配置）</translation>
    </message>
    <message>
      <source>Build inspection cases…</source>
      <translation>生成检查案件…</translation>
    </message>
    <message>
      <source>Open cases from screening results and the outfall and plot registers</source>
      <translation>根据空间审查结果及排污口、污染地块台账生成案件</translation>
    </message>
    <message>
      <source>Random draw (双随机)…</source>
      <translation>双随机抽查…</translation>
    </message>
    <message>
      <source>Draw targets and inspectors at random, reproducibly, with a printable record</source>
      <translation>随机抽取检查对象和执法人员，可复现，并生成可打印记录</translation>
    </message>
    <message>
      <source>Plan inspection routes…</source>
      <translation>规划检查路线…</translation>
    </message>
    <message>
      <source>Split cases into team-days and order each day's stops</source>
      <translation>将案件分配到各检查组各工作日，并排定每日检查顺序</translation>
    </message>
    <message>
      <source>Export field package (QField)…</source>
      <translation>导出外业数据包（QField）…</translation>
    </message>
    <message>
      <source>A GeoPackage and QGIS project per team for offline field work</source>
      <translation>每个检查组一个 GeoPackage 和 QGIS 工程，供离线外业使用</translation>
    </message>
    <message>
      <source>Import field results…</source>
      <translation>导入外业成果…</translation>
    </message>
    <message>
      <source>Merge a returned field package into the case ledger; conflicts are kept, never overwritten</source>
      <translation>将回传的外业数据包合并到案件台账；冲突双方均保留，绝不静默覆盖</translation>
    </message>
    <message>
      <source>Print inspection sheets…</source>
      <translation>打印现场检查单…</translation>
    </message>
    <message>
      <source>A PDF per team-day: a map and a checklist for every stop</source>
      <translation>每组每日一份 PDF：每个检查点一张地图和一份检查表</translation>
    </message>
    <message>
      <source>Workspace</source>
      <translation>工作空间</translation>
    </message>
    <message>
      <source>Build inspection cases</source>
      <translation>生成检查案件</translation>
    </message>
    <message>
      <source>Opens a case in the workspace's case ledger for every project a screening flagged (禁止 high, 需复核 medium, 有条件准入 low priority), every active outfall inside a drinking-water source protection zone (high, Water Pollution Law art. 64), every suspected outfall or outfall under rectification, and every listed, contaminated or suspected plot. A target that already has an open case gets that case refreshed, never a second one. Everything is written in one transaction.</source>
      <translation>为空间审查标出的每个项目（禁止为高优先级、需复核为中、有条件准入为低）、位于饮用水水源保护区内的每个在用排污口（高，《水污染防治法》第六十四条）、每个疑似或整治中的排污口，以及每个名录内、污染或疑似污染地块，在工作空间的案件台账中立案。已有未结案件的对象只更新该案件，不重复立案。全部内容在一个事务中写入。</translation>
    </message>
    <message>
      <source>The workspace whose case ledger (检查案件) receives the cases.</source>
      <translation>接收案件的工作空间（写入其“检查案件”台账）。</translation>
    </message>
    <message>
      <source>The GeoPackage written by 'Screen construction projects'; its flagged projects become cases.</source>
      <translation>“建设项目空间审查”输出的 GeoPackage；其中有冲突的项目将立案。</translation>
    </message>
    <message>
      <source>Also open cases from the workspace's sewage outfalls and contaminated plots.</source>
      <translation>同时根据工作空间中的入河排污口和污染地块立案。</translation>
    </message>
    <message>
      <source>Normally a target whose last case was excluded as a false lead gets no new case.</source>
      <translation>默认情况下，上一案件已作为误报排除的对象不再立案。</translation>
    </message>
    <message>
      <source>Also open a case for every lead in the workspace's change_lead layer (遥感变化线索; 禁止 high, 需复核 medium, otherwise low priority).</source>
      <translation>同时为工作空间“遥感变化线索”（change_lead）图层中的每条线索生成案件（禁止为高优先级，需复核为中，其余为低）。</translation>
    </message>
    <message>
      <source>Screening result</source>
      <translation>空间审查结果</translation>
    </message>
    <message>
      <source>Cases from the outfall and plot registers</source>
      <translation>根据排污口和污染地块台账立案</translation>
    </message>
    <message>
      <source>Reopen targets excluded before</source>
      <translation>重新立案曾被排除的对象</translation>
    </message>
    <message>
      <source>Cases from remote-sensing change leads</source>
      <translation>由遥感变化线索生成案件</translation>
    </message>
    <message>
      <source>Cases opened</source>
      <translation>新立案件数</translation>
    </message>
    <message>
      <source>Cases refreshed</source>
      <translation>更新案件数</translation>
    </message>
    <message>
      <source>Cases unchanged</source>
      <translation>无变化案件数</translation>
    </message>
    <message>
      <source>Targets skipped</source>
      <translation>跳过对象数</translation>
    </message>
    <message>
      <source>Opened {created}, refreshed {updated}, unchanged {unchanged}, skipped {skipped}.</source>
      <translation>新立案 {created} 件，更新 {updated} 件，未变化 {unchanged} 件，跳过 {skipped} 个对象。</translation>
    </message>
    <message>
      <source>Skipped {target}: {reason}</source>
      <translation>已跳过 {target}：{reason}</translation>
    </message>
    <message>
      <source>Remote sensing</source>
      <translation>遥感监测</translation>
    </message>
    <message>
      <source>Remote-sensing change leads</source>
      <translation>遥感变化线索</translation>
    </message>
    <message>
      <source>Compares two land-cover rasters of the same area (before and after), pixel by pixel on a common grid: the class changes the transition table counts as human activity (mining, industry, energy, tourism, transport, aquaculture, other) become change patches; patches at least the minimum area that lie in or near a protected area (red line, nature reserve, water-source zone) become leads, each with the rulebook's verdict and legal basis. The leads are saved into the workspace's change_lead layer (遥感变化线索) and can become inspection cases ('Build inspection cases'). Leads are clues for a field check, not findings.</source>
      <translation>在统一格网上逐像元比较同一地区前后两期土地覆盖栅格：地类转换表认定为人类活动（采矿采石、工业、能源设施、旅游设施、交通设施、养殖、其他）的地类变化形成变化图斑；不小于最小面积、位于保护对象（生态保护红线、自然保护地、饮用水水源保护区）内或其周边的图斑成为线索，并附审查规则给出的结论和法律依据。线索保存到工作空间的“遥感变化线索”（change_lead）图层，可通过“生成检查案件”转为检查案件。线索是现场核查的线索，不是认定结论。</translation>
    </message>
    <message>
      <source>Its red lines, nature reserves and water-source zones are checked; its change_lead layer receives the leads.</source>
      <translation>对照其中的生态保护红线、自然保护地和饮用水水源保护区；线索写入其“遥感变化线索”（change_lead）图层。</translation>
    </message>
    <message>
      <source>The earlier raster (a file, e.g. GeoTIFF) with a coordinate reference system.</source>
      <translation>前一期栅格（文件，如 GeoTIFF），须带坐标系。</translation>
    </message>
    <message>
      <source>The later raster; when the grids differ, the other image is warped onto this one's grid (or onto the before image's, when only that one is projected).</source>
      <translation>后一期栅格；两期格网不同时，另一期影像重采样到本影像的格网上（仅前时相为投影坐标系时则对齐到前时相格网）。</translation>
    </message>
    <message>
      <source>Classified: class codes of the class table, compared with the transition table. Index: a single-band index; a drop of at least the index threshold is a vegetation loss.</source>
      <translation>分类影像：像元值为分类表中的地类代码，按地类转换表比较。指数影像：单波段指数，下降幅度不小于指数阈值即视为植被损失。</translation>
    </message>
    <message>
      <source>The codes and names of the land-cover classes; default core/data/landcover_classes.yaml.</source>
      <translation>土地覆盖地类的代码和名称；默认 core/data/landcover_classes.yaml。</translation>
    </message>
    <message>
      <source>Only when the after image was classified with its own table; it must agree with the class table above.</source>
      <translation>仅当后时相影像使用另一份分类表时填写；须与上面的分类表一致。</translation>
    </message>
    <message>
      <source>Which class changes count as which human activity, and the default thresholds; default core/data/change_transitions.yaml (copy and edit it).</source>
      <translation>哪些地类变化算作哪类人类活动，以及默认阈值；默认 core/data/change_transitions.yaml（可复制后修改）。</translation>
    </message>
    <message>
      <source>The band holding the classes (or the index) in the before image.</source>
      <translation>前时相影像中存放地类（或指数）的波段。</translation>
    </message>
    <message>
      <source>The band holding the classes (or the index) in the after image.</source>
      <translation>后时相影像中存放地类（或指数）的波段。</translation>
    </message>
    <message>
      <source>The images are processed in square windows of this many pixels, so memory stays bounded; the result does not depend on it.</source>
      <translation>影像按此边长（像元）的方形窗口分块处理，内存占用有上限；结果与窗口大小无关。</translation>
    </message>
    <message>
      <source>A 3×3 morphological filter on the changed pixels before they are grouped into patches.</source>
      <translation>在变化像元合并为图斑之前，用 3×3 形态学滤波去除噪点。</translation>
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
      <source>Write the leads into the workspace's change_lead layer; a run on the same images replaces its earlier leads.</source>
      <translation>将线索写入工作空间的“遥感变化线索”（change_lead）图层；对同样影像再次运行时替换之前的线索。</translation>
    </message>
    <message>
      <source>Printable list of the leads with before and after thumbnails of each (image files are written next to it).</source>
      <translation>可打印的线索清单，每条线索附前后时相缩略图（图片文件写在报告旁）。</translation>
    </message>
    <message>
      <source>The leads as a separate layer too, styled by activity (e.g. to look at them without saving them into the workspace).</source>
      <translation>另存一份线索图层，按活动类型着色（例如不写入工作空间、仅查看结果时使用）。</translation>
    </message>
    <message>
      <source>Before image</source>
      <translation>前时相影像</translation>
    </message>
    <message>
      <source>After image</source>
      <translation>后时相影像</translation>
    </message>
    <message>
      <source>Image type</source>
      <translation>影像类型</translation>
    </message>
    <message>
      <source>Class table</source>
      <translation>分类表</translation>
    </message>
    <message>
      <source>Class table of the after image</source>
      <translation>后时相影像分类表</translation>
    </message>
    <message>
      <source>Transition table</source>
      <translation>地类转换表</translation>
    </message>
    <message>
      <source>Minimum patch area (m²)</source>
      <translation>最小图斑面积（平方米）</translation>
    </message>
    <message>
      <source>Distance to protected areas (m)</source>
      <translation>距保护对象距离（米）</translation>
    </message>
    <message>
      <source>Index threshold</source>
      <translation>指数阈值</translation>
    </message>
    <message>
      <source>Index before at least</source>
      <translation>前时相指数下限</translation>
    </message>
    <message>
      <source>Band of the before image</source>
      <translation>前时相影像波段</translation>
    </message>
    <message>
      <source>Band of the after image</source>
      <translation>后时相影像波段</translation>
    </message>
    <message>
      <source>Processing window (pixels)</source>
      <translation>处理窗口（像元）</translation>
    </message>
    <message>
      <source>Speckle filter</source>
      <translation>去除噪点</translation>
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
      <source>Save the leads into the workspace</source>
      <translation>将线索保存到工作空间</translation>
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
      <source>Change leads</source>
      <translation>遥感变化线索</translation>
    </message>
    <message>
      <source>Leads</source>
      <translation>线索数</translation>
    </message>
    <message>
      <source>Change patches</source>
      <translation>变化图斑数</translation>
    </message>
    <message>
      <source>Patches far from protected areas</source>
      <translation>远离保护对象的图斑数</translation>
    </message>
    <message>
      <source>Leads saved</source>
      <translation>已保存线索数</translation>
    </message>
    <message>
      <source>The leads were not saved into the workspace.</source>
      <translation>线索未保存到工作空间。</translation>
    </message>
    <message>
      <source>Classified land cover (分类影像)</source>
      <translation>分类影像（土地覆盖分类）</translation>
    </message>
    <message>
      <source>Vegetation index, e.g. NDVI (指数影像)</source>
      <translation>指数影像（如 NDVI 植被指数）</translation>
    </message>
    <message>
      <source>Class tables (*.yaml *.yml *.csv)</source>
      <translation>分类表 (*.yaml *.yml *.csv)</translation>
    </message>
    <message>
      <source>YAML files (*.yaml *.yml)</source>
      <translation>YAML 文件 (*.yaml *.yml)</translation>
    </message>
    <message>
      <source>Smaller change patches are left out. Empty: the transition table's value ({value:g} m² in the shipped table, 1 mu).</source>
      <translation>小于此面积的变化图斑不作为线索。留空：使用地类转换表中的值（默认表为 {value:g} 平方米，即 1 亩）。</translation>
    </message>
    <message>
      <source>Patches inside a protected area or within this distance of one become leads. Empty: the transition table's value ({value:g} m in the shipped table).</source>
      <translation>位于保护对象内或距其不超过此距离的图斑成为线索。留空：使用地类转换表中的值（默认表为 {value:g} 米）。</translation>
    </message>
    <message>
      <source>Index images only: a pixel whose index falls by at least this much is a change. Empty: the transition table's value ({value:g} in the shipped table).</source>
      <translation>仅用于指数影像：指数下降不小于此值的像元视为变化。留空：使用地类转换表中的值（默认表为 {value:g}）。</translation>
    </message>
    <message>
      <source>Index images only: a pixel counts only where the before value reaches this (vegetation before). Empty: the transition table's value ({value:g} in the shipped table).</source>
      <translation>仅用于指数影像：前时相数值达到此值（原为植被）的像元才参与判定。留空：使用地类转换表中的值（随附转换表为 {value:g}）。</translation>
    </message>
    <message>
      <source>None</source>
      <translation>不处理</translation>
    </message>
    <message>
      <source>Opening (removes isolated pixels)</source>
      <translation>开运算（去除孤立像元）</translation>
    </message>
    <message>
      <source>Closing (fills small gaps)</source>
      <translation>闭运算（填补小空隙）</translation>
    </message>
    <message>
      <source>Opening, then closing</source>
      <translation>先开运算后闭运算</translation>
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
      <source>Writing the report with thumbnails…</source>
      <translation>正在生成带缩略图的报告…</translation>
    </message>
    <message>
      <source>Change detection canceled; nothing was saved.</source>
      <translation>变化识别已取消，未保存任何结果。</translation>
    </message>
    <message>
      <source>Rulebook: {rb}</source>
      <translation>规则库：{rb}</translation>
    </message>
    <message>
      <source>{leads} leads from {patches} change patches.</source>
      <translation>{patches} 个变化图斑中识别出 {leads} 条线索。</translation>
    </message>
    <message>
      <source>Cannot open the raster {value}.</source>
      <translation>无法打开栅格 {value}。</translation>
    </message>
    <message>
      <source>Raster {name} is not stored in a file; save it (e.g. as GeoTIFF) first.</source>
      <translation>栅格 {name} 不是文件数据，请先另存为文件（如 GeoTIFF）。</translation>
    </message>
    <message>
      <source>{n} leads saved into the workspace layer change_lead (run {run}).</source>
      <translation>{n} 条线索已保存到工作空间“遥感变化线索”（change_lead）图层（识别批次 {run}）。</translation>
    </message>
    <message>
      <source>The report would replace {path}, an input of this run; choose another file.</source>
      <translation>报告将覆盖本次运行的输入文件 {path}，请另选文件名。</translation>
    </message>
    <message>
      <source>Water sources</source>
      <translation>水源地</translation>
    </message>
    <message>
      <source>Check sewage outfalls</source>
      <translation>排污口合规检查</translation>
    </message>
    <message>
      <source>Checks every sewage outfall: inside a drinking-water source protection zone it must be banned (Water Pollution Law art. 64); inside a red line or nature reserve it is flagged; it is snapped to the river centre lines and the distance along the river, following the flow, to the nearest intake and monitoring section downstream is measured; outfalls within the flag distance upstream of an intake are flagged; and the next workflow step follows from its status and these findings. Distances are planar metres in the CGCS2000 Gauss-Krüger zone of the outfalls.</source>
      <translation>逐个检查入河排污口：位于饮用水水源保护区内的应予取缔（《水污染防治法》第六十四条）；位于生态保护红线或自然保护区内的予以标记；将排污口捕捉到河流中心线，沿水流方向计算至下游最近取水口和考核断面的沿河距离；位于取水口上游关注距离以内的予以标记；并根据排污口状态和检查结果给出下一步工作。距离为排污口所在 CGCS2000 高斯-克吕格投影带内的平面米数。</translation>
    </message>
    <message>
      <source>Its outfall, water-source zone, red-line, nature-reserve, river, intake and monitoring-section layers are used, and its case ledger for overdue rectification.</source>
      <translation>使用其中的排污口、水源保护区、生态保护红线、自然保护区、河流、取水口和考核断面图层，并据案件台账判断整治是否逾期。</translation>
    </message>
    <message>
      <source>Outfalls farther than this from every river centre line are reported off-network.</source>
      <translation>距所有河流中心线超过该距离的排污口列为“未接入河网”。</translation>
    </message>
    <message>
      <source>Outfalls within this distance along the river upstream of an intake are flagged (an editable default, not a legal figure).</source>
      <translation>沿河位于取水口上游该距离以内的排污口予以标记（可修改的默认值，非法定数值）。</translation>
    </message>
    <message>
      <source>Rules for the next steps and the legal basis; default core/data/outfall_rules.yaml.</source>
      <translation>下一步工作与法律依据的规则文件；默认为 core/data/outfall_rules.yaml。</translation>
    </message>
    <message>
      <source>GeoPackage with the point layer outfall_checks (and river_network_issues when there are any).</source>
      <translation>输出 GeoPackage，含点图层 outfall_checks（如有河网问题，另含 river_network_issues）。</translation>
    </message>
    <message>
      <source>Printable report: summary, outfalls to ban, outfalls upstream of intakes, off-network outfalls.</source>
      <translation>可打印报告：概况、应予取缔的排污口、取水口上游的排污口、未接入河网的排污口。</translation>
    </message>
    <message>
      <source>Sewage outfalls</source>
      <translation>入河排污口</translation>
    </message>
    <message>
      <source>Outfall points; instead of the workspace's.</source>
      <translation>排污口点图层；替代工作空间中的排污口。</translation>
    </message>
    <message>
      <source>River centre lines</source>
      <translation>河流中心线</translation>
    </message>
    <message>
      <source>Line direction is the flow direction; without rivers, along-river distances are skipped.</source>
      <translation>线的绘制方向即水流方向；缺少河流时不计算沿河距离。</translation>
    </message>
    <message>
      <source>Water intakes</source>
      <translation>取水口</translation>
    </message>
    <message>
      <source>Intakes; instead of the workspace's.</source>
      <translation>取水口图层；替代工作空间中的取水口。</translation>
    </message>
    <message>
      <source>Monitoring sections</source>
      <translation>考核断面</translation>
    </message>
    <message>
      <source>Water-quality monitoring sections (考核断面).</source>
      <translation>水质考核断面。</translation>
    </message>
    <message>
      <source>Water-source protection zones</source>
      <translation>饮用水水源保护区</translation>
    </message>
    <message>
      <source>Instead of the workspace's zones.</source>
      <translation>替代工作空间中的水源保护区。</translation>
    </message>
    <message>
      <source>Ecological red line</source>
      <translation>生态保护红线</translation>
    </message>
    <message>
      <source>Instead of the workspace's red line.</source>
      <translation>替代工作空间中的生态保护红线。</translation>
    </message>
    <message>
      <source>Nature reserves</source>
      <translation>自然保护区</translation>
    </message>
    <message>
      <source>Instead of the workspace's nature reserves.</source>
      <translation>替代工作空间中的自然保护区。</translation>
    </message>
    <message>
      <source>Snap tolerance (m)</source>
      <translation>捕捉容差（米）</translation>
    </message>
    <message>
      <source>Flag distance upstream of an intake (m)</source>
      <translation>取水口上游关注距离（米）</translation>
    </message>
    <message>
      <source>Outfall rules</source>
      <translation>排污口检查规则</translation>
    </message>
    <message>
      <source>Outfall checks</source>
      <translation>排污口检查结果</translation>
    </message>
    <message>
      <source>Outfalls checked</source>
      <translation>已检查排污口</translation>
    </message>
    <message>
      <source>Outfalls to ban</source>
      <translation>应取缔排污口</translation>
    </message>
    <message>
      <source>Outfalls upstream of an intake</source>
      <translation>取水口上游排污口</translation>
    </message>
    <message>
      <source>Off-network</source>
      <translation>未接入河网</translation>
    </message>
    <message>
      <source>A field of the river lines whose value is true (是, 1, true, yes, y, 反向) for lines drawn against the flow; those lines are followed in the opposite direction.</source>
      <translation>河流中心线中标记与水流方向相反的字段，取值为真（是、1、true、yes、y、反向）的河线按相反方向计算水流。</translation>
    </message>
    <message>
      <source>{n} outfalls: {ban} to ban, {up} upstream of an intake, {off} off-network.</source>
      <translation>排污口 {n} 个：应取缔 {ban} 个，取水口上游 {up} 个，未接入河网 {off} 个。</translation>
    </message>
    <message>
      <source>Reversed-line field</source>
      <translation>反向标记字段</translation>
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
      <source>Create the workspace as a schema of a PostgreSQL/PostGIS database shared by a team, instead of the workspace file: PG:service=NAME schema=SCHEMA (a pg_service.conf entry, the password in ~/.pgpass), PG:host=… port=… dbname=… user=… schema=…, or PG:connection=NAME schema=SCHEMA for a saved QGIS PostgreSQL connection. Never a password. Every change is recorded in the history and the roles SCHEMA_viewer and SCHEMA_editor are made; with “Replace an existing file” an existing schema is replaced, its data and history dropped.</source>
      <translation>在团队共享的 PostgreSQL/PostGIS 数据库中以一个模式（schema）创建工作空间，取代工作空间文件：PG:service=名称 schema=模式名（pg_service.conf 中的服务，密码写入 ~/.pgpass）、PG:host=… port=… dbname=… user=… schema=…，或 PG:connection=名称 schema=模式名（QGIS 中已保存的 PostgreSQL 连接）。不得包含密码。每次修改都记入历史，并创建角色 模式名_viewer（查看）与 模式名_editor（编辑）；勾选“覆盖已存在的文件”时将替换已有的模式，其数据与历史一并删除。</translation>
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
      <source>PostGIS workspace (PG:service=… schema=…)</source>
      <translation>PostGIS 工作空间（PG:service=… schema=…）</translation>
    </message>
    <message>
      <source>Number of layers</source>
      <translation>图层数</translation>
    </message>
    <message>
      <source>Choose the workspace file, or give a PostGIS workspace.</source>
      <translation>请选择工作空间文件，或填写 PostGIS 工作空间。</translation>
    </message>
    <message>
      <source>The workspace is created in PostGIS; the workspace file is not written.</source>
      <translation>工作空间创建在 PostGIS 中；不写入工作空间文件。</translation>
    </message>
    <message>
      <source>There is no saved PostgreSQL connection named {name} in QGIS.</source>
      <translation>QGIS 中没有名为 {name} 的已保存 PostgreSQL 连接。</translation>
    </message>
    <message>
      <source>The QGIS connection {name} has neither a service nor a host.</source>
      <translation>QGIS 连接 {name} 既没有服务（service）也没有主机（host）。</translation>
    </message>
    <message>
      <source>Workspace created: {path} ({crs}, {n} layers)</source>
      <translation>已创建工作空间：{path}（{crs}，{n} 个图层）</translation>
    </message>
    <message>
      <source>PostGIS workspace created: {ref} ({crs}, {n} layers; roles {viewer} and {editor})</source>
      <translation>已创建 PostGIS 工作空间：{ref}（{crs}，{n} 个图层；角色 {viewer} 与 {editor}）</translation>
    </message>
    <message>
      <source>The database refused to create the PostGIS workspace {ref}: {reason}</source>
      <translation>数据库拒绝创建 PostGIS 工作空间 {ref}：{reason}</translation>
    </message>
    <message>
      <source>Export field packages</source>
      <translation>导出外业包</translation>
    </message>
    <message>
      <source>Writes one folder per team, ready for QField offline: a GeoPackage with the team's cases (with day, sequence and ETA from a route plan) and the protected zones clipped to the team's area, and a QGIS project with relative paths, the case form in Chinese (visit time, finding, violation type, status, rectification required, photos under DCIM/, notes; office data read-only) and styles. The package records each case's revision and values at export, so 'Import field results' can tell what the field changed. Copy the whole team folder to the device.</source>
      <translation>为每个检查组写出一个可离线用于 QField 的文件夹：GeoPackage 中含该组的案件（有路线规划时带天次、顺序号和预计到达时间）及裁剪到该组范围的保护区；QGIS 工程使用相对路径，含中文案件表单（检查时间、检查情况、问题类型、案件状态、需整改、照片（存于 DCIM/）、备注；内业数据只读）和样式。外业包记录每个案件导出时的修订号和字段值，以便“导入外业核查结果”判断外业修改了什么。请将整个检查组文件夹复制到设备上。</translation>
    </message>
    <message>
      <source>The workspace with the case ledger and the protected zones.</source>
      <translation>含案件台账和保护区的工作空间。</translation>
    </message>
    <message>
      <source>The stops of a route plan (fields case_id, team, day, date, sequence, eta). Without it, each team gets its open cases from the ledger (field team).</source>
      <translation>路线规划输出的停靠点（字段 case_id、team、day、date、sequence、eta）。不提供时，各检查组取台账中分配给本组（检查组字段）的未结案件。</translation>
    </message>
    <message>
      <source>The route lines of the plan; each team's lines (field team) are copied into its package.</source>
      <translation>路线规划输出的路线；各组的路线（按 team 字段）复制到该组的外业包中。</translation>
    </message>
    <message>
      <source>Export only these teams (comma-separated); all teams when empty.</source>
      <translation>只导出这些检查组（逗号分隔）；留空则导出全部检查组。</translation>
    </message>
    <message>
      <source>Protected zones are clipped to the extent of the team's cases grown by this margin.</source>
      <translation>保护区按该组案件范围外扩此距离后裁剪。</translation>
    </message>
    <message>
      <source>Replace a team's package already in the output folder. A package replaced before its field results were imported loses them.</source>
      <translation>覆盖输出文件夹中已有的外业包。外业结果尚未导入就被覆盖的外业包将丢失这些结果。</translation>
    </message>
    <message>
      <source>A folder per team is written here: TEAM/TEAM.gpkg, TEAM/TEAM.qgs and TEAM/DCIM/.</source>
      <translation>每个检查组在此写出一个文件夹：检查组/检查组.gpkg、检查组/检查组.qgs 和 检查组/DCIM/。</translation>
    </message>
    <message>
      <source>Stops</source>
      <translation>停靠点</translation>
    </message>
    <message>
      <source>Routes</source>
      <translation>路线</translation>
    </message>
    <message>
      <source>Teams</source>
      <translation>检查组</translation>
    </message>
    <message>
      <source>Zone margin (m)</source>
      <translation>保护区外扩距离（米）</translation>
    </message>
    <message>
      <source>Replace existing packages</source>
      <translation>覆盖已有外业包</translation>
    </message>
    <message>
      <source>Output folder</source>
      <translation>输出文件夹</translation>
    </message>
    <message>
      <source>Packages written</source>
      <translation>已写出外业包数</translation>
    </message>
    <message>
      <source>Cases exported</source>
      <translation>已导出案件数</translation>
    </message>
    <message>
      <source>Project files (one per line)</source>
      <translation>工程文件（每行一个）</translation>
    </message>
    <message>
      <source>Team {team}: {cases} cases → {project}</source>
      <translation>检查组 {team}：{cases} 个案件 → {project}</translation>
    </message>
    <message>
      <source>Generate default water-source protection zones</source>
      <translation>生成默认饮用水水源保护区</translation>
    </message>
    <message>
      <source>Draws level-1 and level-2 drinking-water source protection zones with the HJ 338-2018 default sizes (unverified, editable) for intakes whose source has no zones yet: along the river channel over the network (1000 m up / 100 m down, then 2000 m / 200 m further, upstream into every tributary), a radius in lakes and reservoirs, radii around wells, with bank buffers as land zones. Every zone is marked 'generated default — needs official delineation'; sources that already have zones are skipped.</source>
      <translation>为尚无保护区的水源地取水口，按 HJ 338-2018 默认尺寸（未核实，可修改）生成一级、二级饮用水水源保护区：河流型沿河网河道量算（上游 1000 米、下游 100 米，再向上游延伸 2000 米、向下游延伸 200 米，上溯进入每条支流），湖库型以取水口为圆心取半径，地下水型以水井为圆心取半径，陆域为岸边缓冲区。每个保护区均标注“默认生成，待正式划定”；已有保护区的水源地跳过。</translation>
    </message>
    <message>
      <source>Intakes, rivers, water bodies and existing zones are read from it unless given below; its CRS is the output CRS.</source>
      <translation>未在下方另行指定时，从中读取取水口、河流、水面和已有保护区；输出采用其坐标系。</translation>
    </message>
    <message>
      <source>Intake points with source_code, name, water_body_type (river, lake_reservoir, groundwater), daily_supply_t, population_served; default: the workspace's water_intake layer.</source>
      <translation>取水口点，含 source_code、name、water_body_type（river 河流、lake_reservoir 湖库、groundwater 地下水）、daily_supply_t、population_served；默认使用工作空间的“取水口”图层。</translation>
    </message>
    <message>
      <source>Drawn in the flow direction (name, width_m); default: the workspace's river layer.</source>
      <translation>按水流方向绘制（name、width_m）；默认使用工作空间的“河流”图层。</translation>
    </message>
    <message>
      <source>A field of the river lines that is true (1, 是) for lines drawn against the flow.</source>
      <translation>河流中心线的一个字段，值为真（1、是）表示该线的绘制方向与水流相反。</translation>
    </message>
    <message>
      <source>River polygons the water zones are clipped to; default: the workspace's water_body polygons that are not lakes or reservoirs. Without any, the reach is buffered to the river width.</source>
      <translation>用于裁剪水域保护区的河流水面；默认使用工作空间“水面”图层中非湖库的面。如无河流水面，则按河宽对河段做缓冲。</translation>
    </message>
    <message>
      <source>Lake and reservoir polygons; default: the workspace's water_body polygons of type lake_reservoir.</source>
      <translation>湖泊、水库面；默认使用工作空间“水面”图层中类型为湖库的面。</translation>
    </message>
    <message>
      <source>Automatic: large from 10 km² of water surface (an assumption; HJ 338 classes reservoirs by storage capacity), else medium.</source>
      <translation>自动：水面面积达到 10 平方公里按大型处理（此为假设；HJ 338 按库容划分水库规模），否则按中型处理。</translation>
    </message>
    <message>
      <source>Used when the hydrogeology below is not given (level 1 is 30 m).</source>
      <translation>未填写下方水文地质参数时使用（一级保护区半径为 30 米）。</translation>
    </message>
    <message>
      <source>River line ends closer than this are joined; bigger gaps are reported.</source>
      <translation>距离小于此值的河线端点将自动连接；更大的断口将被报告。</translation>
    </message>
    <message>
      <source>Intakes farther than this from their water body are reported and skipped.</source>
      <translation>距所取水体超过此距离的取水口将被报告并跳过。</translation>
    </message>
    <message>
      <source>A copy of core/data/water_zone_defaults.yaml with the sizes your province uses.</source>
      <translation>core/data/water_zone_defaults.yaml 的副本，填写本省采用的尺寸。</translation>
    </message>
    <message>
      <source>Add the zones to the workspace's water_source_zone layer (only sources without zones).</source>
      <translation>将保护区追加到工作空间的“饮用水水源保护区”图层（仅限尚无保护区的水源地）。</translation>
    </message>
    <message>
      <source>GeoPackage with the layers water_source_zone, reaches and issues.</source>
      <translation>包含 water_source_zone（保护区）、reaches（河段）和 issues（问题）图层的 GeoPackage。</translation>
    </message>
    <message>
      <source>River water surfaces</source>
      <translation>河流水面</translation>
    </message>
    <message>
      <source>Lakes and reservoirs</source>
      <translation>湖泊和水库</translation>
    </message>
    <message>
      <source>Lake/reservoir size</source>
      <translation>湖库规模</translation>
    </message>
    <message>
      <source>Well level-2 radius (m)</source>
      <translation>水井二级保护区半径（米）</translation>
    </message>
    <message>
      <source>Hydrogeology: factor α</source>
      <translation>水文地质：变化系数 α</translation>
    </message>
    <message>
      <source>R = α·K·I·T/n; give all four to compute the well radii.</source>
      <translation>R = α·K·I·T/n；四项均填写时按公式计算水井保护区半径。</translation>
    </message>
    <message>
      <source>Hydrogeology: conductivity K (m/d)</source>
      <translation>水文地质：渗透系数 K（米/日）</translation>
    </message>
    <message>
      <source>Hydraulic conductivity of the aquifer.</source>
      <translation>含水层渗透系数。</translation>
    </message>
    <message>
      <source>Hydrogeology: gradient I</source>
      <translation>水文地质：水力坡度 I</translation>
    </message>
    <message>
      <source>Hydraulic gradient.</source>
      <translation>水力坡度。</translation>
    </message>
    <message>
      <source>Hydrogeology: porosity n</source>
      <translation>水文地质：有效孔隙度 n</translation>
    </message>
    <message>
      <source>Effective porosity.</source>
      <translation>有效孔隙度。</translation>
    </message>
    <message>
      <source>Intake tolerance (m)</source>
      <translation>取水口容差（米）</translation>
    </message>
    <message>
      <source>Zone sizes file</source>
      <translation>保护区尺寸文件</translation>
    </message>
    <message>
      <source>Append to the workspace</source>
      <translation>追加到工作空间</translation>
    </message>
    <message>
      <source>Generated zones</source>
      <translation>生成的保护区</translation>
    </message>
    <message>
      <source>Zone parts generated</source>
      <translation>生成的保护区分块数</translation>
    </message>
    <message>
      <source>Sources with generated zones</source>
      <translation>生成保护区的水源地数</translation>
    </message>
    <message>
      <source>Sources skipped</source>
      <translation>跳过的水源地数</translation>
    </message>
    <message>
      <source>Issues reported</source>
      <translation>报告的问题数</translation>
    </message>
    <message>
      <source>Generated water-source zones</source>
      <translation>默认生成的水源保护区</translation>
    </message>
    <message>
      <source>Automatic (by area)</source>
      <translation>自动（按面积）</translation>
    </message>
    <message>
      <source>Small (whole surface is level 1)</source>
      <translation>小型（全部水面为一级保护区）</translation>
    </message>
    <message>
      <source>Medium (300 m radius)</source>
      <translation>中型（半径 300 米）</translation>
    </message>
    <message>
      <source>Large (500 m radius)</source>
      <translation>大型（半径 500 米）</translation>
    </message>
    <message>
      <source>{code} {level}: {length:.0f} m of channel</source>
      <translation>{code} {level}：河道 {length:.0f} 米</translation>
    </message>
    <message>
      <source>Import field results</source>
      <translation>导入外业核查结果</translation>
    </message>
    <message>
      <source>Merges a field package returned from QField into the case ledger, in one transaction. A case the field changed is updated when the office has not edited it since export: findings are written and the status moves along the chain one allowed step at a time, each step in the case history (channel field). The field may set inspected, rectification ordered, rectified or excluded; closing a case is an office decision after review, so a case the field closed is rejected, as is a status the chain cannot reach: nothing of a rejected case is applied and its field version is kept in gs_field_conflict. A case edited both in the office and in the field is a conflict: the ledger keeps the office version and the field version is kept in gs_field_conflict too. Cases deleted from the ledger since export are reported and the others merged. Photos missing from the package are reported as warnings. A package is imported only once. The merge report lists every case.</source>
      <translation>将 QField 交回的外业包合并到案件台账，整个合并在一个事务中完成。外业修改过、且导出后内业未修改的案件：写入检查结果，案件状态按流程逐步变更，每一步都记入案件状态记录（途径 field）。外业可将案件改为已检查、责令整改、已整改或排除；销号须由内业审核后办理，因此外业销号的案件被拒绝，流程无法到达的状态也被拒绝：被拒绝案件的外业结果均不导入，外业版本保存在 gs_field_conflict 表中。导出后内业和外业都修改过的案件为冲突：台账保留内业版本，外业版本同样保存在 gs_field_conflict 表中。导出后已从台账删除的案件在报告中列出，其余案件照常合并。外业包中缺少的照片以警告提示。同一外业包只能导入一次。合并报告列出每个案件的处理结果。</translation>
    </message>
    <message>
      <source>Applied {applied}, conflicts {conflict}, rejected {rejected}, unchanged {unchanged}.</source>
      <translation>已合并 {applied}，冲突 {conflict}，已拒绝 {rejected}，无变化 {unchanged}。</translation>
    </message>
    <message>
      <source>The team's GeoPackage from the package folder, as it came back from the device.</source>
      <translation>从设备取回的外业包文件夹中的检查组 GeoPackage 文件。</translation>
    </message>
    <message>
      <source>The workspace the package was exported from.</source>
      <translation>导出该外业包的工作空间。</translation>
    </message>
    <message>
      <source>Check the package and write the report, but change nothing in the workspace.</source>
      <translation>只检查外业包并写出报告，不修改工作空间。</translation>
    </message>
    <message>
      <source>One row per case: applied, conflict, rejected or unchanged, with the status transitions.</source>
      <translation>每个案件一行：已合并、冲突、已拒绝或无变化，并列出状态变更过程。</translation>
    </message>
    <message>
      <source>Field package</source>
      <translation>外业包</translation>
    </message>
    <message>
      <source>Check only (dry run)</source>
      <translation>仅检查（预演）</translation>
    </message>
    <message>
      <source>Merge report</source>
      <translation>合并报告</translation>
    </message>
    <message>
      <source>CSV files (*.csv)</source>
      <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
      <source>Cases applied</source>
      <translation>已合并案件数</translation>
    </message>
    <message>
      <source>Conflicts found</source>
      <translation>冲突案件数</translation>
    </message>
    <message>
      <source>Rejected changes</source>
      <translation>已拒绝的修改数</translation>
    </message>
    <message>
      <source>Dry run: nothing was written to the workspace.</source>
      <translation>预演：未向工作空间写入任何内容。</translation>
    </message>
    <message>
      <source>The package holds no field changes; the import was not recorded, so the package can be imported when the team returns it.</source>
      <translation>外业包中没有外业修改，本次导入未记录；检查组交回外业包后仍可导入。</translation>
    </message>
    <message>
      <source>{case}: {outcome} {transitions} {reason}</source>
      <translation>{case}：{outcome} {transitions} {reason}</translation>
    </message>
    <message>
      <source>Merge report: {path}</source>
      <translation>合并报告：{path}</translation>
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
      <source>Print inspection sheets</source>
      <translation>打印现场检查记录表</translation>
    </message>
    <message>
      <source>Prints an inspection sheet for every stop, one PDF per team and day, from a print layout atlas in visiting order: team, day, date, sequence and ETA; a map of the stop with the protected zones around it and a scale bar; the case's target, problem and legal basis; and the checklist the inspectors fill in and sign (problem found, violation type, rectification required, signatures, date).</source>
      <translation>按检查顺序用打印布局图集为每个停靠点打印一页现场检查记录表，每个检查组每天一个 PDF：检查组、天次、日期、顺序号和预计到达时间；停靠点及周边保护区地图和比例尺；案件的检查对象、问题描述和法律依据；以及由检查人员填写并签字的检查记录（是否发现问题、问题类型、需整改、签字、日期）。</translation>
    </message>
    <message>
      <source>The stops of a route plan (fields case_id, team, day, date, sequence, eta). Without it, each team gets its open cases from the ledger (field team), one PDF per team.</source>
      <translation>路线规划输出的停靠点（字段 case_id、team、day、date、sequence、eta）。不提供时，各检查组取台账中分配给本组（检查组字段）的未结案件，每组一个 PDF。</translation>
    </message>
    <message>
      <source>Print only these teams (comma-separated); all teams when empty.</source>
      <translation>只打印这些检查组（逗号分隔）；留空则打印全部检查组。</translation>
    </message>
    <message>
      <source>Scale of the map of each stop.</source>
      <translation>每个停靠点地图的比例尺。</translation>
    </message>
    <message>
      <source>One PDF per team-day is written here (检查单_TEAM_第N天.pdf).</source>
      <translation>每个检查组每天一个 PDF，写到此文件夹（检查单_检查组_第N天.pdf）。</translation>
    </message>
    <message>
      <source>Map scale (1:n)</source>
      <translation>地图比例尺（1:n）</translation>
    </message>
    <message>
      <source>Pages printed</source>
      <translation>已打印页数</translation>
    </message>
    <message>
      <source>PDF files (one per line)</source>
      <translation>PDF 文件（每行一个）</translation>
    </message>
    <message>
      <source>{path}: {pages} pages</source>
      <translation>{path}：{pages} 页</translation>
    </message>
    <message>
      <source>Plan inspection routes</source>
      <translation>规划检查路线</translation>
    </message>
    <message>
      <source>Splits the stops (open cases, or any points) into team-days from the start point (the bureau) within a daily time budget — travel, time on site per target type and the way back — with high-priority stops on the earliest days. Routes are built by savings (Clarke-Wright), improved by moving and swapping stops between them, and each day's visits are ordered by 2-opt and Or-opt (never longer than nearest neighbour). Travel follows the shortest paths over a road layer when given, otherwise the straight line × a detour factor, in metres in the CGCS2000 Gauss-Krüger zone. Writes the ordered stops with team, day, sequence and ETA, one route line per team-day, and the stops that did not fit, with the reason.</source>
      <translation>从出发点（局机关）出发，把检查点（待核查案件或任意点）分配到各检查组的各个工作日，每天的时间（路程、按对象类型计的现场检查时间及返程）不超过每日工作时间，高优先级检查点排在最早的日期。先用节约算法（Clarke-Wright）生成路线，再在路线之间移动、交换检查点，并用 2-opt 与 Or-opt 排定每天的走访顺序（不会比最近邻顺序更长）。提供道路图层时按道路最短路径计算行程，否则按直线距离 × 绕行系数计算，距离在 CGCS2000 高斯-克吕格投影带内以米计。输出按顺序排列的检查点（含检查组、天次、顺序号、预计到达时间）、每组每天一条路线，以及未能安排的检查点及其原因。</translation>
    </message>
    <message>
      <source>The places to visit, e.g. the workspace's inspection cases; tick 'Selected features only' to plan a selection. Fields used when present: case_id, target_type, priority (high/medium/low), target_name, team, status.</source>
      <translation>要走访的地点，例如工作空间的检查案件；勾选“仅选中要素”可只规划所选要素。如有以下字段则使用：case_id、target_type、priority（high/medium/low）、target_name、team、status。</translation>
    </message>
    <message>
      <source>Only features whose status field is one of these (comma-separated codes or Chinese labels); empty: every feature. Ignored when the status field holds other values (e.g. a register's).</source>
      <translation>只规划状态字段为这些值之一的要素（逗号分隔，代码或中文名称均可）；留空：全部要素。状态字段取值不是案件状态时（例如台账的状态）不按此筛选。</translation>
    </message>
    <message>
      <source>Where every route starts and ends; pick it on the map or type x,y with its CRS.</source>
      <translation>每条路线的起点和终点；可在地图上点选，或输入 x,y 及其坐标系。</translation>
    </message>
    <message>
      <source>The number of teams, or their names separated by commas (a stop whose team field names one of them stays with that team).</source>
      <translation>检查组数量，或用逗号分隔的组名（检查组字段填写了其中某组的检查点，固定由该组检查）。</translation>
    </message>
    <message>
      <source>Working days to plan; stops that do not fit are reported, lowest priority first.</source>
      <translation>规划的工作天数；排不下的检查点会列出，优先舍弃低优先级。</translation>
    </message>
    <message>
      <source>Travel, time on site and the way back must fit in this.</source>
      <translation>路程、现场检查和返程时间之和不得超过此值。</translation>
    </message>
    <message>
      <source>Average speed on the road.</source>
      <translation>道路上的平均行驶速度。</translation>
    </message>
    <message>
      <source>Road lines; travel follows their shortest paths and the route lines follow the roads. Without it, straight line × the detour factor.</source>
      <translation>道路线图层；行程按其最短路径计算，路线沿道路绘制。不提供时按直线距离 × 绕行系数计算。</translation>
    </message>
    <message>
      <source>Straight-line distance × this is the travel distance without a road network; with one, it applies to the way from a stop to the nearest road.</source>
      <translation>无路网时，行程距离 = 直线距离 × 此系数；有路网时，此系数用于检查点到最近道路的一段。</translation>
    </message>
    <message>
      <source>Dates the stops and routes; later days are working days (Monday to Friday).</source>
      <translation>为检查点和路线标注日期；之后各天为工作日（周一至周五）。</translation>
    </message>
    <message>
      <source>Count Saturdays and Sundays as working days when dating the plan.</source>
      <translation>标注日期时将周六、周日也计为工作日。</translation>
    </message>
    <message>
      <source>When the teams leave the start point each day; ETAs count from it.</source>
      <translation>各组每天从出发点出发的时间；预计到达时间由此起算。</translation>
    </message>
    <message>
      <source>Default: case_id (or stop_id, id), else the feature id.</source>
      <translation>默认：case_id（或 stop_id、id），否则用要素编号。</translation>
    </message>
    <message>
      <source>Default: target_type. Values: project, outfall, plot, enterprise, lead (or 建设项目, 入河排污口, 污染地块, 企业, 遥感线索).</source>
      <translation>默认：target_type。取值：project、outfall、plot、enterprise、lead（或 建设项目、入河排污口、污染地块、企业、遥感线索）。</translation>
    </message>
    <message>
      <source>For a layer without a target type field, e.g. a register of outfalls.</source>
      <translation>用于没有检查对象类型字段的图层，例如排污口台账。</translation>
    </message>
    <message>
      <source>Default: priority; missing values count as medium.</source>
      <translation>默认：priority；缺失值按“中”计。</translation>
    </message>
    <message>
      <source>Default: target_name or name.</source>
      <translation>默认：target_name 或 name。</translation>
    </message>
    <message>
      <source>Road vertices closer than this are joined, so lines that nearly touch connect.</source>
      <translation>距离小于此值的道路节点视为同一节点，使几乎相接的道路连通。</translation>
    </message>
    <message>
      <source>The stops in visiting order: case_id, team, day, date, sequence, eta, depart, service_min, leg_km, target_type, priority, name.</source>
      <translation>按走访顺序排列的检查点：case_id、team、day、date、sequence、eta、depart、service_min、leg_km、target_type、priority、name。</translation>
    </message>
    <message>
      <source>One line per team-day from the start and back: stops, km, travel, time on site and total minutes, start and end time.</source>
      <translation>每组每天一条从出发点出发并返回的路线：检查点数、里程（公里）、行驶、现场检查和合计分钟数、出发和返回时间。</translation>
    </message>
    <message>
      <source>Stops left out, with the reason (no room, round trip over the budget, no location).</source>
      <translation>未能安排的检查点及原因（时间已排满、单次往返即超时、无位置）。</translation>
    </message>
    <message>
      <source>Cases or places to visit</source>
      <translation>待检查案件或地点</translation>
    </message>
    <message>
      <source>Case statuses to plan</source>
      <translation>要规划的案件状态</translation>
    </message>
    <message>
      <source>Start point (bureau)</source>
      <translation>出发点（局机关）</translation>
    </message>
    <message>
      <source>Days</source>
      <translation>天数</translation>
    </message>
    <message>
      <source>Daily time per team (minutes)</source>
      <translation>每组每日工作时间（分钟）</translation>
    </message>
    <message>
      <source>Travel speed (km/h)</source>
      <translation>行驶速度（公里/小时）</translation>
    </message>
    <message>
      <source>Road network</source>
      <translation>路网</translation>
    </message>
    <message>
      <source>Detour factor</source>
      <translation>绕行系数</translation>
    </message>
    <message>
      <source>Date of day 1</source>
      <translation>第 1 天的日期</translation>
    </message>
    <message>
      <source>Plan weekends too</source>
      <translation>周末也安排检查</translation>
    </message>
    <message>
      <source>Leaving time (HH:MM)</source>
      <translation>出发时间（HH:MM）</translation>
    </message>
    <message>
      <source>Time on site (minutes)</source>
      <translation>现场检查时间（分钟）</translation>
    </message>
    <message>
      <source>Identifier field</source>
      <translation>标识码字段</translation>
    </message>
    <message>
      <source>Target type field</source>
      <translation>检查对象类型字段</translation>
    </message>
    <message>
      <source>Target type of stops without one</source>
      <translation>无类型检查点的对象类型</translation>
    </message>
    <message>
      <source>Priority field</source>
      <translation>优先级字段</translation>
    </message>
    <message>
      <source>Name field</source>
      <translation>名称字段</translation>
    </message>
    <message>
      <source>Road snapping tolerance (m)</source>
      <translation>路网捕捉容差（米）</translation>
    </message>
    <message>
      <source>Route stops</source>
      <translation>路线检查点</translation>
    </message>
    <message>
      <source>Unscheduled stops</source>
      <translation>未安排的检查点</translation>
    </message>
    <message>
      <source>Stops scheduled</source>
      <translation>已安排检查点数</translation>
    </message>
    <message>
      <source>Stops unscheduled</source>
      <translation>未安排检查点数</translation>
    </message>
    <message>
      <source>Team-days</source>
      <translation>组日数</translation>
    </message>
    <message>
      <source>Total distance (km)</source>
      <translation>总里程（公里）</translation>
    </message>
    <message>
      <source>Overrides per target type, e.g. enterprise=120, outfall=20. Defaults: {service}.</source>
      <translation>按检查对象类型覆盖默认值，例如 enterprise=120, outfall=20。默认值：{service}。</translation>
    </message>
    <message>
      <source>Route planning canceled; nothing was written.</source>
      <translation>路线规划已取消，未写出任何结果。</translation>
    </message>
    <message>
      <source>Green Shield 绿盾</source>
      <translation>绿盾 Green Shield</translation>
    </message>
    <message>
      <source>Random draw of inspection targets (双随机)</source>
      <translation>双随机抽查</translation>
    </message>
    <message>
      <source>Draws inspection targets at random from a supervision list, pool by pool (key dischargers, general dischargers, special supervision) at the given ratios rounded up, with positive-list firms drawn at a reduced ratio, and assigns each target inspectors drawn at random from the roster, avoiding those who visited the same target in the previous draw. The seed is recorded with the inputs' SHA-256 checksums, so anyone can re-run the draw (green-shield draw --verify RECORD.json).</source>
      <translation>从监管对象名录中按类别（重点排污单位、一般排污单位、特殊监管对象）和给定比例（向上取整）随机抽取检查对象，正面清单企业按降低后的比例抽取；再从执法人员名录中为每个对象随机抽取执法人员，并回避上次检查过同一对象的人员。随机种子与输入文件的 SHA-256 校验值一并记录，任何人都可以重新抽取核验（green-shield draw --verify 记录文件.json）。</translation>
    </message>
    <message>
      <source>The regulated entities (the workspace's supervised_entity layer, another layer or a CSV) with entity_id, name and pool (重点排污单位/一般排污单位/特殊监管对象) and optionally positive_list. It must be stored in a file, so that the record can name and checksum it.</source>
      <translation>监管对象（工作空间的监管对象图层 supervised_entity、其他图层或 CSV），包含监管对象编码、单位名称、监管类别（重点排污单位/一般排污单位/特殊监管对象），可含正面清单。必须保存在文件中，以便抽查记录注明文件并计算校验值。</translation>
    </message>
    <message>
      <source>A table of inspectors with name, id, unit and team (or 姓名, 执法证号, 单位, 小组), e.g. a CSV or the sample district's sample_roster table.</source>
      <translation>执法人员名录表，包含姓名、执法证号、单位、小组（英文列名 name、id、unit、team 亦可），例如 CSV 文件或示例区县的 sample_roster 表。</translation>
    </message>
    <message>
      <source>A whole number published before the draw; empty or 0: one is generated from a secure random source and recorded.</source>
      <translation>抽查前公布的整数；留空或填 0 时由系统安全随机源生成并记录。</translation>
    </message>
    <message>
      <source>The period drawn for: a quarter (2026Q4), half year (2026H1), year (2026) or month (2026-03); 2026年第四季度 and the like work too; empty: the current quarter. It names the draw and sets the cases' check deadline.</source>
      <translation>抽查期次：季度（2026Q4）、半年（2026H1）、年度（2026）或月份（2026-03），也可写作 2026年第四季度 等；留空为当前季度。期次用于抽查批次编号，并确定案件的核查期限。</translation>
    </message>
    <message>
      <source>Positive-list firms among key and general dischargers form their own stratum drawn at the pool's ratio times this factor (1: no separate stratum; 0: off-site checks only).</source>
      <translation>重点、一般排污单位中的正面清单企业单独分层，按该类别比例乘以此系数抽取（1：不单独分层；0：仅实行非现场检查）。</translation>
    </message>
    <message>
      <source>How many different inspectors visit each target (at least 2).</source>
      <translation>每个抽查对象由几名不同的执法人员检查（不少于 2 名）。</translation>
    </message>
    <message>
      <source>Off: each target gets one team, then inspectors of that team. On: inspectors come from the whole roster and the case's team is the first inspector's.</source>
      <translation>不勾选：每个对象先确定一个检查组，再从该组抽取执法人员。勾选：从全部执法人员中抽取，案件检查组记为第一名执法人员所在组。</translation>
    </message>
    <message>
      <source>The result CSV or record JSON of the previous draw: nobody visits a target they visited then, unless it cannot be avoided (the record then says so).</source>
      <translation>上一次抽查的结果 CSV 或记录 JSON：执法人员不再检查上次检查过的对象，无法回避时在抽查记录中注明。</translation>
    </message>
    <message>
      <source>Adds the drawn targets to this workspace's case ledger as inspection cases (source: random draw).</source>
      <translation>将抽中的对象作为检查案件加入该工作空间的案件台账（来源：双随机抽查）。</translation>
    </message>
    <message>
      <source>One row per drawn target with its pool, team and inspectors; points when the list has locations, a table otherwise.</source>
      <translation>每个抽中对象一行，含监管类别、检查组和执法人员；名录有位置时为点图层，否则为表格。</translation>
    </message>
    <message>
      <source>Machine-readable record: inputs with SHA-256, ratios, seed, pool sizes, counts and the result; green-shield draw --verify re-runs it. It is written only once the cases are added, and never replaces the record of another draw.</source>
      <translation>机器可读的抽查记录：输入文件及其 SHA-256、抽查比例、随机种子、各类别对象数、抽取数量和抽查结果；可用 green-shield draw --verify 重新抽取核验。案件写入台账后才生成记录，且不会覆盖其他抽查的记录。</translation>
    </message>
    <message>
      <source>The draw record in Chinese for A4 printing, with a signature block.</source>
      <translation>中文抽查记录，按 A4 纸打印，附签字栏。</translation>
    </message>
    <message>
      <source>Supervision list</source>
      <translation>监管对象名录</translation>
    </message>
    <message>
      <source>Inspector roster</source>
      <translation>执法人员名录</translation>
    </message>
    <message>
      <source>Seed</source>
      <translation>随机种子</translation>
    </message>
    <message>
      <source>Period</source>
      <translation>抽查期次</translation>
    </message>
    <message>
      <source>Share of the pool drawn, in per cent; the count is rounded up. Default from the provincial defaults in core/data/draw_ratios.yaml.</source>
      <translation>该类别的抽查比例（百分比），抽取数量向上取整。默认值取自 core/data/draw_ratios.yaml 中的省级默认比例。</translation>
    </message>
    <message>
      <source>Positive-list factor</source>
      <translation>正面清单系数</translation>
    </message>
    <message>
      <source>Inspectors per target</source>
      <translation>每个对象执法人员数</translation>
    </message>
    <message>
      <source>Draw inspectors across teams</source>
      <translation>跨检查组抽取执法人员</translation>
    </message>
    <message>
      <source>Previous draw</source>
      <translation>上次抽查结果</translation>
    </message>
    <message>
      <source>Drawn targets</source>
      <translation>抽中对象</translation>
    </message>
    <message>
      <source>Draw record (JSON)</source>
      <translation>抽查记录（JSON）</translation>
    </message>
    <message>
      <source>JSON files (*.json)</source>
      <translation>JSON 文件 (*.json)</translation>
    </message>
    <message>
      <source>Printable record</source>
      <translation>打印版抽查记录</translation>
    </message>
    <message>
      <source>Targets drawn</source>
      <translation>抽中对象数</translation>
    </message>
    <message>
      <source>Seed used</source>
      <translation>使用的随机种子</translation>
    </message>
    <message>
      <source>Draw id</source>
      <translation>抽查批次</translation>
    </message>
    <message>
      <source>Cases created</source>
      <translation>新建案件数</translation>
    </message>
    <message>
      <source>Ratio for key dischargers (%)</source>
      <translation>重点排污单位抽查比例（%）</translation>
    </message>
    <message>
      <source>Ratio for general dischargers (%)</source>
      <translation>一般排污单位抽查比例（%）</translation>
    </message>
    <message>
      <source>Ratio for special supervision (%)</source>
      <translation>特殊监管对象抽查比例（%）</translation>
    </message>
    <message>
      <source>Draw result or record (*.csv *.json)</source>
      <translation>抽查结果或记录 (*.csv *.json)</translation>
    </message>
    <message>
      <source>Draw canceled; nothing was written.</source>
      <translation>抽查已取消，未写入任何内容。</translation>
    </message>
    <message>
      <source>Cases: {created} created, {updated} updated.</source>
      <translation>案件：新建 {created} 件，更新 {updated} 件。</translation>
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
      <source>Green Shield workspace (a GeoPackage, or a PostGIS workspace PG:service=… schema=…): its project layer and protected layers are used unless given below.</source>
      <translation>绿盾工作空间（GeoPackage 文件，或 PostGIS 工作空间 PG:service=… schema=…）：除非在下方另行指定，使用其中的建设项目图层和受保护图层。</translation>
    </message>
    <message>
      <source>Construction projects (points, lines or polygons); fields are matched like an import. Default: the workspace's project layer.</source>
      <translation>建设项目（点、线或面）；字段按导入规则自动匹配。默认使用工作空间中的建设项目图层。</translation>
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
      <source>No protected layers: give a workspace or at least one protected layer.</source>
      <translation>没有受保护图层：请指定工作空间或至少一个受保护图层。</translation>
    </message>
    <message>
      <source>Screening canceled; nothing was written.</source>
      <translation>审查已取消，未写入任何结果。</translation>
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
    <message>
      <source>{far} projects beyond every protected feature's reach found clear by the database's spatial index; {near} screened</source>
      <translation>数据库空间索引筛选出 {far} 个远离所有保护对象的项目（无冲突）；其余 {near} 个逐一审查</translation>
    </message>
    <message>
      <source>选址快速研判 Quick check</source>
      <translation>选址快速研判</translation>
    </message>
    <message>
      <source>Use selected features</source>
      <translation>使用所选要素</translation>
    </message>
    <message>
      <source>Check the selected features of the active layer</source>
      <translation>研判当前图层的所选要素</translation>
    </message>
    <message>
      <source>Click, draw or select a site to check it.</source>
      <translation>点选、绘制或选择一个选址以进行研判。</translation>
    </message>
    <message>
      <source>Type</source>
      <translation>类型</translation>
    </message>
    <message>
      <source>Name</source>
      <translation>名称</translation>
    </message>
    <message>
      <source>Level / zone</source>
      <translation>级别/分区</translation>
    </message>
    <message>
      <source>Relation</source>
      <translation>空间关系</translation>
    </message>
    <message>
      <source>Overlap m²</source>
      <translation>重叠面积（m²）</translation>
    </message>
    <message>
      <source>Overlap %</source>
      <translation>重叠比例（%）</translation>
    </message>
    <message>
      <source>Distance m</source>
      <translation>距离（m）</translation>
    </message>
    <message>
      <source>Verdict</source>
      <translation>研判结论</translation>
    </message>
    <message>
      <source>Legal basis</source>
      <translation>法律依据</translation>
    </message>
    <message>
      <source>Advice</source>
      <translation>处置建议</translation>
    </message>
    <message>
      <source>Save this check…</source>
      <translation>保存本次研判…</translation>
    </message>
    <message>
      <source>Save the check to the workspace and write a one-page HTML report</source>
      <translation>将本次研判保存到工作空间，并输出一页 HTML 报告</translation>
    </message>
    <message>
      <source>Point</source>
      <translation>点选</translation>
    </message>
    <message>
      <source>Click a point on the map</source>
      <translation>在地图上点击一个位置</translation>
    </message>
    <message>
      <source>Line</source>
      <translation>画线</translation>
    </message>
    <message>
      <source>Draw a line: left click adds a vertex, right click finishes</source>
      <translation>画线：左键添加节点，右键结束</translation>
    </message>
    <message>
      <source>Polygon</source>
      <translation>画面</translation>
    </message>
    <message>
      <source>Draw a polygon: left click adds a vertex, right click finishes</source>
      <translation>画面：左键添加节点，右键结束</translation>
    </message>
    <message>
      <source>Buffer</source>
      <translation>缓冲距离</translation>
    </message>
    <message>
      <source>Select one or more features in a vector layer first.</source>
      <translation>请先在矢量图层中选择一个或多个要素。</translation>
    </message>
    <message>
      <source>Choose a workspace first.</source>
      <translation>请先选择工作空间。</translation>
    </message>
    <message>
      <source>Save this check</source>
      <translation>保存本次研判</translation>
    </message>
    <message>
      <source>Saved: {path}</source>
      <translation>已保存：{path}</translation>
    </message>
    <message>
      <source>{n} zones hit or near</source>
      <translation>涉及或邻近 {n} 处保护区</translation>
    </message>
    <message>
      <source>Green Shield settings</source>
      <translation>绿盾设置</translation>
    </message>
    <message>
      <source>Default rulebook</source>
      <translation>默认规则库</translation>
    </message>
    <message>
      <source>Planar (Gauss-Krüger zone)</source>
      <translation>平面（高斯-克吕格分带）</translation>
    </message>
    <message>
      <source>WGS-84 (GPS)</source>
      <translation>WGS-84（GPS）</translation>
    </message>
    <message>
      <source>GCJ-02 (Gaode, Tencent)</source>
      <translation>GCJ-02（高德、腾讯）</translation>
    </message>
    <message>
      <source>Default CRS</source>
      <translation>默认坐标系</translation>
    </message>
    <message>
      <source>Typed and imported coordinates</source>
      <translation>录入和导入坐标</translation>
    </message>
    <message>
      <source>Report author</source>
      <translation>报告编制人</translation>
    </message>
    <message>
      <source>Report unit</source>
      <translation>报告编制单位</translation>
    </message>
    <message>
      <source>Choose a valid default CRS.</source>
      <translation>请选择有效的默认坐标系。</translation>
    </message>
    <message>
      <source>The workspace is not a Green Shield workspace: {error}</source>
      <translation>所选文件不是绿盾工作空间：{error}</translation>
    </message>
    <message>
      <source>The workspace cannot be opened: {error}</source>
      <translation>无法打开工作空间：{error}</translation>
    </message>
    <message>
      <source>The rulebook cannot be loaded: {error}</source>
      <translation>无法加载规则库：{error}</translation>
    </message>
    <message>
      <source>Ban</source>
      <translation>取缔</translation>
    </message>
    <message>
      <source>Recheck</source>
      <translation>复核</translation>
    </message>
    <message>
      <source>Flagged</source>
      <translation>重点关注</translation>
    </message>
    <message>
      <source>Check location</source>
      <translation>核对位置</translation>
    </message>
    <message>
      <source>No action</source>
      <translation>无</translation>
    </message>
  </context>
</TS>
