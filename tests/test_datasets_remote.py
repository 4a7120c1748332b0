"""url sources that fetch only what they use: members of a zip (EMNIST's real layout) and the
first rows of Quick Draw .npy files, by Range requests to a local server that counts every
byte it sends; and the fallbacks when the server ignores Range, and bad archives."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import shutil
import struct
import zipfile

import numpy as np
import pytest

from range_server import RangeServer
from sitegen.config import load_config
from sitegen.datasets import build_datasets, read_built
from sitegen.errors import ConfigError, DataError, SitegenError

from test_datasets_helpers import context, gz, idx_images, idx_labels, numbered_images, write_site

LETTERS = "gzip/emnist-letters-{}-ubyte.gz"
MAPPING = "gzip/emnist-letters-mapping.txt"
TAIL = 64 * 1024  # remotezip's first request: the archive's last 64 KiB, holding its directory


@pytest.fixture(autouse=True)
def download_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SITEGEN_DOWNLOAD_CACHE", str(tmp_path / "downloads"))
    return tmp_path / "downloads"


@pytest.fixture
def www(tmp_path):
    folder = tmp_path / "www"
    folder.mkdir()
    return folder


@pytest.fixture
def servers():
    """servers(folder, ranges=True) -> a started RangeServer; all stopped at the end."""
    started = []

    def start(folder, ranges=True):
        started.append(RangeServer(folder, ranges=ranges))
        return started[-1]

    yield start
    for server in started:
        server.stop()


def emnist_zip(path, n_train=234, n_test=52, seed=0):
    """A zip of NIST's gzip.zip layout: letters members (images stored transposed, labels
    1..26, a 3-column mapping) between big members of other splits. Returns the upright
    images and the labels."""
    rng = np.random.default_rng(seed)
    train, test = numbered_images(n_train, 28, 28, seed), numbered_images(n_test, 28, 28, seed + 1)
    train_labels, test_labels = 1 + np.arange(n_train) % 26, 1 + np.arange(n_test) % 26
    mapping = "".join(f"{k} {64 + k} {96 + k}\n" for k in range(1, 27)).encode()
    filler = rng.integers(0, 256, 400_000, dtype=np.uint8).tobytes()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr("gzip/emnist-balanced-train-images-idx3-ubyte.gz", filler)
        z.writestr("gzip/emnist-balanced-mapping.txt", b"0 48\n1 49\n")
        z.writestr(MAPPING, mapping)
        z.writestr(LETTERS.format("test-images-idx3"), gz(idx_images(test.transpose(0, 2, 1))))
        z.writestr(LETTERS.format("test-labels-idx1"), gz(idx_labels(test_labels)))
        z.writestr(LETTERS.format("train-images-idx3"), gz(idx_images(train.transpose(0, 2, 1))))
        z.writestr(LETTERS.format("train-labels-idx1"), gz(idx_labels(train_labels)))
        z.writestr("gzip/emnist-mnist-train-images-idx3-ubyte.gz", filler[::-1])
    return train, train_labels - 1, test, test_labels - 1


def emnist_toml(base, name="emnist", **extra):
    lines = [f'[datasets.{name}]', 'source = "url"', 'format = "idx"', f'url = "{base}gzip.zip"',
             f'images = "{LETTERS.format("train-images-idx3")}"', f'labels = "{LETTERS.format("train-labels-idx1")}"',
             f'test_images = "{LETTERS.format("test-images-idx3")}"',
             f'test_labels = "{LETTERS.format("test-labels-idx1")}"', f'mapping = "{MAPPING}"',
             'transpose = true', 'label_offset = 1']
    lines += [f"{key} = {json.dumps(value)}" for key, value in extra.items()]
    return "\n".join(lines) + "\n"


MEMBERS = [LETTERS.format(part) for part in ("train-images-idx3", "train-labels-idx1", "test-images-idx3",
                                             "test-labels-idx1")] + [MAPPING]


def member_spans(path) -> dict[str, int]:
    """Bytes from each member's local header to the next one's: what one Range request fetches."""
    with zipfile.ZipFile(path) as z:
        infos = sorted(z.infolist(), key=lambda i: i.header_offset)
        ends = [i.header_offset for i in infos[1:]] + [z.start_dir]
        return {i.filename: end - i.header_offset for i, end in zip(infos, ends)}


def log_of(ctx) -> str:
    """The build log, unwrapped."""
    return " ".join(ctx.console.file.getvalue().split())


def class_indices(labels):
    """Labels as class indices, whichever encoding the build chose (one-hot or indices)."""
    return labels if labels.ndim == 1 else labels.argmax(1)


def check_letters(artifact, train, train_labels, test, test_labels):
    data = read_built(artifact.dir)
    assert data.classes == [f"{chr(65 + k)}/{chr(97 + k)}" for k in range(26)]
    for x, y, images, labels in ((data.x_train, data.y_train, train, train_labels),
                                 (data.x_test, data.y_test, test, test_labels)):
        index = x[:, 0, 0, 0]  # each image's number (numbered_images)
        assert sorted(index) == list(range(len(images)))
        np.testing.assert_array_equal(x[..., 0], images[index])  # upright again, bit for bit
        np.testing.assert_array_equal(class_indices(y), labels[index])


def test_emnist_members_by_range_then_offline(tmp_path, www, servers):
    arrays = emnist_zip(www / "gzip.zip")
    server = servers(www)
    root = write_site(tmp_path / "site", emnist_toml(server.base))
    ctx = context(root)
    artifact = build_datasets(ctx)["emnist"]
    check_letters(artifact, *arrays)

    # Only the directory (the tail) and the five members went over the wire.
    spans = member_spans(www / "gzip.zip")
    size = (www / "gzip.zip").stat().st_size
    assert server.traffic.total == TAIL + sum(spans[m] for m in MEMBERS)
    assert server.traffic.total < 0.5 * size
    assert all(header is not None for _, header in server.traffic.requests)
    assert f"emnist: fetched {server.traffic.total / 1e3:,.1f} kB of {size / 1e6:,.1f} MB" in log_of(ctx)
    assert "with Range requests" in log_of(ctx)

    # sitegen.lock pins each member by its own sha256.
    lock = json.loads((root / "sitegen.lock").read_text())
    with zipfile.ZipFile(www / "gzip.zip") as z:
        expected = {m: {"sha256": hashlib.sha256(z.read(m)).hexdigest(), "bytes": len(z.read(m))} for m in MEMBERS}
    assert lock["downloads"][f"{server.base}gzip.zip"] == {"members": expected}

    # Offline, without the build cache: the members come from the download cache.
    server.stop()
    shutil.rmtree(root / ".cache")
    check_letters(build_datasets(context(root))["emnist"], *arrays)


def test_emnist_zip_without_range_is_downloaded_once(tmp_path, www, servers):
    arrays = emnist_zip(www / "gzip.zip")
    server = servers(www, ranges=False)
    root = write_site(tmp_path / "site", emnist_toml(server.base))
    ctx = context(root)
    check_letters(build_datasets(ctx)["emnist"], *arrays)
    size = (www / "gzip.zip").stat().st_size
    assert server.traffic.total == size  # the answer to the first Range request is kept, not asked again
    assert "the server ignores Range requests, so the whole file (1.0 MB)" in log_of(ctx)
    lock = json.loads((root / "sitegen.lock").read_text())["downloads"][f"{server.base}gzip.zip"]
    assert lock["sha256"] == hashlib.sha256((www / "gzip.zip").read_bytes()).hexdigest()
    assert sorted(lock["members"]) == sorted(MEMBERS)

    # Another data set of the same archive (fewer examples) reads the cached archive: no network.
    server.stop()
    write_site(root, emnist_toml(server.base) + emnist_toml(server.base, name="small", max_examples=200))
    assert build_datasets(context(root))["small"].manifest["counts"]["total"] == 200


def test_tar_gz_members(tmp_path, www, servers):
    import tarfile

    train, labels = numbered_images(20, 5, 4), np.arange(20) % 4
    with tarfile.open(www / "data.tar.gz", "w:gz") as tar:
        for name, data in (("d/images.idx", idx_images(train)), ("d/labels.idx", idx_labels(labels))):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    server = servers(www)
    root = write_site(tmp_path / "site", f'[datasets.d]\nsource = "url"\nformat = "idx"\nurl = "{server.base}'
                                         f'data.tar.gz"\nimages = "d/images.idx"\nlabels = "d/labels.idx"\n')
    data = read_built(build_datasets(context(root))["d"].dir)
    x = np.concatenate([data.x_train, data.x_test])[..., 0]
    np.testing.assert_array_equal(x, train[x[:, 0, 0]])
    lock = json.loads((root / "sitegen.lock").read_text())["downloads"][f"{server.base}data.tar.gz"]
    assert set(lock["members"]) == {"d/images.idx", "d/labels.idx"} and "sha256" in lock


def test_missing_member_names_the_members_that_exist(tmp_path, www, servers):
    emnist_zip(www / "gzip.zip")
    server = servers(www)
    toml = emnist_toml(server.base).replace("train-images-idx3-ubyte.gz", "train-images-idx3-ubyte")
    root = write_site(tmp_path / "site", toml)
    with pytest.raises(DataError) as error:
        build_datasets(context(root))
    message = str(error.value)
    assert message.startswith(f"{server.base}gzip.zip: no member 'gzip/emnist-letters-train-images-idx3-ubyte' "
                              f"in this archive; it has gzip/emnist-letters-train-images-idx3-ubyte.gz, ")
    assert "(8 in all)" in message and "\n" not in message
    assert not (root / "sitegen.lock").exists() or "train-images" not in (root / "sitegen.lock").read_text()


@pytest.mark.parametrize("ranges", [True, False])
def test_corrupt_archive_is_one_clear_line(tmp_path, www, servers, ranges):
    (www / "gzip.zip").write_bytes(b"<html>EMNIST has moved</html>" * 5000)
    server = servers(www, ranges=ranges)
    root = write_site(tmp_path / "site", emnist_toml(server.base))
    with pytest.raises(DataError, match=r"^http://127\.0\.0\.1:\d+/gzip\.zip: not a readable zip archive "
                                        r"\(File is not a zip file\)$"):
        build_datasets(context(root))


def test_corrupt_member_is_named(tmp_path, www, servers):
    emnist_zip(www / "gzip.zip")
    data = bytearray((www / "gzip.zip").read_bytes())
    with zipfile.ZipFile(www / "gzip.zip") as z:
        info = z.getinfo(MAPPING)
    data[info.header_offset + 30 + len(MAPPING) + 2] ^= 0xFF  # flip a byte of the mapping: CRC fails
    (www / "gzip.zip").write_bytes(bytes(data))
    server = servers(www)
    root = write_site(tmp_path / "site", emnist_toml(server.base))
    with pytest.raises(DataError, match=rf"gzip\.zip: member '{MAPPING}' is corrupt \(Bad CRC-32"):
        build_datasets(context(root))


def test_failed_fetch_keeps_previous_output(tmp_path, www, servers):
    from sitegen.build import build

    emnist_zip(www / "gzip.zip")
    server = servers(www)
    root = write_site(tmp_path / "site", emnist_toml(server.base),
                      {"content/index.md": b"---\ntitle: Home\n---\nLetters.\n"})
    build(root, progress=False)
    out = root / "_site"
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    write_site(root, emnist_toml(server.base).replace("mapping.txt", "mapping.text"))
    with pytest.raises(SitegenError, match="no member 'gzip/emnist-letters-mapping.text'"):
        build(root, progress=False)
    assert {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


# --- Quick Draw .npy: only the rows kept ---------------------------------------------------

QUICKDRAW = ("cat", "smiley face", "the Eiffel Tower")


def quickdraw_files(www, rows=3000) -> dict[str, np.ndarray]:
    arrays = {}
    for i, name in enumerate(QUICKDRAW):
        arrays[name] = np.random.default_rng(i).integers(0, 256, (rows + 37 * i, 784), dtype=np.uint8)
        np.save(www / f"{name}.npy", arrays[name])
    return arrays


def quickdraw_toml(base, **limits):
    urls = ", ".join(f'"{base}{name.replace(" ", "%20")}.npy"' for name in QUICKDRAW)
    extra = "".join(f"{key} = {value}\n" for key, value in limits.items())
    return f'[datasets.qd]\nsource = "url"\nformat = "npy"\nurl = [{urls}]\ntest_fraction = 0.2\n{extra}'


def check_rows(artifact, arrays, kept):
    data = read_built(artifact.dir)
    assert data.classes == sorted(QUICKDRAW)
    x = np.concatenate([data.x_train, data.x_test]).reshape(-1, 784)
    y = class_indices(np.concatenate([data.y_train, data.y_test]))
    for k, name in enumerate(data.classes):
        rows = x[y == k]
        source = arrays[name][:kept]
        order = {row.tobytes(): i for i, row in enumerate(source)}
        assert sorted(order[row.tobytes()] for row in rows) == list(range(kept))  # exactly the first rows


def test_quickdraw_first_rows_by_range_then_offline(tmp_path, www, servers):
    arrays = quickdraw_files(www)
    server = servers(www)
    root = write_site(tmp_path / "site", quickdraw_toml(server.base, max_per_class=100))
    ctx = context(root)
    check_rows(build_datasets(ctx)["qd"], arrays, 100)

    header = 128  # numpy's header for these arrays
    for name in QUICKDRAW:
        assert server.traffic.sent[f"{name}.npy"] == header + 100 * 784  # the header and the rows kept
    full = sum((www / f"{name}.npy").stat().st_size for name in QUICKDRAW)
    assert f"fetched {3 * (header + 78_400) / 1e3:,.1f} kB of {full / 1e6:,.1f} MB" in log_of(ctx)

    lock = json.loads((root / "sitegen.lock").read_text())["downloads"]
    entry = lock[f"{server.base}smiley%20face.npy"]
    assert list(entry) == ["rows"] and list(entry["rows"]) == ["100"] and entry["rows"]["100"]["bytes"] == 78_528

    server.stop()
    shutil.rmtree(root / ".cache")
    check_rows(build_datasets(context(root))["qd"], arrays, 100)


def test_quickdraw_without_range_downloads_whole_files_same_result(tmp_path, www, servers, monkeypatch):
    arrays = quickdraw_files(www, rows=500)
    ranged = servers(www)
    first = write_site(tmp_path / "a", quickdraw_toml(ranged.base, max_per_class=40))
    build_datasets(context(first))

    monkeypatch.setenv("SITEGEN_DOWNLOAD_CACHE", str(tmp_path / "other-cache"))
    plain = servers(www, ranges=False)
    second = write_site(tmp_path / "b", quickdraw_toml(plain.base, max_per_class=40))
    ctx = context(second)
    check_rows(build_datasets(ctx)["qd"], arrays, 40)
    assert plain.traffic.total == sum((www / f"{name}.npy").stat().st_size for name in QUICKDRAW)
    assert log_of(ctx).count("the server ignores Range requests") == 3

    # The rows cut from the whole file are the same bytes (and sha256) as those fetched by Range.
    def rows_hashes(root, base):
        lock = json.loads((root / "sitegen.lock").read_text())["downloads"]
        return [lock[f"{base}{n.replace(' ', '%20')}.npy"]["rows"]["40"]["sha256"] for n in QUICKDRAW]
    assert rows_hashes(first, ranged.base) == rows_hashes(second, plain.base)


def test_max_examples_alone_fetches_an_equal_share_of_each_file(tmp_path, www, servers):
    quickdraw_files(www, rows=400)
    server = servers(www)
    root = write_site(tmp_path / "site", quickdraw_toml(server.base, max_examples=100))
    artifact = build_datasets(context(root))["qd"]
    assert artifact.manifest["counts"]["total"] == 100
    for name in QUICKDRAW:
        assert server.traffic.sent[f"{name}.npy"] == 128 + 34 * 784  # ceil(100 / 3) rows of each


def test_all_rows_kept_is_a_whole_download(tmp_path, www, servers):
    arrays = quickdraw_files(www, rows=30)
    server = servers(www)
    root = write_site(tmp_path / "site", quickdraw_toml(server.base, max_per_class=1000))
    assert build_datasets(context(root))["qd"].manifest["counts"]["total"] == sum(len(a) for a in arrays.values())


# --- configuration -------------------------------------------------------------------------

@pytest.mark.parametrize("toml, message", [
    ('format = "npy"\nurl = "http://x/gzip.zip"\n',
     "Config value 'datasets.d.format': expected 'idx' or 'npz' (archive members are read for these formats; "
     "gzip.zip is an archive), got 'npy' (a string)"),
    ('format = "idx"\nurl = ["http://x/a.zip", "http://x/b.tar.gz"]\nimages = "i"\nlabels = "l"\n',
     "Config value 'datasets.d.url': expected at most one archive (.zip or .tar), whose members the file options "
     "name, got"),
    ('format = "idx"\nurl = "http://x/gzip.zip"\nimages = "../i"\nlabels = "l"\n',
     "Config value 'datasets.d.images': expected the file name of one of the urls (gzip.zip, a member of gzip.zip)"),
    ('format = "idx"\nurl = "http://x/i.gz"\nimages = "gzip/i.gz"\nlabels = "i.gz"\n',
     "Config value 'datasets.d.images': expected the file name of one of the urls (i.gz), got 'gzip/i.gz'"),
])
def test_archive_config_errors(tmp_path, toml, message):
    root = write_site(tmp_path / "site", f'[datasets.d]\nsource = "url"\n{toml}')
    with pytest.raises(ConfigError) as error:
        load_config(root)
    assert message in str(error.value)


def test_percent_encoded_names_are_decoded(tmp_path):
    from sitegen.config.datasets import download_name

    assert download_name("https://h/full/numpy_bitmap/smiley%20face.npy") == "smiley face.npy"
    assert download_name("https://h/f/data.npz?raw=1") == "data.npz"


# --- a server that misbehaves on Range requests -----------------------------------------------

def test_slow_range_requests_are_given_up_at_the_deadline(tmp_path, www, servers, download_cache):
    import time

    emnist_zip(www / "gzip.zip")
    quickdraw_files(www, rows=200)
    server = servers(www)
    server.faults.update({"gzip.zip": "slow", "cat.npy": "slow"})
    toml = (emnist_toml(server.base, download_timeout=1.5) +
            quickdraw_toml(server.base, max_per_class=50) + "download_timeout = 1.5\n")
    root = write_site(tmp_path / "site", toml)
    ctx = context(root)
    started = time.monotonic()
    artifacts = build_datasets(ctx)
    assert time.monotonic() - started < 8
    assert not artifacts["emnist"].available and not artifacts["qd"].available
    assert [w.split(" (")[0] for w in ctx.warnings] == [f"data set 'emnist': could not download {server.base}gzip.zip",
                                                        f"data set 'qd': could not download {server.base}cat.npy"]
    assert all("not complete after 1.5 s" in w for w in ctx.warnings)
    assert not (root / "sitegen.lock").exists()
    assert not [p for p in download_cache.rglob("*") if p.is_file()]


def test_range_answer_cut_short_is_not_kept(tmp_path, www, servers, download_cache):
    arrays = quickdraw_files(www, rows=300)
    server = servers(www)
    server.faults["smiley face.npy"] = "truncated"
    root = write_site(tmp_path / "site", quickdraw_toml(server.base, max_per_class=200))
    ctx = context(root)
    assert not build_datasets(ctx)["qd"].available
    assert "the connection closed after" in ctx.warnings[0] and "smiley%20face.npy" in ctx.warnings[0]
    assert not (root / "sitegen.lock").exists()

    server.faults.clear()
    check_rows(build_datasets(context(root))["qd"], arrays, 200)


@pytest.mark.parametrize("status", [404, 410])
def test_missing_archive_or_npy_is_an_error(tmp_path, www, servers, status):
    quickdraw_files(www, rows=100)
    server = servers(www)
    server.faults.update({"gzip.zip": status, "cat.npy": status})
    sites = (("gzip.zip", emnist_toml(server.base)), ("cat.npy", quickdraw_toml(server.base, max_per_class=9)))
    for name, toml in sites:
        root = write_site(tmp_path / name, toml)
        with pytest.raises(DataError, match=rf"^{server.base}{name}: the server answers {status} \w+.*: no file at "
                                            rf"this url \(check the url in sitegen.toml\)$"):
            build_datasets(context(root))


def test_zip_members_use_sitegens_client(tmp_path, www, servers):
    from sitegen import __version__

    arrays = emnist_zip(www / "gzip.zip")
    server = servers(www)
    check_letters(build_datasets(context(write_site(tmp_path / "site", emnist_toml(server.base))))["emnist"],
                  *arrays)
    assert server.traffic.user_agents == {next(iter(server.traffic.user_agents))}
    assert next(iter(server.traffic.user_agents)).startswith(f"sitegen/{__version__} ")


def big_letters_zip(path, n_train):
    """A zip whose gzipped letters members are large (random pixels do not compress), so a
    prefix read is measurably smaller than the member. Returns the upright images and labels."""
    images = numbered_images(n_train, 28, 28, seed=5)
    labels = 1 + np.random.default_rng(6).integers(0, 26, n_train)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr(MAPPING, "".join(f"{k} {64 + k} {96 + k}\n" for k in range(1, 27)))
        z.writestr(LETTERS.format("train-images-idx3"), gzip.compress(idx_images(images.transpose(0, 2, 1)), 1))
        z.writestr(LETTERS.format("train-labels-idx1"), gz(idx_labels(labels)))
    return images, labels - 1


def train_only_toml(base, **extra):
    return "\n".join(line for line in emnist_toml(base, **extra).splitlines() if "test_" not in line) + "\n"


@pytest.mark.parametrize("ranges", [True, False])
def test_idx_members_are_read_only_up_to_the_rows_kept(tmp_path, www, servers, ranges):
    """max_examples on IDX files without test files keeps their first rows: of a gzipped member
    only its start is fetched (with Range), and the examples are those rows, bit for bit; the
    server that ignores Range gives the same rows (and lock hashes) from the whole archive."""
    images, labels = big_letters_zip(www / "gzip.zip", 30_000)
    server = servers(www, ranges=ranges)
    root = write_site(tmp_path / "site", train_only_toml(server.base, max_examples=1_500, test_fraction=0.2))
    ctx = context(root)
    data = read_built(build_datasets(ctx)["emnist"].dir)
    x = np.concatenate([data.x_train, data.x_test])[..., 0]
    y = np.concatenate([class_indices(data.y_train), class_indices(data.y_test)])
    first = {images[i].tobytes(): labels[i] for i in range(1_500)}  # the first 1,500 rows, by their pixels
    assert len(x) == 1_500 and all(first.get(image.tobytes()) == label for image, label in zip(x, y))

    member = LETTERS.format("train-images-idx3")
    spans = member_spans(www / "gzip.zip")
    if ranges:
        # 1,500 of 30,000 rows: the directory, the labels, and about a twentieth of the images member
        # (plus what the server had written into the socket before the build hung up).
        assert server.traffic.total < 0.5 * spans[member]
    else:
        assert server.traffic.total == (www / "gzip.zip").stat().st_size

    lock = json.loads((root / "sitegen.lock").read_text())["downloads"][f"{server.base}gzip.zip"]["members"]
    kept = lock[member]["rows"]["1500"]
    with zipfile.ZipFile(www / "gzip.zip") as z:
        raw = gzip.decompress(z.read(member))
    expected = struct.pack(">BBBBIII", 0, 0, 8, 3, 1_500, 28, 28) + raw[16:16 + 1_500 * 784]
    assert kept == {"sha256": hashlib.sha256(expected).hexdigest(), "bytes": len(expected)}
    assert "1500" in lock[LETTERS.format("train-labels-idx1")]["rows"]
