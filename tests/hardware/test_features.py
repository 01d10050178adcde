"""network_features: parameters, MACs and activation sizes counted by hand for small networks."""

from __future__ import annotations

import keras

from hyperpower.hardware.features import network_features

layers = keras.layers


def _conv_net():
    return keras.Sequential([
        keras.Input((8, 8, 1)),
        layers.Conv2D(4, 3, padding="same"),   # 64 positions x (3*3*1*4) = 2304 MACs, 40 params
        layers.MaxPooling2D(2),                # 0 MACs
        layers.Flatten(),
        layers.Dense(16),                      # 64*16 = 1024 MACs, 1040 params
    ])


def test_sequential_conv_net_by_hand() -> None:
    features = network_features(_conv_net())
    assert features["parameters"] == 40 + 1040
    assert features["macs"] == 2304 + 1024
    assert features["activations"] == 8 * 8 * 4 + 4 * 4 * 4 + 64 + 16
    assert features["peak_activation"] == 8 * 8 * 1 + 8 * 8 * 4
    assert features["layers"] == 4


def test_functional_model_with_nested_sequential_matches_flat_counts() -> None:
    inputs = keras.Input((8, 8, 1))
    outputs = _conv_net()(inputs)
    nested = keras.Model(inputs, outputs)
    assert network_features(nested) == network_features(_conv_net())


def test_sequential_built_without_input_propagates_shapes() -> None:
    model = keras.Sequential([layers.Dense(4), layers.Dense(2)])
    model.build((None, 5))
    features = network_features(model)
    assert features["macs"] == 5 * 4 + 4 * 2
    assert features["activations"] == 4 + 2


def test_depthwise_strided_and_transposed_convolutions() -> None:
    model = keras.Sequential([
        keras.Input((8, 8, 3)),
        layers.DepthwiseConv2D(3, padding="same"),          # 64 x (3*3*3*1) = 1728
        layers.Conv2D(6, 3, strides=2, padding="same"),     # 16 positions x (3*3*3*6) = 2592
        layers.Conv2DTranspose(2, 2, strides=2),            # 16 input positions x (2*2*2*6) = 768
    ])
    assert network_features(model)["macs"] == 1728 + 2592 + 768


def test_features_grow_with_width() -> None:
    def net(units: int):
        return keras.Sequential([keras.Input((10,)), layers.Dense(units), layers.Dense(3)])

    small, large = network_features(net(8)), network_features(net(64))
    assert large["parameters"] > small["parameters"] and large["macs"] > small["macs"]
    assert large["activations"] - small["activations"] == 64 - 8


def test_feature_function_builds_once_per_structural_configuration(tmp_path) -> None:
    from hardware_fixtures import write_tiny_experiment
    from hyperpower.hardware.features import feature_function_for
    from hyperpower.template import parse_template

    template = parse_template(write_tiny_experiment(tmp_path) / "keras_model" / "network_def.py")
    features = feature_function_for(template, workdir=tmp_path / "work")
    first = features({"units": 128, "learning_rate": 0.01})
    assert first["parameters"] == 12 * 128 + 128 + 128 * 128 + 128 + 128 * 3 + 3
    assert features({"units": 128, "learning_rate": 0.05}) == first
    assert len(features.cache) == 1, "a non-structural change must not rebuild the network"
    assert features({"units": 64, "learning_rate": 0.01})["parameters"] < first["parameters"]
    assert len(features.cache) == 2


def test_feature_cache_keys_on_unflagged_structural_variables_too(tmp_path) -> None:
    from hardware_fixtures import write_tiny_experiment
    from hyperpower.hardware.features import feature_function_for
    from hyperpower.template import parse_template

    path = write_tiny_experiment(tmp_path) / "keras_model" / "network_def.py"
    # the second hidden layer's width becomes a variable without a structural flag
    text = path.read_text().replace(
        "keras.layers.Dense(units, activation=\"relu\"), keras.layers.Dense(3",
        "keras.layers.Dense(HYPERPARAM{\"type\": \"INT\", \"token\": \"width\", \"min\": 2, \"max\": 8}, "
        "activation=\"relu\"), keras.layers.Dense(3")
    assert text != path.read_text()
    path.write_text(text)
    template = parse_template(path)
    assert template.space["width"].structural is None
    features = feature_function_for(template, workdir=tmp_path / "work")
    narrow = features({"units": 64, "width": 2, "learning_rate": 0.01})
    wide = features({"units": 64, "width": 8, "learning_rate": 0.01})
    assert wide["parameters"] - narrow["parameters"] == 6 * (64 + 1) + 6 * 3
    assert features({"units": 64, "width": 8, "learning_rate": 0.05}) == wide and len(features.cache) == 2
