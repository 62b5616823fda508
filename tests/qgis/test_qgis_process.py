"""Headless batch use: qgis_process runs the plugin's algorithms (as a scheduled job would)."""

import os
import shutil
import subprocess
import sysconfig

import pytest

from builders import square, write_shapefile
from green_shield.core.workspace import open_workspace

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
QGIS_PROCESS = shutil.which("qgis_process.bin") or "/usr/lib/qgis/qgis_process.bin"


@pytest.fixture(scope="module")
def qgis_process_env(tmp_path_factory):
    """An isolated QGIS profile with this checkout installed and enabled as a plugin."""
    home = tmp_path_factory.mktemp("home")
    plugins = home / "plugins"
    plugins.mkdir()
    os.symlink(ROOT, plugins / "green_shield")
    env = dict(os.environ, HOME=str(home), QGIS_PLUGINPATH=str(plugins), QT_QPA_PLATFORM="offscreen",
               PYTHONPATH=sysconfig.get_paths()["purelib"], XDG_RUNTIME_DIR=str(home / "run"))
    run = subprocess.run([QGIS_PROCESS, "plugins", "enable", "green_shield"], env=env, capture_output=True,
                         text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    return env


def test_create_and_import_with_qgis_process(qgis_process_env, tmp_path):
    workspace = str(tmp_path / "batch.gpkg")
    run = subprocess.run([QGIS_PROCESS, "run", "greenshield:createworkspace", "--", f"OUTPUT={workspace}"],
                         env=qgis_process_env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    shp = write_shapefile(tmp_path / "plots.shp", [square(106.2, 29.0), square(106.3, 29.0)], {
        "编码": ["DK-01", "DK-02"], "名称": ["原农药厂", "原电镀厂"], "状态": ["名录内", "火星"]},
        encoding="GBK", keep_cpg=False)
    report = str(tmp_path / "report.csv")
    run = subprocess.run([QGIS_PROCESS, "run", "greenshield:importlayer", "--", f"INPUT={shp}",
                          f"WORKSPACE={workspace}", "TARGET=5", f"REPORT={report}"],
                         env=qgis_process_env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "IMPORTED:\t1" in run.stdout and "REJECTED:\t1" in run.stdout
    assert open_workspace(workspace).layers["contaminated_plot"] == 1
    assert "火星" in open(report, encoding="utf-8-sig").read()
