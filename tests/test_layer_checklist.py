"""Every layer of the package through Keras' checklist; every model's config round trip, all keys equal."""

import keras
import pytest

from keras_dlt.layers import ConvPool, RandomAffine, RBMLayer, TiedAutoencoder
from keras_dlt.models import (DBN, MLP, RBM, DenoisingAutoencoder, EnergyModel, GaussianBernoulliRBM, LeNet,
                              LogisticRegression, RnnRbm, StackedDenoisingAutoencoder)
from keras_dlt.models.network3 import ConvPoolLayer, FullyConnectedLayer, ReLU, SoftmaxLayer, preset

from layer_checklist import run_layer_test

NOT_IN_FORWARD = {RBMLayer: ("visible_bias",)}  # its call is p(h|v); b only enters F(v) and p(v|h)

LAYERS = [
    (ConvPool, dict(filters=4, kernel_size=3, pool_size=2, seed=1), (6, 10, 10, 1), (6, 4, 4, 4), 2),
    (TiedAutoencoder, dict(units=7, corruption_level=0.3, seed=1), (6, 12), (6, 12), 3),
    (RBMLayer, dict(units=7, seed=1), (6, 12), (6, 7), 3),
    (FullyConnectedLayer, dict(n_in=12, n_out=5, activation_fn=ReLU, p_dropout=0.5, seed=1), (6, 12), (6, 5), 2),
    (SoftmaxLayer, dict(n_in=12, n_out=3, seed=1), (6, 12), (6, 3), 2),
    (ConvPoolLayer, dict(filter_shape=(3, 1, 3, 3), image_shape=(6, 1, 8, 8), poolsize=(2, 2), seed=1), (6, 8, 8, 1),
     (6, 3, 3, 3), 2),
]


@pytest.mark.parametrize("cls,kwargs,shape,out,n_trainable", LAYERS, ids=[c[0].__name__ for c in LAYERS])
def test_layer_checklist(cls, kwargs, shape, out, n_trainable, tmp_path):
    run_layer_test(cls, kwargs, shape, out, n_trainable, tmp_path=tmp_path, not_in_forward=NOT_IN_FORWARD.get(cls, ()))


def test_random_affine_has_no_weights_and_round_trips():
    layer = RandomAffine(rotation=5.0, shear=0.1, translation=1.0, image_shape=(8, 8, 1), seed=3)
    assert RandomAffine.from_config(layer.get_config()).get_config() == layer.get_config()
    x = keras.random.uniform((2, 64), seed=0)
    assert tuple(layer(x, training=False).shape) == (2, 64) and not layer.weights


def _energy_net():
    return keras.Sequential([keras.layers.Dense(4, activation="softplus"), keras.layers.Dense(1)])


MODELS = [
    lambda: LogisticRegression(n_in=20, n_out=3, l1=0.1, l2=0.2),
    lambda: MLP(n_in=20, hidden_units=(7, 5), n_out=3, activation="sigmoid", l1=0.1, l2=0.2, seed=4),
    lambda: LeNet(nkerns=(3, 4), n_hidden=6, n_out=3, l2=0.1, seed=4),
    lambda: DenoisingAutoencoder(n_hidden=7, corruption_level=0.2, contraction_level=0.1, seed=4),
    lambda: StackedDenoisingAutoencoder((7, 5), n_outs=3, corruption_levels=(0.1, 0.2), n_in=20, seed=4),
    lambda: RBM(n_hidden=7, k=3, persistent=False, seed=4, n_chains=5),
    lambda: DBN((7, 5), n_outs=3, n_in=20, seed=4),
    lambda: RnnRbm(n_hidden=7, n_hidden_recurrent=5, n_visible=12, k=3, generate_k=4, seed=4),
    lambda: GaussianBernoulliRBM(7, n_chains=5, seed=4),
    lambda: EnergyModel(_energy_net(), n_chains=5, seed=4),
    lambda: preset("dropout", seed=4),
]


@pytest.mark.parametrize("make", MODELS, ids=["LogisticRegression", "MLP", "LeNet", "DenoisingAutoencoder",
                                              "StackedDenoisingAutoencoder", "RBM", "DBN", "RnnRbm",
                                              "GaussianBernoulliRBM", "EnergyModel", "Network"])
def test_model_config_round_trip_keeps_every_key(make):
    model = make()
    config = model.get_config()
    clone = type(model).from_config(config)
    assert clone.get_config() == config


def test_a_models_dtype_policy_survives_its_config():
    """Configs are built on Keras' own (`super().get_config()`), so a mixed-precision model comes back mixed."""
    for model in (MLP(n_in=20, hidden_units=(5,), n_out=3, dtype="mixed_float16"), RBM(n_hidden=4, dtype="mixed_float16")):
        clone = type(model).from_config(model.get_config())
        assert clone.dtype_policy.name == "mixed_float16" and clone.get_config() == model.get_config()
