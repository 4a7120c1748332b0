"""The model's answers on the test split, shipped with the model (test_predictions.bin).

The format round-trips for a few classes and for 13,065 (2-byte class indices). A scratch
site built by sitegen carries the file for every model; it decodes to the top-k that the
model as shipped (its model.json read back) gives on the test split of the built data, in
data.js's order; a uint8-quantized model's answers are its own, and how often the Keras
model before conversion agrees is recorded, not hidden. A cached rebuild keeps the file.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from sitegen.models.predictions import (PROBABILITY_SCALE, TOP_K, decode_predictions, encode_predictions,
                                        top_k)

pytestmark = pytest.mark.filterwarnings("ignore:You are saving your model as an HDF5 file")
SIDE = 12
CLASSES = ["left", "middle", "right"]
TINY = [{"layerName": "Flatten"}, {"layerName": "Fully connected", "hiddenUnits": 3}]


def softmax_rows(n: int, num_classes: int, seed: int) -> np.ndarray:
    logits = np.random.RandomState(seed).normal(0, 3, (n, num_classes)).astype(np.float32)
    e = np.exp(logits - logits.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


@pytest.mark.parametrize("num_classes, index_bytes", [(3, 1), (256, 1), (13_065, 2)])
def test_format_round_trips_top_k(num_classes, index_bytes):
    probabilities = softmax_rows(40, num_classes, seed=num_classes)
    classes, values = top_k(probabilities, TOP_K)
    assert classes.shape == (40, 3)
    np.testing.assert_array_equal(classes[:, 0], probabilities.argmax(1))
    np.testing.assert_array_equal(values, -np.sort(-probabilities, axis=1)[:, :3])
    data, layout = encode_predictions(classes, values, num_classes)
    assert len(data) == 40 * 3 * (index_bytes + 2)
    assert layout["classes"]["encoding"] == ("index uint8" if index_bytes == 1 else "index uint16le")
    got_classes, got_values = decode_predictions(data, layout, num_classes)
    np.testing.assert_array_equal(got_classes, classes)
    assert np.abs(got_values - values).max() <= 0.5 / PROBABILITY_SCALE + 1e-7


def test_top_k_of_fewer_classes_than_k():
    classes, values = top_k(np.array([[0.25, 0.75], [0.5, 0.5]], np.float32), 3)
    assert classes.tolist() == [[1, 0], [0, 1]]  # ties in class order, like argmax
    assert values.tolist() == [[0.75, 0.25], [0.5, 0.5]]


# ---------------------------------------------------------------- a built site

def bars(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Faint vertical bars whose position is the class, in noise: an untrained or one-epoch
    model is unsure of many, so quantization and backends have something to differ on."""
    rng = np.random.RandomState(seed)
    y = rng.randint(0, 3, n)
    x = rng.randint(0, 90, (n, SIDE, SIDE))
    for i, k in enumerate(y):
        x[i, :, 4 * k:4 * k + 4] += 60
    return x.clip(0, 255).astype(np.uint8), y


def write_site(root: Path, keras_file: Path) -> Path:
    x, y = bars(200, 1)
    (root / "data").mkdir(parents=True)
    for k, name in enumerate(CLASSES):
        np.save(root / "data" / f"{name}.npy", x[y == k])
    (root / "tiny.json").write_text(json.dumps(TINY))
    (root / "content").mkdir()
    (root / "content" / "index.md").write_text("---\ntitle: Home\n---\nBars.\n")
    (root / "sitegen.toml").write_text(
        'title = "Predictions"\n'
        '[datasets.bars]\nsource = "npy"\npath = "data"\ntest_fraction = 0.3\n'
        '[models.tiny]\ndataset = "bars"\nlayers = "tiny.json"\nepochs = 1\ntitle = "Tiny"\n'
        f'[models.keras8]\ndataset = "bars"\nload = "{keras_file.as_posix()}"\nquantize = "uint8"\n')
    return root


def untrained_keras_model(path: Path) -> Path:
    """A small Keras 2 model saved as .h5, its weights as initialised: answers near a tie,
    which uint8 weights can flip."""
    from sitegen.models.runtime import import_tensorflow

    tf = import_tensorflow()
    tf.keras.utils.set_random_seed(3)
    model = tf.keras.Sequential([tf.keras.layers.Input((SIDE, SIDE, 1)), tf.keras.layers.Flatten(),
                                 tf.keras.layers.Dense(8, activation="relu"),
                                 tf.keras.layers.Dense(3, activation="softmax")])
    model.save(path)
    return path


def quiet() -> Console:
    return Console(file=io.StringIO())


