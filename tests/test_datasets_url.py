"""url sources: download with a progress bar, cache per user, pin hashes in sitegen.lock,
and build without the network once the data is cached."""

from __future__ import annotations

import hashlib
import io
import json
import re
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from sitegen.datasets import build_datasets, read_built
from sitegen.errors import DataError

from test_datasets_helpers import context, idx_images, idx_labels, numbered_images, write_site


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        pass


@pytest.fixture
def server(tmp_path):
    """A local HTTP server over tmp_path/www; yields (folder, base URL, stop())."""
    www = tmp_path / "www"
    www.mkdir()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(www)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    stopped = []

    def stop():
        if not stopped:
            httpd.shutdown()
            httpd.server_close()
            stopped.append(True)

    yield www, f"http://127.0.0.1:{httpd.server_address[1]}/", stop
    stop()


@pytest.fixture(autouse=True)
def download_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SITEGEN_DOWNLOAD_CACHE", str(tmp_path / "downloads"))
    return tmp_path / "downloads"


def npz_bytes(seed=0) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, x=numbered_images(20, 6, 6, seed), y=np.arange(20) % 4)
    return buffer.getvalue()


def test_first_download_is_locked_then_builds_offline(tmp_path, server):
    www, base, stop = server
    (www / "toy.npz").write_bytes(npz_bytes())
    root = write_site(tmp_path / "site", f'[datasets.d]\nsource = "url"\nurl = "{base}toy.npz"\nformat = "npz"\n')
    artifact = build_datasets(context(root))["d"]
    assert artifact.available and artifact.manifest["counts"]["total"] == 20
    lock = json.loads((root / "sitegen.lock").read_text())
    assert lock["downloads"][f"{base}toy.npz"]["sha256"] == hashlib.sha256(npz_bytes()).hexdigest()

    # Offline: the built data set is reused without any network...
    stop()
    assert build_datasets(context(root))["d"].dir == artifact.dir
    # ...and after the build cache is gone, the download cache serves the file.
    import shutil
    shutil.rmtree(root / ".cache")
    again = build_datasets(context(root))["d"]
    np.testing.assert_array_equal(read_built(again.dir).x_train, read_built(artifact.dir).x_train)


def test_hash_mismatch_fails(tmp_path, server):
    www, base, _ = server
    (www / "toy.npz").write_bytes(npz_bytes())
    root = write_site(tmp_path / "site", f'[datasets.d]\nsource = "url"\nurl = "{base}toy.npz"\nformat = "npz"\n'
                                         f'sha256 = "{"0" * 64}"\n')
    with pytest.raises(DataError) as error:
        build_datasets(context(root))
    assert str(error.value) == (f"{root / 'sitegen.toml'}: download of {base}toy.npz has sha256 "
                                f"{hashlib.sha256(npz_bytes()).hexdigest()}, expected {'0' * 64}")

    # A locked hash that the server no longer matches fails too (the file changed upstream).
    write_site(root, f'[datasets.d]\nsource = "url"\nurl = "{base}toy.npz"\nformat = "npz"\n')
    (root / "sitegen.lock").write_text(json.dumps({"downloads": {f"{base}toy.npz": {"sha256": "1" * 64}}}))
    with pytest.raises(DataError, match=r"sitegen.lock: download of .* expected 1111"):
        build_datasets(context(root))


def test_offline_and_not_cached_is_a_notice_and_a_warning(tmp_path, server):
    _, base, stop = server
    stop()
    root = write_site(tmp_path / "site", f'[datasets.d]\nsource = "url"\nurl = "{base}toy.npz"\nformat = "npz"\n')
    ctx = context(root)
    artifact = build_datasets(ctx)["d"]
    assert not artifact.available and not artifact.files
    # For a reader: one sentence, and no table key ('d') when the data set has no title.
    assert artifact.notice == ("The data set for this demo could not be downloaded when this site was built, so the "
                               "demo is not available.")
    assert len(ctx.warnings) == 1 and ctx.warnings[0].startswith(f"data set 'd': could not download {base}toy.npz")


def test_idx_files_over_http(tmp_path, server):
    www, base, _ = server
    images, labels = numbered_images(16, 4, 5), np.arange(16) % 2
    (www / "imgs.idx").write_bytes(idx_images(images))
    (www / "labs.idx").write_bytes(idx_labels(labels))
    root = write_site(tmp_path / "site", f'[datasets.d]\nsource = "url"\nformat = "idx"\n'
                                         f'url = ["{base}imgs.idx", "{base}labs.idx"]\n'
                                         f'images = "imgs.idx"\nlabels = "labs.idx"\n')
    data = read_built(build_datasets(context(root))["d"].dir)
    x = np.concatenate([data.x_train, data.x_test])[..., 0]
    np.testing.assert_array_equal(x, images[x[:, 0, 0]])
    assert data.shape == (4, 5, 1)


