"""netlify.toml: the deploy keeps exactly the folders where sitegen caches its work, and sends the
Content-Security-Policy the dev server and the browser tests send."""

from __future__ import annotations

import json
import shutil
import subprocess
import tomllib
from pathlib import Path

from conftest import skip_unless_ci

from sitegen.config import load_config
from sitegen.serve import CSP

ROOT = Path(__file__).resolve().parent.parent
NETLIFY = tomllib.loads((ROOT / "netlify.toml").read_text(encoding="utf-8"))

RUN_PLUGIN = """
const plugin = require(%s);
const calls = [];
const utils = {cache: {restore: async (p) => calls.push(['restore', p]), save: async (p) => calls.push(['save', p])}};
const inputs = %s;
(async () => {
  await plugin.onPreBuild({inputs, utils});
  await plugin.onPostBuild({inputs, utils});
  console.log(JSON.stringify(calls));
})();
"""


def test_cached_folders_are_the_ones_sitegen_writes():
    (plugin,) = [p for p in NETLIFY["plugins"] if p["package"] == "./netlify/sitegen-cache"]
    paths = plugin["inputs"]["paths"]
    site_cache = load_config(ROOT / "content")[0].cache_dir.relative_to(ROOT).as_posix()
    user_cache = NETLIFY["build"]["environment"]["SITEGEN_CACHE"]
    assert sorted(paths) == sorted([site_cache, user_cache])
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert f"{user_cache}/" in ignored and f"{Path(site_cache).name}/" in ignored


def test_plugin_restores_before_and_saves_after_the_build():
    if shutil.which("node") is None:
        skip_unless_ci("node is missing")
    plugin = next(p for p in NETLIFY["plugins"] if p["package"] == "./netlify/sitegen-cache")
    script = RUN_PLUGIN % (json.dumps(str(ROOT / "netlify" / "sitegen-cache" / "index.js")),
                           json.dumps(plugin["inputs"]))
    out = subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True)
    paths = plugin["inputs"]["paths"]
    assert json.loads(out.stdout) == [["restore", paths], ["save", paths]]
    manifest = (ROOT / "netlify" / "sitegen-cache" / "manifest.yml").read_text()
    assert "name: sitegen-cache" in manifest and "- name: paths" in manifest


def test_pages_get_the_dev_servers_policy_which_compiles_wasm_but_never_evals():
    (site_headers,) = [h["values"] for h in NETLIFY["headers"] if h["for"] == "/*"]
    policy = site_headers["Content-Security-Policy"]
    assert policy == CSP
    script_src = next(d.split()[1:] for d in policy.split(";") if d.split()[0] == "script-src")
    assert script_src == ["'self'", "'wasm-unsafe-eval'"]  # never 'unsafe-eval' nor 'unsafe-inline'
