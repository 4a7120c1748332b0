"""The example site (content/): its config loads cleanly, every page of issue 6 exists and its
demo blocks validate, the code a reader copies parses, and the authoring guide's option tables
match the options the code defines. Nothing here trains or builds: that is `make build`."""

from __future__ import annotations

import ast
import json
import re
import tomllib
from pathlib import Path

import pytest
import yaml

from sitegen.config import SiteConfig, ThemeConfig, load_config
from sitegen.config.pages import PageMeta
from sitegen.content import collect_pages
from sitegen.markdown_html import render_markdown
from sitegen.config.datasets import DatasetConfig
from sitegen.datasets.sources.image_folder import list_images
from sitegen.config.demos import DEMO_KINDS
from sitegen.errors import ModelError
from sitegen.config.models import ModelConfig
from sitegen.models.layers import infer_shapes, read_layer_list

SITE = Path(__file__).resolve().parents[1] / "content"

#: page path -> the demos issue 6 asks of it: (kind, {option: value, ...}) each
REQUIRED_PAGES = {
    "": [],
    "mnist-cnn": [("train", {"dataset": "mnist"}), ("explore", {"dataset": "mnist"})],
    "keras-to-web": [("draw", {"model": "keras-cnn"})],
    "quick-draw": [("draw", {"model": "quickdraw-cnn", "top_k": 5})],
    "emnist": [("explore", {"dataset": "emnist", "model": "emnist-dense"})],
    "runes": [("model-builder", {"dataset": "runes"}), ("draw", {"model": "runes-cnn"})],
    "hanzi": [("train", {"dataset": "hanzi"}), ("explore", {"dataset": "hanzi", "model": "hanzi-cnn"}),
              ("draw", {"model": "hanzi-cnn", "top_k": 5})],
    "authoring": [],
}


@pytest.fixture(scope="module")
def site():
    config, warnings = load_config(SITE)
    return config, warnings


@pytest.fixture(scope="module")
def pages(site):
    config, _ = site
    warnings: list[str] = []
    collected = collect_pages(config, warnings.append)
    assert warnings == []
    return {page.path: page for page in collected}


def test_config_loads_without_warnings(site):
    config, warnings = site
    assert warnings == []
    assert config.content_dir == SITE / "pages"
    assert set(config.datasets) == {"mnist", "mnist-full", "quickdraw", "emnist", "runes", "hanzi"}
    assert {name: m.dataset for name, m in config.models.items()} == {
        "mnist-cnn": "mnist", "keras-cnn": "mnist", "quickdraw-cnn": "quickdraw",
        "emnist-dense": "emnist", "runes-cnn": "runes", "hanzi-cnn": "hanzi"}


def test_data_that_must_build_offline_is_local(site):
    """Only the url data sets may be missing on a fresh offline machine; the rest ship
    with the repository (runes) or with an installed package (the MNIST sample)."""
    config, _ = site
    kinds = {name: d.source for name, d in config.datasets.items()}
    assert kinds == {"mnist": "sample", "mnist-full": "url", "quickdraw": "url", "emnist": "url", "runes": "image-folder",
                     "hanzi": "image-folder"}
    assert config.datasets["quickdraw"].source_options.format == "npy"
    emnist = config.datasets["emnist"]
    idx = emnist.source_options.variant
    assert (emnist.source_options.format, idx.transpose, idx.label_offset) == ("idx", True, 1)
    # NIST's archive: the letters' mapping file names the 26 classes
    assert emnist.classes is None and idx.mapping == "gzip/emnist-letters-mapping.txt"
    assert config.datasets["runes"].source_options.path.is_dir()


def test_builders_name_functions_that_exist(site):
    config, _ = site
    for name, model in config.models.items():
        if model.builder is None:
            continue
        tree = ast.parse(model.builder_path.read_text(encoding="utf-8"))
        functions = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
        assert model.builder_function in functions, f"{name}: {model.builder}"


def test_layer_lists_end_in_one_unit_per_class(site):
    """The rune configs came from a tutorial with 90 classes; the shipped data has 24."""
    config, _ = site
    runes = config.datasets["runes"]
    rune_classes = sorted({label for _, label in list_images(runes.source_options, runes.source_options.path)})
    assert len(rune_classes) == 24
    for dataset, input_shape, num_classes in (("runes", (32, 32, 1), len(rune_classes)),
                                               ("mnist", (28, 28, 1), 10)):
        for title, path in config.datasets[dataset].model_configs.items():
            shapes = infer_shapes(read_layer_list(path), input_shape, num_classes, where=path)
            assert tuple(shapes[-1].output_shape) == (num_classes,), title
    with pytest.raises(ModelError, match="24"):
        infer_shapes(read_layer_list(config.datasets["runes"].model_configs["Convolutional"]),
                     (32, 32, 1), 90)


def test_every_page_of_issue_6_exists_with_front_matter(pages):
    assert set(REQUIRED_PAGES) <= set(pages)
    for path in REQUIRED_PAGES:
        meta = pages[path].meta
        assert meta.title and meta.description, path
        assert "order" in meta.raw or path == "", f"{path}: no order in the front matter"
    tutorials = [p for p in pages.values() if not p.is_home and p.path != "authoring"]
    assert [p.path for p in sorted(tutorials, key=lambda p: p.meta.order)] == [
        "mnist-cnn", "keras-to-web", "quick-draw", "emnist", "runes", "hanzi"]
    assert pages["authoring"].meta.title == "Write your own tutorial"