def test_quickdraw_npy_files_from_several_urls_form_one_data_set(tmp_path, server):
    www, base, _ = server
    for i, name in enumerate(("cat", "dog", "fish")):
        rows = numbered_images(6, 28, 28, seed=i).reshape(6, 784)
        np.save(www / f"{name}.npy", rows)
    urls = ", ".join(f'"{base}{name}.npy"' for name in ("cat", "dog", "fish"))
    root = write_site(tmp_path / "site", f'[datasets.d]\nsource = "url"\nformat = "npy"\nurl = [{urls}]\n'
                                         'test_fraction = 0.5\n')
    artifact = build_datasets(context(root))["d"]
    assert artifact.classes == ["cat", "dog", "fish"]
    assert artifact.manifest["counts"]["total"] == 18


def test_downloads_live_in_the_user_cache_by_default(monkeypatch, tmp_path):
    monkeypatch.delenv("SITEGEN_DOWNLOAD_CACHE")
    monkeypatch.setenv("SITEGEN_CACHE", str(tmp_path / "cache"))
    from sitegen.datasets.sources.url import downloads_dir

    assert downloads_dir() == tmp_path / "cache" / "downloads"


# --- a server that misbehaves (tests/range_server.py), all on 127.0.0.1 -----------------------

@pytest.fixture
def faulty(tmp_path):
    """A RangeServer over tmp_path/www-faulty; stopped at the end."""
    from range_server import RangeServer

    folder = tmp_path / "www-faulty"
    folder.mkdir()
    started = RangeServer(folder)
    yield started
    started.stop()


def npz_site(tmp_path, base, name="toy.npz", extra=""):
    return write_site(tmp_path / "site", f'[datasets.d]\nsource = "url"\nurl = "{base}{name}"\nformat = "npz"\n'
                                         f'{extra}')


def leftovers(cache):
    """Every file in the download cache (unfinished downloads included)."""
    return sorted(str(p.relative_to(cache)) for p in cache.rglob("*") if p.is_file()) if cache.exists() else []


def test_slow_server_is_given_up_at_the_deadline(tmp_path, faulty, download_cache):
    import time

    (faulty.root / "toy.npz").write_bytes(npz_bytes())
    faulty.faults["toy.npz"] = "slow"  # one byte a second: no read timeout ever trips
    root = npz_site(tmp_path, faulty.base, extra="download_timeout = 2\n")
    ctx = context(root)
    started = time.monotonic()
    artifact = build_datasets(ctx)["d"]
    assert time.monotonic() - started < 6
    assert not artifact.available and "could not be downloaded" in artifact.notice
    assert ctx.warnings == [f"data set 'd': could not download {faulty.base}toy.npz (not complete after 2 s, the "
                            f"url source's download_timeout) and it is not in the download cache ({download_cache})"]
    assert leftovers(download_cache) == [] and not (root / "sitegen.lock").exists()


def test_download_timeout_is_checked_and_changes_no_cache_key(tmp_path):
    from sitegen.config import load_config
    from sitegen.errors import ConfigError

    root = npz_site(tmp_path, "http://127.0.0.1:9/", extra="download_timeout = 0\n")
    with pytest.raises(ConfigError, match=r"'datasets.d.download_timeout': expected a number > 0, got 0"):
        load_config(root)
    keys = []
    for timeout in (5, 60.5):
        npz_site(tmp_path, "http://127.0.0.1:9/", extra=f"download_timeout = {timeout}\n")
        keys.append(load_config(root)[0].datasets["d"].key_values())
    assert keys[0] == keys[1]


