"""Layer lists and their shape rules (pure Python, no TensorFlow)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sitegen.errors import ModelError
from sitegen.models.layers import count_params, infer_shapes, parse_layer_list, read_layer_list, window_output

CONTENT_MODELS = Path(__file__).resolve().parent.parent / "content" / "models"

CONV = [
    {"layerName": "Convolution", "fieldSize": 5, "stride": 1, "zeroPad": 2, "outputDepth": 8},
    {"layerName": "ReLU"},
    {"layerName": "Max pool", "fieldSize": 2, "stride": 2, "zeroPad": 0},
    {"layerName": "Convolution", "fieldSize": 5, "stride": 1, "zeroPad": 2, "outputDepth": 16},
    {"layerName": "ReLU"},
    {"layerName": "Max pool", "fieldSize": 2, "stride": 2, "zeroPad": 0},
    {"layerName": "Flatten"},
    {"layerName": "Fully connected", "hiddenUnits": 10},
]


def write_list(tmp_path, layers, name="net.json"):
    path = tmp_path / name
    path.write_text(json.dumps(layers))
    return path


def test_mnist_conv_shapes_and_params():
    shapes = infer_shapes(parse_layer_list(CONV), (28, 28, 1), 10)
    assert [s.output_shape for s in shapes] == [
        (28, 28, 8), (28, 28, 8), (14, 14, 8), (14, 14, 16), (14, 14, 16), (7, 7, 16), (784,), (10,)]
    # conv1 5*5*1*8+8, conv2 5*5*8*16+16, dense 784*10+10
    assert [s.params for s in shapes if s.params] == [208, 3216, 7850]
    assert count_params(shapes) == 208 + 3216 + 7850


def test_window_formula_matches_deeplearn():
    assert window_output(28, 5, 1, 2) == 28
    assert window_output(28, 5, 1, 0) == 24
    assert window_output(7, 2, 2, 0) == 3  # floor
    assert window_output(1, 2, 2, 0) == 0  # too small


def test_pool_stride_defaults_to_field_size():
    specs = parse_layer_list([{"layerName": "Max pool", "fieldSize": 3}])
    assert specs[0].params == {"fieldSize": 3, "zeroPad": 0, "stride": 3}
    assert infer_shapes(specs, (9, 9, 2))[0].output_shape == (3, 3, 2)


def test_pooling_below_one_pixel_names_layer_and_shapes(tmp_path):
    layers = [{"layerName": "Convolution", "fieldSize": 3, "stride": 1, "zeroPad": 1, "outputDepth": 16},
              {"layerName": "Max pool", "fieldSize": 2, "stride": 2, "zeroPad": 0},
              {"layerName": "Max pool", "fieldSize": 2, "stride": 2, "zeroPad": 0},
              {"layerName": "Flatten"}, {"layerName": "Fully connected", "hiddenUnits": 3}]
    path = write_list(tmp_path, layers, "mnist-conv.json")
    with pytest.raises(ModelError) as e:
        infer_shapes(read_layer_list(path), (2, 2, 1), 3, where=path)
    assert str(e.value) == (f"{path}: layer 3 ('Max pool'): input 1x1x16 is too small for fieldSize 2 stride 2 "
                            f"-- make sure your shapes flow")


def test_missing_flatten_before_fully_connected():
    layers = CONV[:6] + [CONV[7]]  # drop the Flatten
    with pytest.raises(ModelError, match=r"layer 7 \('Fully connected'\) needs a flat input but gets 7x7x16: "
                                         r"add a Flatten before it"):
        infer_shapes(parse_layer_list(layers), (28, 28, 1), 10)


def test_convolution_after_flatten():
    layers = [{"layerName": "Flatten"}, CONV[0]]
    with pytest.raises(ModelError, match=r"layer 2 \('Convolution'\) needs an image input .* gets 784"):
        infer_shapes(parse_layer_list(layers), (28, 28, 1))


def test_last_layer_units_must_match_classes():
    with pytest.raises(ModelError, match="output has 10 units but the data set has 90 classes: set the last "
                                         "'Fully connected' layer's hiddenUnits to 90"):
        infer_shapes(parse_layer_list(CONV), (28, 28, 1), 90)


def test_model_must_end_flat():
    with pytest.raises(ModelError, match=r"layer 2 \('ReLU'\): the model ends with shape 28x28x8"):
        infer_shapes(parse_layer_list(CONV[:2]), (28, 28, 1), 10)


@pytest.mark.parametrize("entry, message", [
    ({"layerName": "Conv"}, "layer 1: unknown layerName \"Conv\" (known: Convolution, Max pool"),
    ({"fieldSize": 2}, "layer 1: no layerName (known:"),
    ({"layerName": "Convolution", "fieldSize": 5, "outputDepth": 8, "filedSize": 3},
     "layer 1 ('Convolution'): unknown field 'filedSize' (allowed: fieldSize, zeroPad, stride, outputDepth)"),
    ({"layerName": "Convolution", "fieldSize": 5}, "layer 1 ('Convolution'): field 'outputDepth' is missing"),
    ({"layerName": "Convolution", "fieldSize": 0, "outputDepth": 8},
     "layer 1 ('Convolution'): field 'fieldSize': expected an integer >= 1, got 0"),
    ({"layerName": "Fully connected", "hiddenUnits": 2.5}, "field 'hiddenUnits': expected an integer >= 1, got 2.5"),
    ({"layerName": "Dropout", "rate": 1}, "field 'rate': expected a number from 0 up to (not including) 1, got 1"),
    ({"layerName": "Dense", "units": 3, "activation": "gelu"}, "field 'activation': expected one of 'linear'"),
    ("ReLU", "layer 1: expected an object with a 'layerName', got \"ReLU\""),
])
def test_bad_entries_fail_with_one_line(tmp_path, entry, message):
    path = write_list(tmp_path, [entry])
    with pytest.raises(ModelError) as e:
        read_layer_list(path)
    text = str(e.value)
    assert text.startswith(f"{path}: ") and message in text and "\n" not in text


def test_invalid_json_names_line(tmp_path):
    path = tmp_path / "net.json"
    path.write_text('[\n {"layerName": "ReLU"},\n oops\n]')
    with pytest.raises(ModelError, match=r"net.json:3: not valid JSON"):
        read_layer_list(path)


def test_empty_list_is_rejected(tmp_path):
    with pytest.raises(ModelError, match="non-empty JSON array"):
        read_layer_list(write_list(tmp_path, []))


@pytest.mark.parametrize("name, shape, classes", [
    ("mnist-conv.json", (28, 28, 1), 10), ("mnist-fully-connected.json", (28, 28, 1), 10),
    ("runes-conv.json", (32, 32, 1), 24), ("runes-fully-connected.json", (32, 32, 1), 24),
])
def test_example_layer_lists_flow(name, shape, classes):
    path = CONTENT_MODELS / name
    shapes = infer_shapes(read_layer_list(path), shape, classes, where=path)
    assert shapes[-1].output_shape == (classes,)


def test_layer_module_does_not_import_tensorflow():
    code = ("import sys; import sitegen.models, sitegen.models.layers, sitegen.models.pipeline; "
            "print('tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parent.parent, check=True)
    assert out.stdout.strip() == "False"
