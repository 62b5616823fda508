"""The README's data model table is the schema's own (so the README stays true)."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_readme_data_model_matches_schema():
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    table = text.split("<!-- schema:start -->\n")[1].split("\n<!-- schema:end -->")[0]
    run = subprocess.run([sys.executable, "-m", "green_shield.core.cli", "schema"], capture_output=True, text=True)
    assert run.returncode == 0
    assert table.strip() == run.stdout.strip()


def test_readme_names_the_two_commands():
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    assert "make demo" in text and "make test" in text
