"""Phase 5: bundle tfjs, tfjs-vis and the widget code with esbuild; fingerprint the theme's files.

The npm packages are pinned by package.json + package-lock.json (shipped inside the wheel)
and installed with ``npm ci`` on demand into a cache folder keyed by the lock file, so a
new site, a CI run or a fresh clone pays for the install once. The bundles are cached the
same way, keyed by the lock file and every JS source.

esbuild runs with code splitting: every entry (the tfjs module, the tfjs-vis module, the
page loader and one module per widget) imports the same chunks, so a page holds ONE tfjs
instance however many widgets it has, and pages without tfjs-vis never download it.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .context import BuildContext, FileSource
from .errors import SitegenError
from .paths import NPM_DIR, JS_DIR, theme_dir, user_cache_dir

#: esbuild entry points, relative to sitegen/js/; their outputs are named by these keys.
ENTRY_POINTS = ("tfjs.js", "tfjs-vis.js", "page.js")
WIDGET_DIR = "widgets"
WORKER_DIR = "workers"  # module workers, e.g. the draw widget's predictions
#: stable (not fingerprinted) module names that re-export a fingerprinted entry: data.js
#: files and authors' own scripts import these. They live outside assets/ because
#: everything under assets/ is cached as immutable.
STABLE_ALIASES = {"js/tfjs.js": "tfjs.js", "js/tfjs-vis.js": "tfjs-vis.js"}
BUILD_SCRIPT = JS_DIR / "build.mjs"  # esbuild settings and the CSP-safe styles plugin


@dataclass
class Assets:
    """Output-relative URLs of the bundles and styles, by logical name ('page.js', 'style.css')."""

    urls: dict[str, str] = field(default_factory=dict)
    files: dict[str, FileSource] = field(default_factory=dict)


def digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()


def js_sources() -> list[Path]:
    return sorted(p for p in JS_DIR.rglob("*") if p.is_file() and p.suffix in (".js", ".mjs", ".css", ".json"))


def entry_points() -> list[str]:
    modules = sorted(p.relative_to(JS_DIR).as_posix()
                     for folder in (WIDGET_DIR, WORKER_DIR) for p in (JS_DIR / folder).glob("*.js"))
    return [*ENTRY_POINTS, *modules]


def ensure_node_modules(ctx: BuildContext) -> Path:
    """``npm ci`` into a cache folder keyed by the lock file; returns its node_modules."""
    lock = (NPM_DIR / "package-lock.json").read_bytes()
    folder = user_cache_dir() / "npm" / digest(lock)[:16]
    node_modules = folder / "node_modules"
    if (folder / ".complete").exists():
        return node_modules
    npm = shutil.which("npm")
    if npm is None:
        raise SitegenError("npm was not found: sitegen bundles TensorFlow.js with npm packages. Install Node.js 18+ "
                           "and npm (Debian/Ubuntu: apt-get install nodejs npm; macOS: brew install node), "
                           "then run the build again")
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder.with_suffix(".lock"), "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)  # another build may be installing the same packages
        if (folder / ".complete").exists():
            return node_modules
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(NPM_DIR / name, folder / name)
        ctx.info(f"Installing the pinned npm packages (tfjs, tfjs-vis, esbuild) into {folder} …")
        result = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=folder,
                                capture_output=True, text=True)
        if result.returncode != 0:
            tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["(no output)"]
            raise SitegenError(f"npm ci failed in {folder}: {tail[0]}")
        (folder / ".complete").write_text("ok\n")
    return node_modules


def bundle(ctx: BuildContext) -> tuple[Path, dict]:
    """Run esbuild (or reuse a cached bundle); returns the folder and the name->file map."""
    lock = (NPM_DIR / "package-lock.json").read_bytes()
    sources = js_sources()
    key = digest(lock, *(p.relative_to(JS_DIR).as_posix().encode() + b"\0" + p.read_bytes() for p in sources))[:20]
    out = user_cache_dir() / "bundles" / key
    names_file = out / "entries.json"
    if names_file.exists():
        return out, json.loads(names_file.read_text())
    node_modules = ensure_node_modules(ctx)
    # A private staging folder, renamed into place: builds running side by side (a test run
    # and `sitegen serve`) may bundle the same sources at the same time.
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{key}.", dir=out.parent))
    entries = entry_points()
    meta = staging / "meta.json"
    settings = staging / "settings.json"
    settings.write_text(json.dumps({
        "entryPoints": [str(JS_DIR / e) for e in entries], "outdir": str(staging / "files"),
        "outbase": str(JS_DIR), "metafile": str(meta), "nodePaths": [str(node_modules)],
    }))
    node = shutil.which("node")
    if node is None:
        raise SitegenError("node was not found: install Node.js 18+ (it comes with npm)")
    ctx.info(f"Bundling {len(entries)} browser modules with esbuild …")
    result = subprocess.run([node, str(BUILD_SCRIPT), str(settings)], capture_output=True, text=True)
    if result.returncode != 0:
        raise SitegenError(f"esbuild failed: {(result.stderr or result.stdout).strip()}")
    outputs = json.loads(meta.read_text())["outputs"]
    names: dict[str, str] = {}
    for out_path, info in outputs.items():
        rel = Path(out_path).resolve().relative_to((staging / "files").resolve()).as_posix()
        entry = info.get("entryPoint")
        source = Path(entry).resolve() if entry else None
        if source and source.is_relative_to(JS_DIR.resolve()):
            names[source.relative_to(JS_DIR.resolve()).as_posix()] = rel
        else:  # chunks, and the targets of dynamic import('@tensorflow/tfjs')
            names[f"file:{rel}"] = rel
    meta.unlink()
    settings.unlink()
    (staging / "entries.json").write_text(json.dumps(names, indent=1, sort_keys=True))
    try:
        staging.rename(out)
    except OSError:  # another build finished the same bundle first: use that one
        shutil.rmtree(staging, ignore_errors=True)
    return out, names


def fingerprint(name: str, data: bytes) -> str:
    stem, dot, ext = name.rpartition(".")
    return f"{stem}-{hashlib.sha256(data).hexdigest()[:10]}.{ext}" if dot else f"{name}-{hashlib.sha256(data).hexdigest()[:10]}"


def build_assets(ctx: BuildContext) -> Assets:
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
    # The accent colour from sitegen.toml, as a stylesheet: the CSP allows no inline styles.
    theme_css = f":root{{--sg-accent:{ctx.config.theme.accent}}}\n".encode()
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
