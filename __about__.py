"""Version facts, read from metadata.txt so they live in one place."""

import configparser
import os

_metadata = configparser.ConfigParser(interpolation=None)
_metadata.read(os.path.join(os.path.dirname(__file__), "metadata.txt"), encoding="utf-8")

__title__ = _metadata["general"]["name"]
__version__ = _metadata["general"]["version"]
__qgis_minimum_version__ = _metadata["general"]["qgisMinimumVersion"]
