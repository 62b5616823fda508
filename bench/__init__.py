"""Benchmark: Green Shield's screening against QGIS's overlap analysis and geopandas (`make bench`)."""
