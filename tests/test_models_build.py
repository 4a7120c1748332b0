"""Phase 4 end to end on tiny data: train, convert, evaluate, cache, load, and the bad inputs.

Data sets are made here with the data phase's own writer (`write_built`) so the models
read exactly what a real build hands them. Helpers import no TensorFlow: a subprocess
reuses them to prove that a cached rebuild never starts it.
"""

import hashlib
import json
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from sitegen.context import BuildContext, DatasetArtifact
from sitegen.datasets.format import write_built
from sitegen.errors import ModelError
from sitegen.models import build_models
from sitegen.config.models import ModelConfig
from sitegen.models.evaluation import evaluate_predictions
from sitegen.config.options import LoadContext

ROOT = Path(__file__).resolve().parent.parent
# tests save .h5 files on purpose: the converter needs Keras 2 files
pytestmark = pytest.mark.filterwarnings("ignore:You are saving your model as an HDF5 file")
SHAPE = (12, 12, 1)
CLASSES = ["left", "middle", "right"]
TINY_CONV = [
    {"layerName": "Convolution", "fieldSize": 3, "stride": 1, "zeroPad": 1, "outputDepth": 4},
    {"layerName": "ReLU"},
    {"layerName": "Max pool", "fieldSize": 2, "stride": 2, "zeroPad": 0},
    {"layerName": "Flatten"},
    {"layerName": "Fully connected", "hiddenUnits": 3},
]


def bars(n, seed):
    """Images with a bright vertical bar whose position is the class, plus noise."""
    rng = np.random.RandomState(seed)
    y = rng.randint(0, 3, n)
    x = rng.randint(0, 60, (n,) + SHAPE)
    for i, k in enumerate(y):
        x[i, :, 4 * k:4 * k + 4, 0] += 180
    return x.clip(0, 255).astype(np.uint8), y


def make_site(site: Path, canvas="mnist"):
    """A site folder with a built 'bars' data set and a tiny layer list; returns the DatasetArtifact."""
    site.mkdir(parents=True, exist_ok=True)
    (x_train, y_train), (x_test, y_test) = bars(240, 1), bars(60, 2)
    manifest = write_built(site / "data", x_train, y_train, x_test, y_test, CLASSES,
                           {"name": "bars", "canvas": canvas})
    (site / "tiny.json").write_text(json.dumps(TINY_CONV))
    return dataset_artifact(site / "data", manifest)


def dataset_artifact(folder: Path, manifest: dict) -> DatasetArtifact:
    """The data phase's artifact for a data set written by `write_built` into ``folder``."""
    return DatasetArtifact(name="bars", available=True, classes=manifest["classes"], shape=tuple(manifest["shape"]),
                           manifest=manifest, key=hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest(),
                           dir=folder)


def model_config(site: Path, name="tiny", **table):
    table = {"dataset": "bars", "epochs": 1, "batch_size": 32, **table}
    if not {"layers", "builder", "load"} & set(table):
        table["layers"] = "tiny.json"
    config = ModelConfig.load(table, LoadContext(file=site / "sitegen.toml", base_dir=site), prefix=f"models.{name}.")
    config.name = name
    return config


def context(site: Path, configs, retrain=False, console=None):
    models = {c.name: c for c in configs}
    return BuildContext(config=types.SimpleNamespace(models=models), cache_dir=site / ".cache",
                        console=console or Console(width=120, force_terminal=False), retrain=retrain, progress=False)


def build(site, dataset, retrain=False, **table):
    config = model_config(site, **table)
    return build_models(context(site, [config], retrain), {"bars": dataset})[config.name]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    return root, make_site(root)


@pytest.fixture(scope="module")
def built(site):
    root, dataset = site
    return build(root, dataset, epochs=3, learning_rate=0.01)


