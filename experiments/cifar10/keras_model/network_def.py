# HyperPower template: the paper's AlexNet-style CIFAR-10 network with 13 hyper-parameters (§4):
# features (20-80) and kernel sizes (2-5) of three convolutions, the three pooling kernels (1-3),
# the fully connected units (200-700), learning rate (0.001-0.1), momentum (0.8-0.95) and weight
# decay (0.0001-0.01). Each token is replaced by a value before this file runs (design §3).
import keras

from hyperpower.datasets import load_keras_dataset

(x_train, y_train), (x_test, y_test) = load_keras_dataset("cifar10")
x_train = (x_train / 255.0).astype("float32")
x_test = (x_test / 255.0).astype("float32")

model = keras.Sequential([
    keras.Input(shape=(32, 32, 3)),
    keras.layers.Conv2D(HYPERPARAM{"type": "INT", "token": "conv1_num_output", "min": 20, "max": 80, "structural": true},
                        HYPERPARAM{"type": "INT", "token": "conv1_kernel_size", "min": 2, "max": 5, "structural": true},
                        padding="same"),
    keras.layers.MaxPooling2D(pool_size=HYPERPARAM{"type": "INT", "token": "pool1_kernel_size", "min": 1, "max": 3, "structural": true},
                              strides=2, padding="same"),
    keras.layers.ReLU(),
    keras.layers.Conv2D(HYPERPARAM{"type": "INT", "token": "conv2_num_output", "min": 20, "max": 80, "structural": true},
                        HYPERPARAM{"type": "INT", "token": "conv2_kernel_size", "min": 2, "max": 5, "structural": true},
                        padding="same", activation="relu"),
    keras.layers.AveragePooling2D(pool_size=HYPERPARAM{"type": "INT", "token": "pool2_kernel_size", "min": 1, "max": 3, "structural": true},
                                  strides=2, padding="same"),
    keras.layers.Conv2D(HYPERPARAM{"type": "INT", "token": "conv3_num_output", "min": 20, "max": 80, "structural": true},
                        HYPERPARAM{"type": "INT", "token": "conv3_kernel_size", "min": 2, "max": 5, "structural": true},
                        padding="same", activation="relu"),
    keras.layers.AveragePooling2D(pool_size=HYPERPARAM{"type": "INT", "token": "pool3_kernel_size", "min": 1, "max": 3, "structural": true},
                                  strides=2, padding="same"),
    keras.layers.Flatten(),
    keras.layers.Dense(HYPERPARAM{"type": "INT", "token": "ip1_num_output", "min": 200, "max": 700, "structural": true},
                       activation="relu"),
    keras.layers.Dense(10, activation="softmax"),
])
model.compile(
    optimizer=keras.optimizers.SGD(
        learning_rate=HYPERPARAM{"type": "FLOAT", "token": "learning_rate", "min": 0.001, "max": 0.1, "scale": "log", "structural": false},
        momentum=HYPERPARAM{"type": "FLOAT", "token": "momentum", "min": 0.8, "max": 0.95, "structural": false},
        weight_decay=HYPERPARAM{"type": "FLOAT", "token": "weight_decay", "min": 0.0001, "max": 0.01, "scale": "log", "structural": false}),
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)

batch_size = 100
epochs = 10
