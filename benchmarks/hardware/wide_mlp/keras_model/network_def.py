"""Wide MLP on scikit-learn's digits: a profiling benchmark whose networks span 0.02-20 M weights.

The digits CNN (experiments/digits) is so small that its memory and latency barely move on a
CPU; this template's widths make both vary far above the measurement noise, so the fitted models
can be judged. Only used by benchmarks/hardware/run_profile_benchmark.py.
"""

import keras
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

digits = load_digits()
images = (digits.data / 16.0).astype("float32")
x_train, x_test, y_train, y_test = train_test_split(images, digits.target, test_size=0.25, random_state=0)

hidden1 = HYPERPARAM{"type": "INT", "token": "hidden1", "min": 1, "max": 16, "transform": "X256", "structural": true}
hidden2 = HYPERPARAM{"type": "INT", "token": "hidden2", "min": 1, "max": 16, "transform": "X256", "structural": true}
learning_rate = HYPERPARAM{"type": "FLOAT", "token": "learning_rate", "min": 0.001, "max": 0.1, "scale": "log", "structural": false}

batch_size = 32
model = keras.Sequential([
    keras.Input(shape=(64,)),
    keras.layers.Dense(hidden1, activation="relu"),
    keras.layers.Dense(hidden2, activation="relu"),
    keras.layers.Dense(10, activation="softmax"),
])
model.compile(optimizer=keras.optimizers.SGD(learning_rate=learning_rate),
              loss="sparse_categorical_crossentropy", metrics=["accuracy"])
