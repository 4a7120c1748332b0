"""Where sitegen finds its own files, in a source checkout and in an installed wheel.

The wheel carries the theme, the npm lock files and the scaffold inside the package
(see pyproject.toml); a checkout keeps them at the top of the repository.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
JS_DIR = PACKAGE_DIR / "js"
SCAFFOLD_DIR = PACKAGE_DIR / "scaffold"


def _packaged_or_repo(packaged: str, repo: str) -> Path:
    inside = PACKAGE_DIR / packaged
    return inside if inside.exists() else REPO_DIR / repo


NPM_DIR = _packaged_or_repo("_npm", ".")


def theme_dir() -> Path:
    """The default theme (templates/): inside the wheel, or the checkout's top-level folder."""
    return _packaged_or_repo("templates", "templates")


def user_cache_dir() -> Path:
    """Per-user cache shared by all sites: npm packages, bundles, downloads."""
    explicit = os.environ.get("SITEGEN_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "sitegen"
