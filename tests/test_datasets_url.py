"""url sources: download with a progress bar, cache per user, pin hashes in sitegen.lock,
and build without the network once the data is cached."""

from __future__ import annotations

import hashlib
import io
import json
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
    assert not artifact.available and "could not be downloaded" in artifact.notice and not artifact.files
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
