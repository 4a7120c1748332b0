"""Keras builders for the MNIST CNNs of two tutorials; sitegen calls them as
``builder = "models/mnist_cnn.py:codelab_cnn"`` with the data set's input shape and class count.

Build with ``tf.keras`` (sitegen sets TF_USE_LEGACY_KERAS=1 before TensorFlow starts, so this
is Keras 2, which the tensorflowjs converter needs).
"""

import tensorflow as tf


def codelab_cnn(input_shape, num_classes):
    """The TF.js codelab's network: two conv + max-pool stages, then a softmax layer."""
    layers = tf.keras.layers
    return tf.keras.Sequential([
        tf.keras.Input(shape=input_shape),
        layers.Conv2D(8, 5, strides=1, activation="relu", kernel_initializer="variance_scaling"),
        layers.MaxPooling2D(pool_size=2, strides=2),
        layers.Conv2D(16, 5, strides=1, activation="relu", kernel_initializer="variance_scaling"),
        layers.MaxPooling2D(pool_size=2, strides=2),
        layers.Flatten(),
        layers.Dense(num_classes, activation="softmax", kernel_initializer="variance_scaling"),
    ], name="codelab_cnn")


def keras_to_web_cnn(input_shape, num_classes):
    """The "bring your neural network to the web" post's Keras MNIST CNN."""
    layers = tf.keras.layers
    return tf.keras.Sequential([
        tf.keras.Input(shape=input_shape),
        layers.Conv2D(64, 3, activation="relu"),
        layers.Conv2D(32, 3, activation="relu"),
        layers.MaxPooling2D(pool_size=2),
        layers.Dropout(0.25),
        layers.Flatten(),
        layers.Dense(128, activation="relu"),
        layers.Dropout(0.5),
        layers.Dense(num_classes, activation="softmax"),
    ], name="keras_to_web_cnn")
