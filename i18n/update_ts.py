"""Keep i18n/green_shield_zh.ts in step with the tr() calls in the source.

    python i18n/update_ts.py          # add new strings (unfinished), drop vanished ones
    python i18n/update_ts.py --check  # exit 1 if a string is missing or untranslated

Runs without QGIS: it reads the source with ast and the .ts with ElementTree.
"""

from __future__ import annotations

import ast
import os
import sys
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TS_PATH = os.path.join(ROOT, "i18n", "green_shield_zh.ts")
CONTEXT = "GreenShield"
SOURCE_DIRS = ("", "processing", "ui", "layers")


def source_files() -> list[str]:
    files = []
    for folder in SOURCE_DIRS:
        base = os.path.join(ROOT, folder)
        names = sorted(os.listdir(base)) if os.path.isdir(base) else []
        files += [os.path.join(base, n) for n in names if n.endswith(".py")]
    return files


def tr_strings(paths: list[str] | None = None) -> list[str]:
    """Every literal passed to tr(...), in order of first appearance."""
    seen: dict[str, None] = {}
    for path in paths or source_files():
        with open(path, encoding="utf-8") as fh:
            tree = ast.parse(fh.read(), path)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "tr"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                seen.setdefault(node.args[0].value, None)
    return list(seen)


def read_ts(path: str = TS_PATH) -> dict[str, tuple[str, bool]]:
    """source → (translation, finished)."""
    if not os.path.exists(path):
        return {}
    result = {}
    for message in ET.parse(path).getroot().iter("message"):
        source = message.findtext("source") or ""
        translation = message.find("translation")
        text = translation.text or "" if translation is not None else ""
        finished = translation is not None and translation.get("type") not in ("unfinished", "obsolete")
        result[source] = (text, finished and bool(text))
    return result


def write_ts(entries: dict[str, tuple[str, bool]], path: str = TS_PATH) -> None:
    root = ET.Element("TS", version="2.1", language="zh_CN", sourcelanguage="en")
    context = ET.SubElement(root, "context")
    ET.SubElement(context, "name").text = CONTEXT
    for source, (text, finished) in entries.items():
        message = ET.SubElement(context, "message")
        ET.SubElement(message, "source").text = source
        translation = ET.SubElement(message, "translation")
        translation.text = text
        if not finished:
            translation.set("type", "unfinished")
    ET.indent(root)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n')
        fh.write(ET.tostring(root, encoding="unicode"))
        fh.write("\n")


def missing(entries: dict[str, tuple[str, bool]], strings: list[str]) -> list[str]:
    return [s for s in strings if s not in entries or not entries[s][1]]


def main(argv: list[str]) -> int:
    strings = tr_strings()
    entries = read_ts()
    if "--check" in argv:
        gaps = missing(entries, strings)
        for gap in gaps:
            print(f"untranslated: {gap!r}")
        return 1 if gaps else 0
    write_ts({s: entries.get(s, ("", False)) for s in strings})
    print(f"{len(strings)} strings, {len(missing(read_ts(), strings))} untranslated")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
