"""The browser's layer-list rules (js/lib/layer-list.js) agree with Python's (models/layers.py).

Both read the table of sitegen/tables.py. Every layer list in the repository (the example
site's JSON files and every literal list or layer object in the tests) is run through
both, against inputs it fits and inputs it does not, and compared layer by layer: the
filled-in fields, the shapes and parameter counts, or the error message.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from sitegen.errors import ModelError
from sitegen.models.layers import infer_shapes, parse_layer_list
from sitegen.paths import JS_DIR
from sitegen.tables import browser_tables_json

ROOT = Path(__file__).resolve().parent.parent
#: (input shape, number of classes or None): a fit, another size, one too small to pool, no class check
INPUTS = [([28, 28, 1], 10), ([32, 32, 1], 24), ([3, 3, 1], 3), ([28, 28, 1], None), ([5, 5, 3], 3)]

RUN_IN_NODE = """
import {parseLayerList, inferShapes} from %s;
import {readFileSync} from 'node:fs';
const cases = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const results = cases.map(({layers, shape, classes}) => {
  try {
    const rows = inferShapes(parseLayerList(layers), shape, classes);
    return {rows: rows.map((r) => ({name: r.spec.name, params: r.spec.params, input: r.inputShape,
      output: r.outputShape, count: r.params}))};
  } catch (e) {
    return {error: e.message};
  }
});
console.log(JSON.stringify(results));
"""


def is_layer(value) -> bool:
    return isinstance(value, dict) and "layerName" in value


def repository_layer_lists() -> dict[str, list]:
    """name -> layer list: JSON files of the example site and tests, and literals in the tests."""
    found: dict[str, list] = {}
    for path in sorted([*(ROOT / "content").rglob("*.json"), *(ROOT / "tests").rglob("*.json")]):
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, list) and data and all(is_layer(e) for e in data):
            found[path.relative_to(ROOT).as_posix()] = data
    for path in sorted((ROOT / "tests").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        in_lists: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.List) and node.elts:
                try:
                    value = ast.literal_eval(node)
                except ValueError:
                    continue
                if all(is_layer(e) for e in value):
                    found[f"{path.relative_to(ROOT).as_posix()}:{node.lineno}"] = value
                    in_lists.update(id(e) for e in node.elts)
        for node in ast.walk(tree):  # single layer objects, e.g. the bad entries of a parametrize
            if isinstance(node, ast.Dict) and id(node) not in in_lists:
                try:
                    value = ast.literal_eval(node)
                except ValueError:
                    continue
                if is_layer(value):
                    found[f"{path.relative_to(ROOT).as_posix()}:{node.lineno}:{node.col_offset}"] = [value]
    return found


def python_result(layers, shape, classes) -> dict:
    try:
        rows = infer_shapes(parse_layer_list(layers), shape, classes)
    except ModelError as e:
        return {"error": e.message}
    return {"rows": [{"name": r.spec.name, "params": r.spec.params, "input": list(r.input_shape),
                      "output": list(r.output_shape), "count": r.params} for r in rows]}


@pytest.fixture(scope="module")
def layer_list_module(tmp_path_factory, npm_available) -> Path:
    """js/lib/layer-list.js bundled by sitegen's own esbuild script, with the shared tables."""
    import io

    from rich.console import Console

    from sitegen.assets import BUILD_SCRIPT, ensure_node_modules
    from sitegen.context import BuildContext

    ctx = BuildContext(config=None, cache_dir=Path("."), console=Console(file=io.StringIO()), progress=False)
    node_modules = ensure_node_modules(ctx)
    out = tmp_path_factory.mktemp("layer-list")
    (out / "tables.json").write_bytes(browser_tables_json())
    (out / "settings.json").write_text(json.dumps({
        "entryPoints": [str(JS_DIR / "lib" / "layer-list.js")], "outdir": str(out / "files"), "outbase": str(JS_DIR),
        "metafile": str(out / "meta.json"), "nodePaths": [str(node_modules)], "tables": str(out / "tables.json")}))
    subprocess.run([shutil.which("node"), str(BUILD_SCRIPT), str(out / "settings.json")], check=True)
    (module,) = (out / "files" / "lib").glob("layer-list-*.js")
    return module


def test_every_layer_list_means_the_same_in_the_browser(layer_list_module, tmp_path):
    lists = repository_layer_lists()
    assert "content/models/mnist-conv.json" in lists and len(lists) >= 20, sorted(lists)
    cases = [{"name": name, "layers": layers, "shape": shape, "classes": classes}
             for name, layers in lists.items() for shape, classes in INPUTS]
    (tmp_path / "cases.json").write_text(json.dumps(cases))
    runner = tmp_path / "run.mjs"
    runner.write_text(RUN_IN_NODE % json.dumps(layer_list_module.as_uri()))
    out = subprocess.run([shutil.which("node"), str(runner), str(tmp_path / "cases.json")], capture_output=True,
                         text=True, check=True)
    browser = json.loads(out.stdout)
    errors = 0
    for case, js in zip(cases, browser):
        python = python_result(case["layers"], case["shape"], case["classes"])
        assert js == python, f"{case['name']} on {case['shape']} / {case['classes']} classes"
        errors += "error" in python
    # both kinds of outcome are compared, not only the happy path
    assert 0.2 * len(cases) < errors < 0.9 * len(cases), errors
