"""The Chinese translation covers every tr() string (checked without QGIS)."""

import importlib.util
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _update_ts():
    spec = importlib.util.spec_from_file_location("update_ts", os.path.join(ROOT, "i18n", "update_ts.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_tr_string_has_a_finished_chinese_translation():
    u = _update_ts()
    strings = u.tr_strings()
    assert len(strings) > 50
    assert u.missing(u.read_ts(), strings) == []


def test_translations_keep_placeholders():
    import re

    u = _update_ts()
    for source, (text, _) in u.read_ts().items():
        assert sorted(re.findall(r"{\w*}", source)) == sorted(re.findall(r"{\w*}", text)), source