def test_output_files_and_metadata(site, built):
    root, _ = site
    assert built.available
    assert set(built.files) == {"models/tiny/model.json", "models/tiny/group1-shard1of1.bin",
                                "models/tiny/class_names.txt", "models/tiny/metadata.json",
                                "models/tiny/test_predictions.bin"}
    assert built.files["models/tiny/class_names.txt"].read_text() == "left\nmiddle\nright\n"
    meta = json.loads(built.files["models/tiny/metadata.json"])
    assert meta == built.metadata
    assert meta["classes"] == CLASSES and meta["input_shape"] == [12, 12, 1]
    assert meta["preprocessing"]["canvas"] == "mnist" and meta["preprocessing"]["invert"] is True
    assert meta["preprocessing"]["box"] == 9  # 20/28 of 12 pixels
    # 3x3x1x4+4 conv, 6*6*4*3+3 dense: the same count as the pure-Python shape rules
    assert meta["params"] == 40 + 435
    assert [len(meta["history"][k]) for k in ("loss", "acc", "val_loss", "val_acc")] == [3, 3, 3, 3]
    matrix = np.array(meta["confusion_matrix"])
    assert matrix.shape == (3, 3) and matrix.sum() == 60 == meta["test_examples"]
    assert meta["test_accuracy"] == pytest.approx(np.trace(matrix) / 60)
    assert meta["test_accuracy"] > 0.9  # the bars are easy: the model really learned
    assert meta["per_class_accuracy"] == [pytest.approx(matrix[k, k] / matrix[k].sum()) for k in range(3)]
    on_wire = built.files["models/tiny/model.json"].stat().st_size + \
        built.files["models/tiny/group1-shard1of1.bin"].stat().st_size
    assert meta["bytes"] == on_wire
    assert meta["versions"]["tensorflowjs"] == "4.22.0" and meta["quantize"] == "none"
    topology = json.loads(built.files["models/tiny/model.json"].read_text())
    names = [layer["config"]["name"] for layer in topology["modelTopology"]["model_config"]["config"]["layers"]]
    assert names == ["image", "pad_1", "conv_1", "relu_2", "maxpool_3", "flatten_4", "dense_5"]


def test_converted_model_predicts_like_keras(site, built):
    """The weights on the wire reproduce the Keras model (read back with tensorflowjs' own loader)."""
    from sitegen.models.conversion import load_tfjs_model
    from sitegen.models.evaluation import predict_probabilities

    root, dataset = site
    x_test, y_test = bars(60, 2)
    served = load_tfjs_model(built.dir)
    probabilities = predict_probabilities(served, x_test)
    assert probabilities.shape == (60, 3)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, atol=1e-5)
    evaluation = evaluate_predictions(probabilities, y_test, 3)
    assert evaluation.confusion_matrix == built.metadata["confusion_matrix"]


def test_training_is_deterministic(site, built):
    root, dataset = site
    again = build(root, dataset, retrain=True, epochs=3, learning_rate=0.01)
    assert again.files["models/tiny/group1-shard1of1.bin"].read_bytes() == \
        built.files["models/tiny/group1-shard1of1.bin"].read_bytes()
    assert again.metadata["history"] == built.metadata["history"]


def test_another_seed_gives_other_weights(site, built):
    root, dataset = site
    other = build(root, dataset, name="seeded", epochs=3, learning_rate=0.01, seed=7)
    assert other.files["models/seeded/group1-shard1of1.bin"].read_bytes() != \
        built.files["models/tiny/group1-shard1of1.bin"].read_bytes()


CACHED_BUILD = """
import sys, json
sys.path.insert(0, {tests!r})
from pathlib import Path
from test_models_build import build, dataset_artifact
from sitegen.datasets.format import read_manifest
root = Path({root!r})
dataset = dataset_artifact(root / "data", read_manifest(root / "data"))
artifact = build(root, dataset, epochs=3, learning_rate=0.01, title="Bars")
print(json.dumps({{"tf": "tensorflow" in sys.modules, "accuracy": artifact.metadata["test_accuracy"],
                  "title": artifact.metadata["title"], "dir": str(artifact.dir)}}))
"""


