"""The EMNIST write-up's dense network: flatten, two hidden layers of 128, softmax.

Used as ``builder = "models/emnist_dense.py:build"``.
"""

import tensorflow as tf


def build(input_shape, num_classes):
    layers = tf.keras.layers
    return tf.keras.Sequential([
        tf.keras.Input(shape=input_shape),
        layers.Flatten(),
        layers.Dense(128, activation="relu"),
        layers.Dense(128, activation="relu"),
        layers.Dense(num_classes, activation="softmax"),
    ], name="emnist_dense")
