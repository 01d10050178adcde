"""Digits CNN: the CPU-friendly HyperPower experiment (scikit-learn's bundled 8x8 digits, offline).

Values marked with HYPERPARAM tokens are searched by HyperPower; the file is valid Python only once
`hyperpower` has rendered them. Structural hyper-parameters (filters, kernel size, dense units)
change the network's architecture and so its power and memory; the optimizer ones do not.
"""

import keras
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

# -- data: 1797 images, (n, 8, 8, 1) float32 in [0, 1]; labels 0..9; fixed stratified split --
digits = load_digits()
images = (digits.images / 16.0).astype("float32")[..., None]
labels = digits.target.astype("int64")
x_train, x_test, y_train, y_test = train_test_split(
    images, labels, test_size=0.25, stratify=labels, random_state=0)
# HyperPower selects on a validation split it carves from x_train (a stratified 20 %, seed 0) and
# reports the test error beside it; assign x_val, y_val here to choose the validation split yourself.

# -- hyper-parameters --------------------------------------------------------------------------
conv1_filters = HYPERPARAM{"type": "INT", "token": "conv1_filters", "min": 8, "max": 64, "structural": true}
conv1_kernel = HYPERPARAM{"type": "INT", "token": "conv1_kernel", "min": 2, "max": 4, "structural": true}
conv2_filters = HYPERPARAM{"type": "INT", "token": "conv2_filters", "min": 8, "max": 64, "structural": true}
dense_units = HYPERPARAM{"type": "INT", "token": "dense_units", "min": 1, "max": 16, "transform": "X64", "structural": true}
activation = HYPERPARAM{"type": "ENUM", "token": "activation", "options": ["relu", "tanh"], "structural": false}
learning_rate = HYPERPARAM{"type": "INT", "token": "learning_rate", "min": 1, "max": 4, "transform": "NEGEXP10", "structural": false}
momentum = HYPERPARAM{"type": "FLOAT", "token": "momentum", "min": 0.8, "max": 0.95, "structural": false}
weight_decay = HYPERPARAM{"type": "FLOAT", "token": "weight_decay", "min": 1e-5, "max": 1e-2, "scale": "log", "structural": false}

batch_size = 16
epochs = 10

# -- network ------------------------------------------------------------------------------------
model = keras.Sequential([
    keras.Input(shape=(8, 8, 1)),
    keras.layers.Conv2D(conv1_filters, conv1_kernel, padding="same", activation=activation),
    keras.layers.Conv2D(conv2_filters, 3, padding="same", activation=activation),
    keras.layers.Flatten(),  # no pooling: the dense layer's size (and so memory) follows conv2 x dense
    keras.layers.Dense(dense_units, activation=activation),
    keras.layers.Dense(10, activation="softmax"),
])
model.compile(
    optimizer=keras.optimizers.SGD(learning_rate=learning_rate, momentum=momentum, weight_decay=weight_decay),
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
