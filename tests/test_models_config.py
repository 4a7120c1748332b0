"""The [models.<name>] options."""

import pytest

from sitegen.errors import ConfigError
from sitegen.config.models import ModelConfig
from sitegen.config.options import LoadContext


def load(tmp_path, table):
    ctx = LoadContext(file=tmp_path / "sitegen.toml", base_dir=tmp_path)
    return ModelConfig.load(table, ctx, prefix="models.cnn."), ctx


def test_defaults_and_layers_path(tmp_path):
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "net.json").write_text("[]")
    config, ctx = load(tmp_path, {"dataset": "mnist", "layers": "models/net.json"})
    assert config.layers == tmp_path / "models" / "net.json"
    assert config.source == "layers"
    assert (config.epochs, config.batch_size, config.optimizer, config.quantize, config.seed) == (5, 64, "adam", "none", 1)
    assert config.load is None and config.builder is None
    assert ctx.warnings == []


def test_builder_is_split_into_file_and_function(tmp_path):
    (tmp_path / "cnn.py").write_text("def build(s, n): pass\n")
    config, _ = load(tmp_path, {"dataset": "mnist", "builder": "cnn.py:build"})
    assert (config.source, config.builder_path, config.builder_function) == ("builder", tmp_path / "cnn.py", "build")


def test_builder_file_must_exist(tmp_path):
    with pytest.raises(ConfigError, match=r"Config value 'models.cnn.builder': expected 'file.py:function' naming "
                                          r"an existing file, got 'nope.py:build', but .*nope.py does not exist"):
        load(tmp_path, {"dataset": "mnist", "builder": "nope.py:build"})


@pytest.mark.parametrize("table, found", [
    ({"dataset": "mnist"}, "none of them"),
    ({"dataset": "mnist", "layers": "a.json", "load": "m.h5"}, "both 'layers' and 'load'"),
])
def test_exactly_one_source(tmp_path, table, found):
    (tmp_path / "a.json").write_text("[]")
    (tmp_path / "m.h5").write_bytes(b"")
    with pytest.raises(ConfigError) as e:
        load(tmp_path, table)
    assert str(e.value) == (f"{tmp_path / 'sitegen.toml'}: Config value 'models.cnn': expected exactly one of "
                            f"'layers', 'builder' or 'load', got {found}")


@pytest.mark.parametrize("key, value, expected", [
    ("quantize", "int8", "one of 'none', 'float16', 'uint8'"),
    ("optimizer", "lbfgs", "one of 'adam', 'sgd', 'rmsprop', 'adagrad'"),
    ("epochs", 0, "an integer from 1 to 1000"),
    ("learning_rate", 0, "a number greater than 0 to 10"),
    ("validation_split", 0.9, "a number from 0 to 0.5"),
])
def test_bad_training_options(tmp_path, key, value, expected):
    (tmp_path / "a.json").write_text("[]")
    with pytest.raises(ConfigError, match=f"Config value 'models.cnn.{key}': expected {expected}"):
        load(tmp_path, {"dataset": "mnist", "layers": "a.json", key: value})


def test_missing_load_file(tmp_path):
    with pytest.raises(ConfigError, match=r"Config value 'models.cnn.load': expected an existing path, got "
                                          r"'gone.h5', which does not exist"):
        load(tmp_path, {"dataset": "mnist", "load": "gone.h5"})


def test_schema_load_still_reads_tables(tmp_path):
    # the 'load' option must not hide the Schema.load classmethod
    (tmp_path / "m.h5").write_bytes(b"")
    config, _ = load(tmp_path, {"dataset": "mnist", "load": "m.h5", "title": "A CNN"})
    assert callable(ModelConfig.load) and config.load == tmp_path / "m.h5" and config.title == "A CNN"