@pytest.fixture(scope="module")
def built_site(tmp_path_factory, npm_available):
    from sitegen.build import build

    root = tmp_path_factory.mktemp("predictions")
    keras_file = untrained_keras_model(root / "keras8.h5")
    site = write_site(root / "site", keras_file)
    build(site, progress=False, console=quiet())
    return site, site / "_site", keras_file


def shipped(output: Path, name: str) -> tuple[dict, np.ndarray, np.ndarray]:
    """(metadata, classes, probabilities) of the site's test_predictions.bin of model ``name``."""
    folder = output / "models" / name
    metadata = json.loads((folder / "metadata.json").read_text())
    block = metadata["test_predictions"]
    data = (folder / block["path"]).read_bytes()
    assert len(data) == block["bytes"] and hashlib.sha256(data).hexdigest() == block["sha256"]
    classes, probabilities = decode_predictions(data, block, len(metadata["classes"]), where=folder)
    return metadata, classes, probabilities


def own_answers(output: Path, name: str, x_test: np.ndarray) -> np.ndarray:
    """The softmax outputs of the site's model.json and weights, read back into Keras."""
    from sitegen.models.conversion import load_tfjs_model
    from sitegen.models.evaluation import predict_probabilities

    return predict_probabilities(load_tfjs_model(output / "models" / name), x_test)


@pytest.mark.parametrize("name", ["tiny", "keras8"])
def test_built_site_ships_the_models_own_top_k_on_the_test_split(built_site, name):
    from sitegen.datasets import read_built

    _, output, _ = built_site
    data = read_built(output / "data" / "bars")  # what data.js serves, in its order
    metadata, classes, probabilities = shipped(output, name)
    block = metadata["test_predictions"]
    assert classes.shape == probabilities.shape == (len(data.x_test), 3) == (block["examples"], block["k"])
    # the data it belongs to: every file of data/bars, as its manifest names them
    manifest = json.loads((output / "data" / "bars" / "manifest.json").read_text())
    assert block["data"] == {"dataset": "bars", "split": "test",
                             "sha256": [s["sha256"] for s in manifest["shards"]] + [manifest["labels"]["sha256"]]}
    expected = own_answers(output, name, data.x_test)
    np.testing.assert_array_equal(classes[:, 0], expected.argmax(1))
    np.testing.assert_allclose(probabilities, np.take_along_axis(expected, classes, axis=1),
                               atol=0.5 / PROBABILITY_SCALE + 1e-6)
    assert (-np.sort(-expected, axis=1)[:, :3] - probabilities).max() <= 0.5 / PROBABILITY_SCALE + 1e-6
    assert metadata["test_accuracy"] == pytest.approx((classes[:, 0] == data.y_test).mean(), abs=1e-6)


def test_a_quantized_model_ships_its_own_answers_and_says_how_keras_differs(built_site):
    from sitegen.datasets import read_built
    from sitegen.models.evaluation import predict_probabilities
    from sitegen.models.runtime import import_tensorflow

    _, output, keras_file = built_site
    data = read_built(output / "data" / "bars")
    metadata, classes, _ = shipped(output, "keras8")
    assert metadata["quantize"] == "uint8"
    keras = predict_probabilities(import_tensorflow().keras.models.load_model(keras_file), data.x_test)
    same = int((keras.argmax(1) == classes[:, 0]).sum())
    assert metadata["test_predictions"]["keras_agreement"] == {"same_top_class": same, "examples": len(classes)}
    # quantization moved the values: the shipped answers are not Keras' (else this proves nothing)
    assert np.abs(np.take_along_axis(keras, classes, axis=1) -
                  shipped(output, "keras8")[2]).max() > 1 / PROBABILITY_SCALE
    # float32 weights: the Keras model agrees everywhere
    tiny = json.loads((output / "models" / "tiny" / "metadata.json").read_text())["test_predictions"]
    assert tiny["keras_agreement"] == {"same_top_class": tiny["examples"], "examples": tiny["examples"]}


def test_cached_rebuild_keeps_the_predictions(built_site):
    from sitegen.build import build

    site, output, _ = built_site
    before = (output / "models" / "tiny" / "test_predictions.bin").read_bytes()
    toml = site / "sitegen.toml"
    toml.write_text(toml.read_text().replace('title = "Tiny"', 'title = "Tiny, retitled"'))
    console = quiet()
    build(site, progress=False, console=console)
    log = console.file.getvalue()
    assert "model tiny: up to date (cached)" in log and "model keras8: up to date (cached)" in log, log
    assert (output / "models" / "tiny" / "test_predictions.bin").read_bytes() == before
    assert json.loads((output / "models" / "tiny" / "metadata.json").read_text())["title"] == "Tiny, retitled"