def test_unchanged_rebuild_does_not_import_tensorflow(site, built):
    root, _ = site
    code = CACHED_BUILD.format(tests=str(ROOT / "tests"), root=str(root))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert "model tiny: up to date (cached)" in out.stdout
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == {"tf": False, "accuracy": built.metadata["test_accuracy"], "title": "Bars",
                      "dir": str(built.dir)}


def test_changed_options_rebuild_and_drop_stale_cache(tmp_path):
    dataset = make_site(tmp_path)
    first = build(tmp_path, dataset)
    second = build(tmp_path, dataset, batch_size=16)
    assert first.dir != second.dir and second.dir.is_dir() and not first.dir.exists()
    assert sorted(p.name for p in (tmp_path / ".cache" / "models").iterdir()) == [second.dir.name]


def test_changed_layer_list_rebuilds(tmp_path):
    dataset = make_site(tmp_path)
    first = build(tmp_path, dataset)
    (tmp_path / "tiny.json").write_text(json.dumps(TINY_CONV[:1] + TINY_CONV[2:]))  # no ReLU
    second = build(tmp_path, dataset)
    assert second.dir != first.dir and second.metadata["summary"][2]["type"] == "MaxPooling2D"


def test_quantization_shrinks_the_wire_bytes(site, built):
    root, dataset = site
    sizes = {"none": built.files["models/tiny/group1-shard1of1.bin"].stat().st_size}
    for quantize in ("float16", "uint8"):
        artifact = build(root, dataset, name=f"q{quantize}", epochs=3, learning_rate=0.01, quantize=quantize)
        shard = artifact.files[f"models/q{quantize}/group1-shard1of1.bin"]
        sizes[quantize] = shard.stat().st_size
        manifest = json.loads(artifact.files[f"models/q{quantize}/model.json"].read_text())["weightsManifest"]
        assert {w["quantization"]["dtype"] for w in manifest[0]["weights"]} == {quantize}
        assert artifact.metadata["quantize"] == quantize
        # same training, so the accuracy readers get stays close to the float32 model's
        assert abs(artifact.metadata["test_accuracy"] - built.metadata["test_accuracy"]) <= 0.05
        assert artifact.metadata["keras_test_accuracy"] == built.metadata["test_accuracy"]
    assert sizes["none"] == 475 * 4
    assert sizes["float16"] == 475 * 2
    assert sizes["uint8"] == 475


def test_dataset_not_available_gives_notice(tmp_path):
    (tmp_path / "tiny.json").write_text(json.dumps(TINY_CONV))
    offline = "The data set “Bars” could not be downloaded when this site was built, so the demo is not available."
    missing = DatasetArtifact(name="bars", available=False, notice=offline)
    artifact = build(tmp_path, missing, title="Tiny net")
    assert not artifact.available and artifact.files == {}
    assert artifact.notice == offline  # one sentence for a reader: no internal names, no nested parentheses
    config = model_config(tmp_path, title="Tiny net")
    unbuilt = build_models(context(tmp_path, [config]), {})["tiny"]  # data phase gave nothing for it
    assert not unbuilt.available
    assert unbuilt.notice == "The model “Tiny net” could not be built for this site, so the demo is not available."
    # Without a title the notice names no table key: readers never see "tiny".
    untitled = build_models(context(tmp_path, [model_config(tmp_path)]), {})["tiny"]
    assert untitled.notice == "The model for this demo could not be built for this site, so the demo is not available."


def test_shape_errors_fail_before_tensorflow(tmp_path):
    dataset = make_site(tmp_path)
    (tmp_path / "tiny.json").write_text(json.dumps(TINY_CONV[:3] + TINY_CONV[4:]))
    with pytest.raises(ModelError, match=r"tiny.json: layer 4 \('Fully connected'\) needs a flat input but gets "
                                         r"6x6x4: add a Flatten before it"):
        build(tmp_path, dataset)
    assert not (tmp_path / ".cache").exists()


def test_wrong_class_count_in_layer_list(tmp_path):
    dataset = make_site(tmp_path)
    (tmp_path / "tiny.json").write_text(json.dumps(TINY_CONV[:-1] + [{"layerName": "Fully connected",
                                                                      "hiddenUnits": 10}]))
    with pytest.raises(ModelError, match="output has 10 units but the data set has 3 classes"):
        build(tmp_path, dataset)


