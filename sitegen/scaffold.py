"""``sitegen new``: copy the starter site that ships inside the package."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from .errors import SitegenError
from .paths import SCAFFOLD_DIR


def create_site(directory: Path, title: str) -> None:
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise SitegenError("folder exists and is not empty; pick a new folder", where=directory)
    shutil.copytree(SCAFFOLD_DIR, directory, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__"))
    for path in directory.rglob("*"):
        if path.is_file() and path.suffix in (".toml", ".md"):
            text = path.read_text(encoding="utf-8")
            # A JSON string is a valid TOML basic string and a valid YAML scalar.
            path.write_text(text.replace("__TITLE__", json.dumps(title, ensure_ascii=False)), encoding="utf-8")