def test_download_cut_short_is_neither_cached_nor_locked(tmp_path, faulty, download_cache):
    data = npz_bytes()
    (faulty.root / "toy.npz").write_bytes(data)
    faulty.faults["toy.npz"] = "truncated"  # Content-Length of the whole file, then half of it
    root = npz_site(tmp_path, faulty.base)
    ctx = context(root)
    assert not build_datasets(ctx)["d"].available
    assert ctx.warnings[0].startswith(f"data set 'd': could not download {faulty.base}toy.npz (the connection "
                                      f"closed after {len(data) // 2:,} of {len(data):,} bytes)")
    assert leftovers(download_cache) == [] and not (root / "sitegen.lock").exists()

    # Once the server sends it all, the good file is downloaded and locked.
    del faulty.faults["toy.npz"]
    assert build_datasets(context(root))["d"].available
    lock = json.loads((root / "sitegen.lock").read_text())
    assert lock["downloads"][f"{faulty.base}toy.npz"]["sha256"] == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("name, fmt, message", [
    ("toy.npz", "npz", "not an .npz file (a zip archive): the server sent an HTML page, not the file (is the url "
                       "right?)"),
    ("cat.npy", "npy", "not a .npy file: the server sent an HTML page, not the file (is the url right?)"),
    ("imgs.idx", "idx", "not an IDX file (MNIST's format, raw or .gz): the server sent an HTML page, not the file "
                        "(is the url right?)"),
])
def test_html_page_sent_with_status_200_is_an_error_never_locked(tmp_path, faulty, download_cache, name, fmt,
                                                                  message):
    faulty.faults[name] = "html"
    extra = 'images = "imgs.idx"\nlabels = "imgs.idx"\n' if fmt == "idx" else ""
    root = write_site(tmp_path / "site", f'[datasets.d]\nsource = "url"\nurl = "{faulty.base}{name}"\n'
                                         f'format = "{fmt}"\n{extra}')
    with pytest.raises(DataError) as error:
        build_datasets(context(root))
    assert str(error.value) == f"{faulty.base}{name}: {message}"
    assert leftovers(download_cache) == [] and not (root / "sitegen.lock").exists()


def test_download_its_reader_rejects_is_not_locked(tmp_path, faulty, download_cache):
    """A file of the right kind whose content is wrong (a .npz without x and y) fails the
    build, and nothing is pinned: once the server is fixed, the good file is taken."""
    buffer = io.BytesIO()
    np.savez(buffer, pixels=np.zeros((4, 2, 2), np.uint8))
    (faulty.root / "toy.npz").write_bytes(buffer.getvalue())
    root = npz_site(tmp_path, faulty.base)
    with pytest.raises(DataError):
        build_datasets(context(root))
    assert not (root / "sitegen.lock").exists() and leftovers(download_cache) == []

    (faulty.root / "toy.npz").write_bytes(npz_bytes())
    assert build_datasets(context(root))["d"].manifest["counts"]["total"] == 20
    assert json.loads((root / "sitegen.lock").read_text())["downloads"][f"{faulty.base}toy.npz"]["sha256"] == \
        hashlib.sha256(npz_bytes()).hexdigest()


def test_lock_mismatch_says_which_side_is_the_lock(tmp_path, server):
    www, base, _ = server
    (www / "toy.npz").write_bytes(npz_bytes())
    root = npz_site(tmp_path, base)
    (root / "sitegen.lock").write_text(json.dumps({"downloads": {f"{base}toy.npz": {"sha256": "1" * 64}}}))
    with pytest.raises(DataError) as error:
        build_datasets(context(root))
    assert str(error.value) == (
        f"{root / 'sitegen.lock'}: download of {base}toy.npz has sha256 {hashlib.sha256(npz_bytes()).hexdigest()} "
        f"(the file downloaded now), expected {'1' * 64} (recorded in sitegen.lock by an earlier download); if the "
        f"file changed on the server on purpose, delete its entry from sitegen.lock and build again")


@pytest.mark.parametrize("status, reason", [(404, "Not Found"), (410, "Gone")])
def test_missing_file_is_an_error_not_offline(tmp_path, faulty, status, reason):
    faulty.faults["toy.npz"] = status
    root = npz_site(tmp_path, faulty.base)
    ctx = context(root)
    with pytest.raises(DataError) as error:
        build_datasets(ctx)
    assert str(error.value) == (f"{faulty.base}toy.npz: the server answers {status} {reason}: no file at this url "
                                f"(check the url in sitegen.toml)")
    assert ctx.warnings == []


def test_server_error_is_like_offline(tmp_path, faulty):
    faulty.faults["toy.npz"] = 503
    ctx = context(npz_site(tmp_path, faulty.base))
    assert not build_datasets(ctx)["d"].available
    assert ctx.warnings[0].startswith(f"data set 'd': could not download {faulty.base}toy.npz (the server answers "
                                      f"503 Service Unavailable)")


def test_interrupted_download_leaves_no_part_file(tmp_path, faulty, download_cache):
    import signal
    import time

    (faulty.root / "toy.npz").write_bytes(npz_bytes())
    faulty.faults["toy.npz"] = "slow"
    faulty.slow_interval = 0.2
    faulty.slow_bytes = 1000  # the download outlasts the interrupt even on a busy machine
    root = npz_site(tmp_path, faulty.base)
    main = threading.main_thread().ident
    timer = threading.Timer(1.0, signal.pthread_kill, (main, signal.SIGINT))  # Ctrl-C, mid-download
    # Python's own Ctrl-C handler, whatever this process inherited: a process started in the
    # background by a shell (make test &) ignores SIGINT, and the test would wait in vain.
    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)
    started = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            build_datasets(context(root))
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, inherited)
    assert time.monotonic() - started < 3
    assert 0 < faulty.traffic.sent["toy.npz"] < len(npz_bytes())
    assert leftovers(download_cache) == [] and not (root / "sitegen.lock").exists()


