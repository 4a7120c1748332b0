"""`sitegen new` + `sitegen build` from the wheel, installed into a fresh virtualenv:
the theme, the scaffold, the JS sources and the npm lock files must all be inside it."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def run(*cmd, cwd=None):
    result = subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True)
    assert result.returncode == 0, f"{cmd}: {result.stdout}\n{result.stderr}"
    return result


def test_new_and_build_from_installed_wheel(tmp_path):
    run(sys.executable, "-m", "build", "--wheel", "--outdir", tmp_path / "dist", REPO)
    wheel = next((tmp_path / "dist").glob("sitegen-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for inside in ("sitegen/templates/base.html", "sitegen/templates/static/style.css",
                   "sitegen/_npm/package-lock.json", "sitegen/js/page.js", "sitegen/scaffold/sitegen.toml",
                   "sitegen/datasets/loader.js"):
        assert inside in names

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv)
    run(venv / "bin/pip", "install", "--quiet", wheel)
    site = tmp_path / "my site"
    run(venv / "bin/sitegen", "new", site, "--title", 'Ann\'s "ML" notes')
    result = run(venv / "bin/sitegen", "build", site, "--strict", "--no-progress")
    assert "Built 2 pages" in result.stderr
    out = site / "_site"
    home = (out / "index.html").read_text()
    assert "<title>Ann&#39;s &#34;ML&#34; notes</title>" in home
    assert 'href="getting-started/"' in home
    assert (out / "getting-started/index.html").is_file()
    assert any(out.glob("assets/style-*.css")) and any(out.glob("assets/page-*.js"))
