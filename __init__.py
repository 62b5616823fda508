"""Green Shield 绿盾 QGIS plugin entry point."""


def classFactory(iface):  # noqa: N802 (QGIS's name)
    import os
    import sys

    # `make deploy` puts shapely 2, pyogrio and friends in ext_libs beside the plugin; they
    # must win over older copies from the distribution.
    ext_libs = os.path.join(os.path.dirname(__file__), "ext_libs")
    if os.path.isdir(ext_libs) and ext_libs not in sys.path:
        sys.path.insert(0, ext_libs)
    from .plugin import GreenShieldPlugin

    return GreenShieldPlugin(iface)