def test_stale_part_files_are_removed_on_the_next_download(tmp_path, server, download_cache):
    import os
    import time

    www, base, _ = server
    (www / "toy.npz").write_bytes(npz_bytes())
    download_cache.mkdir()
    stale, fresh = download_cache / "tmpab12cd.part", download_cache / "download-xyz.part"
    stale.write_bytes(b"half")
    fresh.write_bytes(b"another build's")
    day_old = time.time() - 25 * 3600
    os.utime(stale, (day_old, day_old))
    build_datasets(context(npz_site(tmp_path, base)))
    assert not stale.exists() and fresh.exists()


def test_progress_moves_every_64_kib(tmp_path, faulty, monkeypatch):
    from contextlib import contextmanager

    from sitegen.datasets.sources import url

    rows = np.random.default_rng(0).integers(0, 256, (400, 784), dtype=np.uint8)
    np.save(faulty.root / "cat.npy", rows)
    size = (faulty.root / "cat.npy").stat().st_size
    steps: list[int] = []
    real = url.progress_task

    @contextmanager
    def recording(ctx, description, total, **kwargs):
        with real(ctx, description, total, **kwargs) as advance:
            def step(n=1):
                steps.append(n)
                advance(n)
            yield step

    monkeypatch.setattr(url, "progress_task", recording)
    root = write_site(tmp_path / "site", f'[datasets.d]\nsource = "url"\nformat = "npy"\nurl = "{faulty.base}cat.npy"'
                                         f'\nclasses = ["cat", "dog"]\n')
    with pytest.raises(DataError):  # one class: only the download matters here
        build_datasets(context(root))
    assert sum(steps) == size and len(steps) >= size // (64 * 1024) and max(steps) <= 64 * 1024


def test_every_request_carries_sitegens_user_agent(tmp_path, faulty):
    from sitegen import __version__

    (faulty.root / "toy.npz").write_bytes(npz_bytes())
    build_datasets(context(npz_site(tmp_path, faulty.base)))
    assert faulty.traffic.user_agents and all(agent.startswith(f"sitegen/{__version__} ")
                                              for agent in faulty.traffic.user_agents)


def quickdraw_line(i: int, recognized: bool = True) -> bytes:
    x = [i % 200, (i * 7) % 255, 30]
    return json.dumps({"word": "cat", "recognized": recognized, "drawing": [[x, [10, 60, 120]]]}).encode() + b"\n"


def test_ndjson_url_reads_only_the_lines_it_keeps(tmp_path, faulty, download_cache):
    import shutil

    lines = [quickdraw_line(i, recognized=i % 3 != 1) for i in range(20_000)]  # about 1.8 MB
    (faulty.root / "cat.ndjson").write_bytes(b"".join(lines))
    (faulty.root / "dog.ndjson").write_bytes(b"".join(lines[::-1]))
    urls = f'["{faulty.base}cat.ndjson", "{faulty.base}dog.ndjson"]'
    root = write_site(tmp_path / "site", f'[datasets.d]\nsource = "url"\nformat = "ndjson"\nurl = {urls}\n'
                                         'max_per_class = 10\n')
    ctx = context(root)
    artifact = build_datasets(ctx)["d"]
    assert artifact.manifest["counts"]["total"] == 20
    log = " ".join(ctx.console.file.getvalue().split())
    fetched = re.search(r"d: fetched ([\d.,]+) (kB|bytes) of ([\d.,]+) MB", log)
    assert fetched and fetched[2] == "kB" and float(fetched[1]) < 300  # of 3.7 MB

    # The lines up to the 10th recognized drawing are cached and locked, by count and recognized_only.
    lock = json.loads((root / "sitegen.lock").read_text())["downloads"][f"{faulty.base}cat.ndjson"]
    recognized = [i for i in range(20_000) if i % 3 != 1][:10]
    prefix = b"".join(lines[:recognized[-1] + 1])
    assert lock == {"drawings": {"10 recognized": {"sha256": hashlib.sha256(prefix).hexdigest(),
                                                   "bytes": len(prefix)}}}

    # Offline, without the build cache: the same drawings from the download cache.
    faulty.stop()
    shutil.rmtree(root / ".cache")
    again = build_datasets(context(root))["d"]
    np.testing.assert_array_equal(read_built(again.dir).x_train, read_built(artifact.dir).x_train)
