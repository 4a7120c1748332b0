"""What metadata.json tells a page about a model, including how to prepare a drawing for it.

``preprocessing`` is the contract with the drawing widget. A widget draws dark ink on a
light canvas, reads one ``channel`` ("luminance" or "alpha"), places the drawing by
``fit``, scales it to ``input_shape``, maps 0..255 to ``value_range`` [0, 1], and when
``invert`` is true uses 1 - v, so that ink is bright as in the data set:

- mnist: white digits on black, centred by centre of mass in a 20x20 box of 28x28.
- quickdraw: white strokes on black, the drawing's bounding box fitted to the image.
- glyph: ink in the alpha channel of a transparent canvas (the rune seed), whole canvas.

The kinds are the table ``sitegen.tables.PREPROCESSING``, which the draw widget reads too.
"""

from __future__ import annotations

from ..tables import PREPROCESSING


def preprocessing_for(manifest: dict, input_shape: list[int]) -> dict:
    """The preprocessing block for a model trained on a data set with this manifest."""
    canvas = manifest.get("canvas") or "mnist"
    rules = PREPROCESSING.get(canvas, PREPROCESSING["mnist"])
    h, w, c = input_shape
    box = rules["box"]
    if box is not None and (h, w) != (28, 28):
        box = round(min(h, w) * box / 28)  # keep MNIST's 20/28 margin at other sizes
    return {"canvas": canvas, "input_shape": list(input_shape), "value_range": [0, 1], "scale": 1 / 255,
            "channel": rules["channel"] if c == 1 else "rgb", "invert": rules["invert"], "fit": rules["fit"],
            "box": box}


def keras_summary(model) -> list[dict]:
    """One row per layer: name, Keras class, output shape (without the batch axis), parameters."""
    rows = []
    for layer in model.layers:
        try:
            shape = layer.output_shape
        except (AttributeError, RuntimeError):
            shape = None
        if isinstance(shape, tuple):
            shape = [None if n is None else int(n) for n in shape[1:]]
        elif isinstance(shape, list):
            shape = None  # several outputs: not shown
        rows.append({"name": layer.name, "type": type(layer).__name__, "output_shape": shape,
                     "params": int(layer.count_params())})
    return rows
