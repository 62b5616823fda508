# Green Shield 绿盾 — every step installs what it needs, as on a fresh Debian/Ubuntu machine.
SHELL := /bin/bash
SYSTEM_PYTHON := /usr/bin/python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
QGIS_STAMP := $(VENV)/.system-packages
export QT_QPA_PLATFORM ?= offscreen
export XDG_RUNTIME_DIR ?= /tmp/runtime-$(shell id -u)
DEMO_DIR ?= build/demo
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# postgresql/postgresql-postgis are the distribution's default-version metapackages (Debian 12:
# postgresql-15 + postgresql-15-postgis-3, Debian 13: 17), so server and PostGIS always match; the
# tests start a throw-away cluster of their own (tests/pg_server.py), never the packaged one.
APT_PACKAGES := qgis python3-qgis qgis-providers python3-venv python3-pip qttools5-dev-tools fonts-noto-cjk \
	libgeos-dev libgdal-dev zip chromium poppler-utils python3-rasterio python3-scipy xvfb xauth \
	postgresql postgresql-postgis python3-psycopg2

.PHONY: help deps test unit lint i18n demo package deploy qgis bench clean screenshots

help:
	@echo "make demo     build the sample district, a styled QGIS project and a map (build/demo)"
	@echo "make test     run all tests (unit + QGIS offscreen)"
	@echo "make lint     ruff;  make package  plugin zip;  make deploy  into your QGIS profile"
	@echo "make bench    screening speed against QGIS and geopandas (build/bench/results.md)"

# System packages: QGIS from the distribution, Qt's lrelease, a Chinese font for maps, PostgreSQL +
# PostGIS for the PostGIS workspace tests.
$(QGIS_STAMP): Makefile
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi
	@[ -d $(VENV) ] || $(SYSTEM_PYTHON) -m venv --system-site-packages $(VENV)
	@touch $@

# Python packages into a venv beside QGIS's Python. The system numpy is kept (QGIS's GDAL bindings
# are built for it), and shapely/pyogrio are built against the system GEOS/GDAL: inside QGIS and
# qgis_process those libraries are already loaded, and a second, different copy would be mixed in.
NO_BINARY := --no-binary shapely,pyogrio
$(STAMP): $(QGIS_STAMP) pyproject.toml
	@echo "numpy==$$($(SYSTEM_PYTHON) -c 'import numpy; print(numpy.__version__)')" > $(VENV)/constraints.txt
	$(PY) -m pip install -q --disable-pip-version-check -c $(VENV)/constraints.txt $(NO_BINARY) -e '.[dev]'
	@touch $@

deps: $(STAMP) i18n

i18n: $(QGIS_STAMP) i18n/green_shield_zh.qm

i18n/green_shield_zh.qm: i18n/green_shield_zh.ts
	lrelease -silent $< -qm $@

test: deps
	$(VENV)/bin/pytest tests/unit tests/qgis

unit: deps
	$(VENV)/bin/pytest tests/unit

lint: deps
	$(VENV)/bin/ruff check .

demo: deps
	@mkdir -p $(DEMO_DIR)
	$(VENV)/bin/green-shield sample-district $(DEMO_DIR)/sample_district.gpkg --overwrite
	$(PY) -m green_shield.layers.demo $(DEMO_DIR)/sample_district.gpkg $(DEMO_DIR)

PACKAGE_FILES := metadata.txt __init__.py __about__.py plugin.py resources.qrc LICENSE README.md \
	core layers processing ui i18n icons
package: deps
	@rm -rf build/package && mkdir -p build/package/green_shield dist
	@tar --exclude='__pycache__' --exclude='*.pyc' -cf - $(PACKAGE_FILES) | tar -xf - -C build/package/green_shield
	@cd build/package && rm -f ../../dist/green_shield.zip && zip -qr ../../dist/green_shield.zip green_shield
	@echo "dist/green_shield.zip"

QGIS_PROFILE ?= $(HOME)/.local/share/QGIS/QGIS3/profiles/default
deploy: package
	@mkdir -p $(QGIS_PROFILE)/python/plugins
	@rm -rf $(QGIS_PROFILE)/python/plugins/green_shield
	@cd $(QGIS_PROFILE)/python/plugins && unzip -q $(CURDIR)/dist/green_shield.zip
	@# QGIS runs the system Python: give the plugin its own shapely 2 / pyogrio / pandas (numpy stays the system's).
	$(PY) -m pip install -q --disable-pip-version-check --target $(QGIS_PROFILE)/python/plugins/green_shield/ext_libs \
		-c $(VENV)/constraints.txt $(NO_BINARY) "shapely>=2" pyogrio pandas openpyxl
	@rm -rf $(QGIS_PROFILE)/python/plugins/green_shield/ext_libs/numpy* $(QGIS_PROFILE)/python/plugins/green_shield/ext_libs/bin
	@echo "installed into $(QGIS_PROFILE)/python/plugins/green_shield — enable it in QGIS: Plugins ▸ Manage and Install Plugins"

# Speed as ratios against QGIS native:calculatevectoroverlaps and geopandas, same data, one run
# (build/bench/results.md), and the red-line diff likewise (build/bench/redline_results.md).
# geopandas is for the benchmark only; < 1.1 keeps the system pyproj.
bench: deps
	$(PY) -m pip install -q --disable-pip-version-check -c $(VENV)/constraints.txt "geopandas>=1.0,<1.1"
	$(PY) -m green_shield.bench.run
	$(PY) -m green_shield.bench.redline
	$(PY) -m green_shield.bench.routes
	$(PY) -m green_shield.bench.quick_check
	$(PY) -m green_shield.bench.change_leads
	$(PY) -m green_shield.bench.postgis

# README screenshots (docs/menu_zh.png, docs/quick_check_dock.png) from the real QGIS desktop
# under Xvfb, in Chinese, with a throw-away profile; docs/screenshots.py runs inside QGIS.
SHOT_DIR := build/screenshots
screenshots: demo
	@rm -rf $(SHOT_DIR) && mkdir -p $(SHOT_DIR)/profiles/default/QGIS build/plugins
	@ln -sfn $(CURDIR) build/plugins/green_shield
	@printf '[locale]\noverrideFlag=true\nuserLocale=zh_CN\nglobalLocale=zh_CN\n' \
		> $(SHOT_DIR)/profiles/default/QGIS/QGIS3.ini
	LANG=zh_CN.UTF-8 LANGUAGE=zh_CN HOME=$(CURDIR)/$(SHOT_DIR) QGIS_PLUGINPATH=$(CURDIR)/build/plugins \
	PYTHONPATH=$$($(PY) -c "import sysconfig; print(sysconfig.get_paths()['purelib'])") \
	GS_SHOT_DIR=$(CURDIR)/docs GS_WORKSPACE=$(CURDIR)/$(DEMO_DIR)/sample_district.gpkg \
	timeout 300 sh docs/run_in_xvfb.sh qgis --profiles-path $(CURDIR)/$(SHOT_DIR)/profiles \
		--nologo --noversioncheck --noplugins --code $(CURDIR)/docs/screenshots.py $(DEMO_DIR)/green_shield_demo.qgz

# QGIS with this checkout as a plugin and the venv's packages, for development.
qgis: deps
	@mkdir -p build/plugins && ln -sfn $(CURDIR) build/plugins/green_shield
	QGIS_PLUGINPATH=$(CURDIR)/build/plugins PYTHONPATH=$$($(PY) -c "import sysconfig; print(sysconfig.get_paths()['purelib'])") qgis

clean:
	rm -rf build dist i18n/*.qm .pytest_cache