@pytest.mark.parametrize("path", [p for p, demos in REQUIRED_PAGES.items() if demos])
def test_pages_have_the_demos_issue_6_asks_for(pages, path):
    demos = [block.as_dict() for block in pages[path].demos]
    for kind, wanted in REQUIRED_PAGES[path]:
        assert any(d["kind"] == kind and all(d[k] == v for k, v in wanted.items()) for d in demos), \
            f"{path}: no {kind} demo with {wanted} (has {demos})"


def test_train_and_builder_demos_start_from_existing_model_configs(site, pages):
    config, _ = site
    for page in pages.values():
        for block in page.demos:
            if block.kind in ("train", "model-builder") and block.options.model:
                assert block.options.model in config.datasets[block.options.dataset].model_configs, page.path


def _fenced_blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", text, re.S | re.M)


def test_code_a_reader_copies_parses(pages):
    for page in pages.values():
        text = page.source.read_text(encoding="utf-8")
        for block in _fenced_blocks(text, "toml"):
            tomllib.loads(block)
        for block in _fenced_blocks(text, "json"):
            json.loads(block.replace('"..."', '"x"'))
        for block in _fenced_blocks(text, "python"):
            ast.parse(block)


def test_toml_snippets_match_the_site_config(pages):
    """A [datasets.x] or [models.x] snippet that names a table of the example site shows
    that table's real values (the Quick Draw snippet elides urls)."""
    declared = tomllib.loads((SITE / "sitegen.toml").read_text(encoding="utf-8"))
    for page in pages.values():
        if page.path == "authoring":
            continue  # its snippets describe other, imaginary sites
        for block in _fenced_blocks(page.source.read_text(encoding="utf-8"), "toml"):
            for section, tables in tomllib.loads(block).items():
                for name, table in tables.items():
                    real = declared[section][name]
                    for key, value in table.items():
                        if key == "url" and len(value) < len(real[key]):
                            assert set(value) <= set(real[key])
                        else:
                            assert real[key] == value, f"{page.path}: {section}.{name}.{key}"


def test_links_to_sections_point_at_headings(pages):
    ids = {path: {token["id"] for token in _walk(render_markdown(page).toc_tokens)} for path, page in pages.items()}
    for page in pages.values():
        for target, fragment in re.findall(r"\]\(([a-z0-9-]+)\.md#([^)]+)\)", page.source.read_text("utf-8")):
            assert fragment in ids[target], f"{page.path}: link to {target}.md#{fragment}"


def _walk(tokens):
    for token in tokens:
        yield token
        yield from _walk(token["children"])


def _guide_tables(text: str) -> dict[str, dict[str, str]]:
    """Tables of the guide: their title (the heading above, or the first column's header
    when it is not "Key") -> {key: default cell}."""
    tables: dict[str, dict[str, str]] = {}
    heading, rows, title, in_code = "", None, "", False
    for line in text.splitlines() + [""]:
        if line.startswith("```"):
            in_code = not in_code
        if line.startswith("#") and not in_code:
            heading = line.strip("# ")
        if line.startswith("| "):
            cells = [cell.strip() for cell in line.split("|")[1:-1]]
            if rows is None:
                rows, title = {}, (heading if cells[0] == "Key" else cells[0])
            elif not cells[0].startswith("---"):
                rows[cells[0].strip("`")] = cells[1]
        elif rows is not None:
            tables[title] = rows
            rows = None
    return tables


DEMO_HEADINGS = {"train": "`train`: train a model in the page", "draw": "`draw`: draw and get a prediction",
                 "explore": "`explore`: browse a data set",
                 "model-builder": "`model-builder`: design and train networks"}


def _guide_schemas():
    schemas = {"Write a page": PageMeta, "Every data set option": DatasetConfig, "Declare models": ModelConfig,
               "Site settings": SiteConfig, "`[theme]` key": ThemeConfig}
    schemas.update({DEMO_HEADINGS[kind]: schema for kind, schema in DEMO_KINDS.items()})
    return schemas


def test_authoring_guide_lists_every_option(pages):
    tables = _guide_tables(pages["authoring"].source.read_text(encoding="utf-8"))
    for title, schema in _guide_schemas().items():
        assert title in tables, f"no table under '{title}' (tables: {list(tables)})"
        documented = set(tables[title])
        options = set(schema.all_options()) - ({"kind", "title"} if schema in DEMO_KINDS.values() else set())
        assert documented == options, f"{title}: missing {options - documented}, unknown {documented - options}"


def test_authoring_guide_defaults_match_the_code(pages):
    """Every default written as a plain literal (`3`, `"adam"`, `false`) is the option's default;
    "required" marks exactly the options without one."""
    tables = _guide_tables(pages["authoring"].source.read_text(encoding="utf-8"))
    checked = 0
    for title, schema in _guide_schemas().items():
        for key, default in tables[title].items():
            option = schema.all_options()[key]
            assert (default == "required") == option.required, f"{title}: {key}"
            if re.fullmatch(r"`[^`]*`", default) and key != "pattern":
                assert yaml.safe_load(default.strip("`")) == option.default, f"{title}: {key} is {default}"
                checked += 1
    assert checked > 40
