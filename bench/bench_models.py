"""Accuracy and wire bytes of one trained model converted with each quantization.

    .venv/bin/python bench/bench_models.py --data .sitegen-cache/data/mnist-<key> \\
        --layers content/models/mnist-conv.json --epochs 10

``--data`` is a built data set folder (manifest.json, sprites, labels_uint8: what phase 3
writes in the cache or the site's data/<name>/). The model is trained once with sitegen's
own functions, converted with none / float16 / uint8, and each converted model is read
back and evaluated on the test split, as a reader's browser would run it. Prints a
Markdown table for BENCHMARKS.md and writes bench/out/models.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="a built data set folder")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--layers", type=Path, default=ROOT / "content/models/mnist-conv.json")
    source.add_argument("--builder", help="file.py:function")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=0.001)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    from sitegen.datasets.format import read_built
    from sitegen.models.conversion import convert_to_tfjs, load_tfjs_model, tfjs_files, wire_bytes
    from sitegen.models.evaluation import evaluate_predictions, predict_probabilities
    from sitegen.models.keras_models import keras_from_builder, keras_from_layer_list, with_softmax
    from sitegen.models.layers import read_layer_list
    from sitegen.models.training import TrainingOptions, seed_everything, train_model

    data = read_built(args.data)
    seed_everything(args.seed)
    if args.builder:
        file, _, function = args.builder.rpartition(":")
        model, _ = with_softmax(keras_from_builder(Path(file), function, data.shape, data.num_classes, where=file))
        name = args.builder
    else:
        model = keras_from_layer_list(read_layer_list(args.layers), data.shape, data.num_classes, "bench",
                                      where=args.layers)
        name = args.layers.name
    started = time.monotonic()
    train_model(model, data.x_train, data.y_train,
                TrainingOptions(args.epochs, args.batch_size, "adam", args.learning_rate, 0.1, args.seed),
                progress=sys.stdout.isatty(), label=name)
    train_seconds = time.monotonic() - started
    keras_accuracy = evaluate_predictions(predict_probabilities(model, data.x_test), data.y_test,
                                          data.num_classes).accuracy
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for quantize in ("none", "float16", "uint8"):
            folder = Path(tmp) / quantize
            convert_to_tfjs(model, folder, quantize)
            served = load_tfjs_model(folder)
            evaluation = evaluate_predictions(predict_probabilities(served, data.x_test), data.y_test,
                                              data.num_classes)
            rows.append({"quantize": quantize, "bytes": wire_bytes(tfjs_files(folder)),
                         "test_accuracy": evaluation.accuracy})
    report = {"model": name, "data": str(args.data), "train_examples": len(data.x_train),
              "test_examples": len(data.x_test), "epochs": args.epochs, "params": int(model.count_params()),
              "train_seconds": round(train_seconds, 1), "keras_test_accuracy": keras_accuracy, "converted": rows}
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "models.json").write_text(json.dumps(report, indent=1))
    print(f"\n{name}: {report['params']:,} parameters, {report['train_examples']:,} training examples, "
          f"{args.epochs} epochs ({train_seconds:.0f}s), Keras test accuracy {keras_accuracy:.4f}\n")
    print("| quantize | bytes on the wire | test accuracy |\n|---|---:|---:|")
    for row in rows:
        print(f"| {row['quantize']} | {row['bytes']:,} | {row['test_accuracy']:.4f} |")


if __name__ == "__main__":
    main()