# --- builders -------------------------------------------------------------------------------

GOOD_BUILDER = """
import tensorflow as tf

def build(input_shape, num_classes):
    return tf.keras.Sequential([
        tf.keras.Input(shape=input_shape),
        tf.keras.layers.Flatten(),
        tf.keras.layers.Dense(num_classes),  # logits: sitegen adds the softmax
    ])

def wrong_output(input_shape, num_classes):
    return tf.keras.Sequential([tf.keras.Input(shape=input_shape), tf.keras.layers.Flatten(),
                                tf.keras.layers.Dense(num_classes + 1, activation="softmax")])

def wrong_input(input_shape, num_classes):
    return tf.keras.Sequential([tf.keras.Input(shape=(28, 28, 1)), tf.keras.layers.Flatten(),
                                tf.keras.layers.Dense(num_classes, activation="softmax")])

def not_a_model(input_shape, num_classes):
    return [input_shape, num_classes]

def raises(input_shape, num_classes):
    raise ValueError("bad idea")
"""


@pytest.fixture(scope="module")
def builder_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("builder")
    dataset = make_site(root)
    (root / "nets.py").write_text(GOOD_BUILDER)
    (root / "broken.py").write_text("def build(:\n")
    (root / "exits.py").write_text("import sys\n\ndef build(input_shape, num_classes):\n    sys.exit(3)\n")
    (root / "quits.py").write_text("import sys\nsys.exit('no GPU')\n")
    return root, dataset


def test_builder_model_trains_and_gets_softmax(builder_site):
    root, dataset = builder_site
    console = Console(record=True, width=200)
    config = model_config(root, builder="nets.py:build")
    ctx = context(root, [config], console=console)
    artifact = build_models(ctx, {"bars": dataset})["tiny"]
    assert artifact.metadata["summary"][-1]["type"] == "Softmax"
    assert artifact.metadata["params"] == 144 * 3 + 3
    assert any("ends without a softmax; sitegen added one" in w for w in ctx.warnings)
    assert "tiny epoch 1/1: loss" in console.export_text()


@pytest.mark.parametrize("spec, message", [
    ("nets.py:missing", "nets.py: no function 'missing' in the builder (functions found: build, wrong_output, "
                        "wrong_input, not_a_model, raises)"),
    ("nets.py:wrong_output", "nets.py:wrong_output: the model's output shape is 4 but the data set has 3 classes: "
                             "the last layer needs 3 units"),
    ("nets.py:wrong_input", "nets.py:wrong_input: the model's input shape is 28x28x1 but the data set's examples "
                            "are 12x12x1"),
    ("nets.py:not_a_model", "nets.py: not_a_model() must return a tf.keras model, got list"),
    ("nets.py:raises", "nets.py: raises((12, 12, 1), 3) failed: ValueError: bad idea"),
    ("broken.py:build", "broken.py:1: syntax error in the builder"),
    ("exits.py:build", "exits.py: build((12, 12, 1), 3) called sys.exit(3)"),
    ("quits.py:build", "quits.py: importing the builder called sys.exit('no GPU')"),
])
def test_builder_errors(builder_site, spec, message):
    root, dataset = builder_site
    with pytest.raises(ModelError) as e:
        build(root, dataset, builder=spec)
    assert message in str(e.value) and "\n" not in str(e.value)
    assert not list((root / ".cache" / "models").glob(".*.new-*"))  # no staging folder left


def test_example_builders_fit_mnist_shapes():
    from sitegen.models.keras_models import check_model_fits, keras_from_builder

    for path, function, params in [(ROOT / "content/models/mnist_cnn.py", "codelab_cnn", 208 + 3216 + 2570),
                                   (ROOT / "content/models/mnist_cnn.py", "keras_to_web_cnn", None),
                                   (ROOT / "content/models/emnist_dense.py", "build", 784 * 128 + 128 + 128 * 128
                                    + 128 + 1290)]:
        model = keras_from_builder(path, function, (28, 28, 1), 10, where=path)
        check_model_fits(model, (28, 28, 1), 10, where=path)
        if params is not None:
            assert model.count_params() == params


