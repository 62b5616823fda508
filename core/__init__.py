"""QGIS-free logic of Green Shield: schema, workspace, import, sample data, command line."""

from ..__about__ import __version__

__all__ = ["__version__"]
