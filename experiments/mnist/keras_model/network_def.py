# HyperPower template: LeNet-style CNN on MNIST with the paper's 6 hyper-parameters (§4):
# features and kernel sizes of the two convolutions, fully connected units, learning rate.
# Each hyper-parameter token below is replaced by a value before this file runs (design §3).
import keras

from hyperpower.datasets import load_keras_dataset

(x_train, y_train), (x_test, y_test) = load_keras_dataset("mnist")
x_train = (x_train.reshape(-1, 28, 28, 1) / 255.0).astype("float32")
x_test = (x_test.reshape(-1, 28, 28, 1) / 255.0).astype("float32")

model = keras.Sequential([
    keras.Input(shape=(28, 28, 1)),
    keras.layers.Conv2D(HYPERPARAM{"type": "INT", "token": "conv1_num_output", "min": 20, "max": 80, "structural": true},
                        HYPERPARAM{"type": "INT", "token": "conv1_kernel_size", "min": 2, "max": 5, "structural": true},
                        padding="same"),
    keras.layers.MaxPooling2D(pool_size=2, strides=2),
    keras.layers.Conv2D(HYPERPARAM{"type": "INT", "token": "conv2_num_output", "min": 20, "max": 80, "structural": true},
                        HYPERPARAM{"type": "INT", "token": "conv2_kernel_size", "min": 2, "max": 5, "structural": true},
                        padding="same"),
    keras.layers.MaxPooling2D(pool_size=2, strides=2),
    keras.layers.Flatten(),
    keras.layers.Dense(HYPERPARAM{"type": "INT", "token": "ip1_num_output", "min": 200, "max": 700, "structural": true},
                       activation="relu"),
    keras.layers.Dense(10, activation="softmax"),
])
model.compile(
    optimizer=keras.optimizers.SGD(
        learning_rate=HYPERPARAM{"type": "FLOAT", "token": "learning_rate", "min": 0.001, "max": 0.1, "scale": "log", "structural": false},
        momentum=0.9, weight_decay=0.0005),
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)

batch_size = 64
epochs = 3
