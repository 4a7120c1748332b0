"""Phase 5: bundle tfjs, tfjs-vis and the widget code with esbuild; fingerprint the theme's files.

The npm packages are pinned by package.json + package-lock.json (shipped inside the wheel)
and installed with ``npm ci`` on demand as a cached artifact (sitegen.artifacts) keyed by
the lock file, so a new site, a CI run or a fresh clone pays for the install once. The
bundles are artifacts too, keyed by the lock file, every JS source and the shared tables.

esbuild runs with code splitting: every entry (the tfjs module, the tfjs-vis module, the
page loader and one module per widget) imports the same chunks, so a page holds ONE tfjs
instance however many widgets it has, and pages without tfjs-vis never download it. The wasm
backend's binaries come out of the same build (esbuild's file loader, content-hashed names),
so they are served from assets/ like every chunk (sitegen/js/lib/wasm-backend.js finds them).

The prediction worker (the draw widget's model, and with it the draw page's only tfjs) is
bundled twice: on its own with only the kernels of js/predict-kernels.mjs registered (the
default, ``workers/predict.js``), and in the shared build with all of tfjs
(``workers/predict-all-kernels.js``), which lib/predictor.js starts instead for a model that
needs a kernel the small one leaves out (see js/build.mjs).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from .artifacts import ArtifactStore, InputHashes, artifact_key
from .context import BuildContext, FileSource
from .errors import SitegenError
from .fonts import WebFonts
from .paths import NPM_DIR, JS_DIR, theme_dir, user_cache_dir
from .tables import browser_tables_json

#: esbuild entry points, relative to sitegen/js/; their outputs are named by these keys.
ENTRY_POINTS = ("tfjs.js", "tfjs-vis.js", "page.js", "xz.js")
WIDGET_DIR = "widgets"
WORKER_DIR = "workers"  # module workers, e.g. the draw widget's predictions
#: stable (not fingerprinted) module names that re-export a fingerprinted entry: data.js
#: files and authors' own scripts import these. They live outside assets/ because
#: everything under assets/ is cached as immutable.
STABLE_ALIASES = {"js/tfjs.js": "tfjs.js", "js/tfjs-vis.js": "tfjs-vis.js", "js/xz.js": "xz.js"}
BUILD_SCRIPT = JS_DIR / "build.mjs"  # esbuild settings and the CSP-safe styles plugin
PREDICT_WORKER = "workers/predict.js"  # also bundled on its own, with only the kernels its models need
#: the shared build's bundle of PREDICT_WORKER (all of tfjs): lib/predictor.js' fallback
PREDICT_WORKER_ALL_KERNELS = "workers/predict-all-kernels.js"


@dataclass
class Assets:
    """Output-relative URLs of the bundles and styles, by logical name ('page.js', 'style.css')."""

    urls: dict[str, str] = field(default_factory=dict)
    files: dict[str, FileSource] = field(default_factory=dict)
    fonts: WebFonts = field(default_factory=WebFonts)


def js_sources() -> list[Path]:
    return sorted(p for p in JS_DIR.rglob("*") if p.is_file() and p.suffix in (".js", ".mjs", ".css", ".json"))


def entry_points() -> list[str]:
    modules = sorted(p.relative_to(JS_DIR).as_posix()
                     for folder in (WIDGET_DIR, WORKER_DIR) for p in (JS_DIR / folder).glob("*.js"))
    return [*ENTRY_POINTS, *modules]


def ensure_node_modules(ctx: BuildContext) -> Path:
    """The pinned npm packages, installed with ``npm ci`` into a cached artifact keyed by the
    lock file; returns its node_modules."""
    lock = (NPM_DIR / "package-lock.json").read_bytes()
    store = ArtifactStore(user_cache_dir() / "npm")
    key = artifact_key(lock=hashlib.sha256(lock).hexdigest())

    def install(folder: Path) -> None:
        npm = shutil.which("npm")
        if npm is None:
            raise SitegenError("npm was not found: sitegen bundles TensorFlow.js with npm packages. Install "
                               "Node.js 18+ and npm (Debian/Ubuntu: apt-get install nodejs npm; macOS: brew "
                               "install node), then run the build again")
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(NPM_DIR / name, folder / name)
        ctx.info(f"Installing the pinned npm packages (tfjs, tfjs-vis, esbuild) into {store.root} …")
        result = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=folder,
                                capture_output=True, text=True)
        if result.returncode != 0:
            tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["(no output)"]
            raise SitegenError(f"npm ci failed in {folder}: {tail[0]}")

    folder, _ = store.get("packages", key, install)
    return folder / "node_modules"


def bundle(ctx: BuildContext) -> tuple[Path, dict]:
    """The esbuild output as a cached artifact keyed by the lock file, every JS source and the
    shared tables; returns its folder and the name->file map."""
    lock = (NPM_DIR / "package-lock.json").read_bytes()
    tables = browser_tables_json()
    with InputHashes(user_cache_dir() / "input-hashes.json") as hashes:
        sources = {p.relative_to(JS_DIR).as_posix(): hashes.file(p) for p in js_sources()}
    key = artifact_key(lock=hashlib.sha256(lock).hexdigest(), sources=sources,
                       tables=hashlib.sha256(tables).hexdigest())
    store = ArtifactStore(user_cache_dir() / "bundles")
    folder, _ = store.get("bundle", key, lambda staging: run_esbuild(ctx, staging, tables))
    return folder, json.loads((folder / "entries.json").read_text())


def run_esbuild(ctx: BuildContext, out: Path, tables: bytes) -> None:
    """Bundle every entry point into ``out/files`` and write ``out/entries.json`` (name -> file).

    esbuild's content hashes depend on the paths of the inputs relative to its working
    directory, so the build runs in ``out`` over a copy of the sources (``src/``) and a link
    to the packages (``node_modules/``, kept as a link): the same sources give the same file
    names wherever sitegen, its cache or the site live."""
    node_modules = ensure_node_modules(ctx)
    entries = entry_points()
    shutil.copytree(JS_DIR, out / "src", ignore=shutil.ignore_patterns("__pycache__"))
    (out / "node_modules").symlink_to(node_modules, target_is_directory=True)
    meta = out / "meta.json"
    predict_meta = out / "predict-meta.json"
    settings = out / "settings.json"
    tables_file = out / "tables.json"
    tables_file.write_bytes(tables)
    settings.write_text(json.dumps({
        "workingDir": str(out), "sourceDir": "src", "entryPoints": [f"src/{e}" for e in entries],
        "outdir": "files", "outbase": "src", "metafile": str(meta), "nodePaths": ["node_modules"],
        "tables": "tables.json",
        "predict": {"entryPoints": [f"src/{PREDICT_WORKER}"], "metafile": str(predict_meta)},
    }))
    node = shutil.which("node")
    if node is None:
        raise SitegenError("node was not found: install Node.js 18+ (it comes with npm)")
    ctx.info(f"Bundling {len(entries)} browser modules with esbuild …")
    result = subprocess.run([node, str(BUILD_SCRIPT), str(settings)], capture_output=True, text=True)
    if result.returncode != 0:
        raise SitegenError(f"esbuild failed: {(result.stderr or result.stdout).strip()}")
    names: dict[str, str] = {}
    outputs = json.loads(meta.read_text())["outputs"]  # paths relative to the working directory
    for out_path, info in outputs.items():
        rel = out_path.removeprefix("files/")
        entry = info.get("entryPoint", "")
        if entry == f"src/{PREDICT_WORKER}":
            names[PREDICT_WORKER_ALL_KERNELS] = rel
        elif entry.startswith("src/"):
            names[entry.removeprefix("src/")] = rel
        else:  # chunks, and the targets of dynamic import('@tensorflow/tfjs')
            names[f"file:{rel}"] = rel
    for out_path, info in json.loads(predict_meta.read_text())["outputs"].items():
        rel = out_path.removeprefix("files/")
        if info.get("entryPoint") == f"src/{PREDICT_WORKER}":
            names[PREDICT_WORKER] = rel
        else:  # its chunks, lazy ones (the wasm backend) included
            names[f"file:{rel}"] = rel
    for scratch in (meta, predict_meta, settings, tables_file, out / "node_modules"):
        scratch.unlink()
    shutil.rmtree(out / "src")
    (out / "entries.json").write_text(json.dumps(names, indent=1, sort_keys=True))


def fingerprint(name: str, data: bytes) -> str:
    stem, dot, ext = name.rpartition(".")
    return f"{stem}-{hashlib.sha256(data).hexdigest()[:10]}.{ext}" if dot else f"{name}-{hashlib.sha256(data).hexdigest()[:10]}"


def build_assets(ctx: BuildContext, fonts: WebFonts) -> Assets:
    assets = Assets()
    folder, names = bundle(ctx)
    for logical, rel in names.items():
        path = f"assets/{rel}"
        assets.files[path] = folder / "files" / rel
        if not logical.startswith("file:"):
            assets.urls[logical] = path
    for alias, logical in STABLE_ALIASES.items():
        target = assets.urls[logical].removeprefix("assets/")
        assets.files[alias] = f"export * from '../assets/{target}';\n".encode()
    # The accent colour from sitegen.toml and the web fonts, as a stylesheet: the CSP allows
    # no inline styles.
    theme_css = (f":root{{--sg-accent:{ctx.config.theme.accent}}}\n" + fonts.css).encode()
    assets.files.update(fonts.files)
    assets.fonts = fonts
    assets.files[f"assets/{fingerprint('theme.css', theme_css)}"] = theme_css
    assets.urls["theme.css"] = f"assets/{fingerprint('theme.css', theme_css)}"
    for static in _theme_static_files(ctx):
        data = static.read_bytes()
        name = static.name
        path = f"assets/{fingerprint(name, data)}"
        assets.files[path] = static
        assets.urls[name] = path
    return assets


def _theme_static_files(ctx: BuildContext) -> list[Path]:
    """The theme's static/ files, with a site's own templates/static/ files replacing them by name."""
    found: dict[str, Path] = {}
    for folder in (theme_dir() / "static", ctx.config.templates_dir / "static"):
        if folder.is_dir():
            for p in sorted(folder.iterdir()):
                if p.is_file():
                    found[p.name] = p
    return list(found.values())
