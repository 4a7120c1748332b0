"""Cached artifacts: the one mechanism behind built data sets, models, bundles and npm installs.

An artifact is a folder named ``<name>-<key>`` under a store's root, where ``key`` is a hash
of everything that changes its bytes (and nothing else: titles and descriptions are added
when a page is rendered, never cached). Getting one is:

    hit   the folder exists: it is complete, because it only ever appears by a rename;
    miss  under the store's lock for that name, build into a unique staging folder, rename it
          into place, and remove the name's stale folders (other keys) and leftover staging.

The lock (the `filelock` package) makes two builds that want the same artifact at once
build it once: the second waits, then finds it. A build that fails or is interrupted
removes its staging folder; one killed outright leaves a staging folder that the next
build of that name removes.

`InputHashes` gives the content hash of input files, remembered per file by size and
mtime, so an unchanged input is only stat()ed (like git's index).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

from filelock import FileLock

KEY_LENGTH = 16


def file_chunks(path: Path, size: int = 1 << 20) -> Iterator[bytes]:
    """A file's bytes, a chunk at a time."""
    with open(path, "rb") as f:
        while chunk := f.read(size):
            yield chunk


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    for chunk in file_chunks(path):
        digest.update(chunk)
    return digest.hexdigest()


def artifact_key(**parts: Any) -> str:
    """Hex sha256 of JSON-ready ``parts`` (format version, options, input hashes, ...)."""
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@contextmanager
def staged_folder(target: Path) -> Iterator[Path]:
    """A fresh folder beside ``target`` to fill; when the block ends without error it takes
    ``target``'s place (an existing ``target`` is swapped out, then removed). On any error,
    Ctrl-C included, the staging folder is removed and ``target`` is left as it was."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    try:
        yield staging
        os.chmod(staging, 0o755)  # mkdtemp makes it private; artifacts and sites are not
        swap_in(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def swap_in(staging: Path, target: Path, attempts: int = 100) -> None:
    """Rename ``staging`` to ``target``, moving an existing ``target`` aside first. Another
    process may swap in its own ``target`` at the same moment (two builds writing one site):
    then the rename finds the place taken, and the swap is tried again; the last one wins."""
    retired = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    try:
        for _ in range(attempts):
            try:
                target.rename(retired / target.name)
            except FileNotFoundError:
                pass  # nothing there (yet, or moved aside by the other process)
            except OSError:  # the previous attempt's copy is still in retired/
                shutil.rmtree(retired / target.name, ignore_errors=True)
                continue
            try:
                staging.rename(target)
                return
            except OSError:  # taken again in between
                shutil.rmtree(retired / target.name, ignore_errors=True)
        raise OSError(f"could not replace {target}: another process keeps replacing it")
    finally:
        shutil.rmtree(retired, ignore_errors=True)


class ArtifactStore:
    """A folder of cached artifacts, ``<root>/<name>-<key[:16]>/``."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def folder(self, name: str, key: str) -> Path:
        return self.root / f"{name}-{key[:KEY_LENGTH]}"

    def lookup(self, name: str, key: str) -> Path | None:
        folder = self.folder(name, key)
        return folder if folder.is_dir() else None

    def get(self, name: str, key: str, build: Callable[[Path], None], *, rebuild: bool = False) -> tuple[Path, bool]:
        """(folder, built): the cached artifact, built first by ``build(staging)`` when it is
        missing or ``rebuild`` is set."""
        folder = self.folder(name, key)
        if folder.is_dir() and not rebuild:
            return folder, False
        self.root.mkdir(parents=True, exist_ok=True)
        # Lock files stay (removing one races with a build about to take it): beside the
        # store, so that the store holds nothing but artifacts.
        locks = self.root.parent / ".locks"
        locks.mkdir(exist_ok=True)
        with FileLock(str(locks / f"{self.root.name}-{name}.lock")):
            if folder.is_dir() and not rebuild:
                return folder, False  # another build made it while this one waited
            with staged_folder(folder) as staging:
                build(staging)
            self.remove_stale(name, keep=folder)
        return folder, True

    def remove_stale(self, name: str, keep: Path) -> None:
        """Drop the name's other keys and leftover staging folders (call with the lock held)."""
        ours = re.compile(re.escape(name) + r"-[0-9a-f]{%d}" % KEY_LENGTH)
        leftover = re.compile(r"\." + ours.pattern + r"\.(new|old)-.*")
        for other in self.root.iterdir():
            if other != keep and (ours.fullmatch(other.name) or leftover.fullmatch(other.name)):
                shutil.rmtree(other, ignore_errors=True)


class InputHashes:
    """sha256 of input files, remembered by (size, mtime) in a JSON file."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self.known = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.known = {}
        self.changed = False

    def file(self, file: Path, *, resolved: bool = False) -> str:
        """The file's sha256; ``resolved``: ``file`` is already an absolute, resolved path."""
        stat = file.stat()
        key = str(file if resolved else file.resolve())
        entry = self.known.get(key)
        if entry and entry[0] == stat.st_size and entry[1] == stat.st_mtime_ns:
            return entry[2]
        sha256 = file_sha256(file)
        self.known[key] = [stat.st_size, stat.st_mtime_ns, sha256]
        self.changed = True
        return sha256

    def tree(self, path: Path, suffixes: set[str] | None = None) -> dict[str, str]:
        """{relative name: sha256} of a file, or of every file under a folder (optionally
        only those with ``suffixes``, compared in lower case)."""
        path = Path(path).resolve()  # once: resolving each of 100,000 files costs seconds
        if path.is_file():
            return {path.name: self.file(path, resolved=True)}
        files = sorted(p for p in path.rglob("*")
                       if p.is_file() and (suffixes is None or p.suffix.lower() in suffixes))
        return {p.relative_to(path).as_posix(): self.file(p, resolved=True) for p in files}

    def save(self) -> None:
        if self.changed:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(self.known), encoding="utf-8")
            os.replace(tmp, self.path)
            self.changed = False

    def __enter__(self) -> "InputHashes":
        return self

    def __exit__(self, *exc) -> None:
        self.save()