def test_layer_list_params_match_keras():
    from sitegen.models.keras_models import keras_from_layer_list
    from sitegen.models.layers import count_params, infer_shapes, read_layer_list

    for name, shape, classes in [("mnist-conv.json", (28, 28, 1), 10), ("runes-fully-connected.json", (32, 32, 1), 24)]:
        specs = read_layer_list(ROOT / "content/models" / name)
        model = keras_from_layer_list(specs, shape, classes, name)
        assert model.count_params() == count_params(infer_shapes(specs, shape, classes))
        assert model.output_shape == (None, classes)


# --- loading saved models -------------------------------------------------------------------

@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A trained Keras model saved as .h5 and as a SavedModel folder, with its probabilities."""
    from sitegen.models.runtime import import_tensorflow

    tf = import_tensorflow()
    root = tmp_path_factory.mktemp("saved")
    tf.keras.utils.set_random_seed(3)
    model = tf.keras.Sequential([tf.keras.Input(shape=SHAPE), tf.keras.layers.Flatten(),
                                 tf.keras.layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    x, y = bars(240, 1)
    model.fit(x / 255.0, y, epochs=3, verbose=0)
    model.save(root / "model.h5")
    model.save(root / "savedmodel")
    x_test, _ = bars(60, 2)
    return root, model.predict(x_test.astype(np.float32) / 255, verbose=0)


@pytest.mark.parametrize("path", ["model.h5", "savedmodel"])
def test_load_keras_model_without_training(tmp_path, saved, path):
    from sitegen.models.conversion import load_tfjs_model
    from sitegen.models.evaluation import predict_probabilities

    saved_root, expected = saved
    dataset = make_site(tmp_path)
    artifact = build(tmp_path, dataset, load=str(saved_root / path))
    assert artifact.metadata["history"] is None and artifact.metadata["training"] is None
    served = predict_probabilities(load_tfjs_model(artifact.dir), bars(60, 2)[0])
    np.testing.assert_allclose(served, expected, atol=1e-6)
    assert artifact.metadata["confusion_matrix"] == evaluate_predictions(expected, bars(60, 2)[1], 3).confusion_matrix


def test_load_tfjs_folder_is_copied_as_is(tmp_path, site, built):
    dataset = make_site(tmp_path)
    artifact = build(tmp_path, dataset, load=str(built.dir))
    for file in ("model.json", "group1-shard1of1.bin"):
        assert artifact.files[f"models/tiny/{file}"].read_bytes() == (built.dir / file).read_bytes()
    assert artifact.metadata["test_accuracy"] == built.metadata["test_accuracy"]
    assert artifact.metadata["quantize"] == "as loaded"


def test_weights_outside_the_model_folder_are_refused(tmp_path, built):
    dataset = make_site(tmp_path)
    model = tmp_path / "web" / "model"
    model.mkdir(parents=True)
    (tmp_path / "web" / "secret.txt").write_text("not for the public")
    topology = json.loads((built.dir / "model.json").read_text())
    topology["weightsManifest"][0]["paths"] = ["../secret.txt"]
    (model / "model.json").write_text(json.dumps(topology))
    with pytest.raises(ModelError, match=r"model.json: model.json names the weight file '../secret.txt', which is "
                                         r"outside the model's folder"):
        build(tmp_path, dataset, load="web/model")
    assert not list((tmp_path / ".cache" / "models").glob("tiny-*"))


def test_load_tfjs_folder_with_quantization_reconverts(tmp_path, built):
    dataset = make_site(tmp_path)
    artifact = build(tmp_path, dataset, load=str(built.dir / "model.json"), quantize="uint8")
    assert artifact.files["models/tiny/group1-shard1of1.bin"].stat().st_size == 475


def test_keras3_file_gets_a_clear_message(tmp_path):
    dataset = make_site(tmp_path)
    (tmp_path / "x.keras").write_bytes(b"PK\x03\x04")
    with pytest.raises(ModelError) as e:
        build(tmp_path, dataset, load="x.keras")
    assert str(e.value).startswith(f"{tmp_path / 'x.keras'}: x.keras is a Keras 3 file; the tensorflowjs converter "
                                   f"needs Keras 2: re-save it with tf_keras")


def test_corrupt_model_files(tmp_path, saved):
    dataset = make_site(tmp_path)
    (tmp_path / "junk.h5").write_bytes(b"this is not hdf5")
    with pytest.raises(ModelError, match=r"junk.h5: not an HDF5 file \(corrupt or not a Keras .h5 model\)"):
        build(tmp_path, dataset, load="junk.h5")
    good = (saved[0] / "model.h5").read_bytes()
    (tmp_path / "cut.h5").write_bytes(good[:len(good) // 3])
    with pytest.raises(ModelError, match=r"cut.h5: cannot read this Keras .h5 model: "):
        build(tmp_path, dataset, load="cut.h5")
    folder = tmp_path / "tfjs"
    folder.mkdir()
    (folder / "model.json").write_text('{"modelTopology": {}, "weightsManifest": [{"paths": ["w.bin"]}]}')
    with pytest.raises(ModelError, match=r"model.json names the weight file 'w.bin', which is missing"):
        build(tmp_path, dataset, load="tfjs")
    assert not list((tmp_path / ".cache" / "models").glob("*"))


def test_loaded_model_with_wrong_input_shape(tmp_path, saved):
    from sitegen.models.runtime import import_tensorflow

    tf = import_tensorflow()
    dataset = make_site(tmp_path)
    model = tf.keras.Sequential([tf.keras.Input(shape=(28, 28, 1)), tf.keras.layers.Flatten(),
                                 tf.keras.layers.Dense(3, activation="softmax")])
    model.save(tmp_path / "mnist.h5")
    with pytest.raises(ModelError, match=r"mnist.h5: the model's input shape is 28x28x1 but the data set's "
                                         r"examples are 12x12x1"):
        build(tmp_path, dataset, load="mnist.h5")


# --- evaluation (plain numpy) ---------------------------------------------------------------

def test_evaluation_counts():
    probabilities = np.array([[0.9, 0.1, 0], [0.2, 0.7, 0.1], [0.6, 0.3, 0.1], [0.1, 0.1, 0.8]])
    evaluation = evaluate_predictions(probabilities, np.array([0, 1, 1, 0]), 3)
    assert evaluation.confusion_matrix == [[1, 0, 1], [1, 1, 0], [0, 0, 0]]
    assert evaluation.accuracy == 0.5
    assert evaluation.per_class_accuracy == [0.5, 0.5, None]


def test_thousands_of_classes_list_top_confusions_instead_of_a_matrix():
    classes = 13_065
    labels = np.arange(40) * 300
    predicted = labels.copy()
    predicted[:6] = 7  # six mistakes into class 7 ...
    predicted[6:8] = 9  # ... two into class 9
    probabilities = np.zeros((40, classes), dtype=np.float32)
    probabilities[np.arange(40), predicted] = 1
    evaluation = evaluate_predictions(probabilities, labels, classes)
    assert evaluation.confusion_matrix is None and evaluation.accuracy == pytest.approx(32 / 40)
    assert evaluation.top_confusions[:2] == [[0, 7, 1], [300, 7, 1]]
    assert len(evaluation.top_confusions) == 8 and {t[1] for t in evaluation.top_confusions} == {7, 9}
    assert evaluation.per_class_accuracy[0] == 0.0 and evaluation.per_class_accuracy[2400] == 1.0
    assert evaluation.per_class_accuracy[1] is None and len(evaluation.per_class_accuracy) == classes
    small = evaluate_predictions(probabilities[:, :3][:1], labels[:1], 3)
    assert small.confusion_matrix is not None and small.top_confusions == []
