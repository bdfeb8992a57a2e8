"""Every model under Keras' mixed-precision policies (issue 23): it trains, its cost after a fixed number of
steps matches float32's within 2 %, the parts that must be float32 are float32, and `.keras` files round-trip."""

import keras
import numpy as np
import pytest

from keras_dlt.datasets import gaussian_mixture
from keras_dlt.models import MLP, RBM, DenoisingAutoencoder, EnergyModel, GaussianBernoulliRBM, LeNet, RnnRbm

#: The stated tolerance: the cost after the same steps, relative to float32's (bfloat16 keeps 8 bits).
RELATIVE = 0.02


@pytest.fixture
def policy(request):
    keras.mixed_precision.set_global_policy(request.param)
    yield request.param
    keras.mixed_precision.set_global_policy("float32")


def cases(small):
    x, y = small[0][0], small[0][1]
    rng = np.random.default_rng(0)
    seqs = [(rng.random((n, 12)) < 0.2).astype("float32") for n in (30, 17, 45)]
    net = lambda: keras.Sequential([keras.layers.Dense(16, activation="softplus"), keras.layers.Dense(1)])  # noqa: E731
    return {
        "MLP": (lambda: MLP(hidden_units=(32,), seed=0), dict(x=x, y=y, batch_size=20), "loss"),
        "LeNet": (lambda: LeNet(nkerns=(4, 6), n_hidden=16, seed=0), dict(x=x, y=y, batch_size=50), "loss"),
        "dA": (lambda: DenoisingAutoencoder(n_hidden=32, corruption_level=0.3, seed=1), dict(x=x, batch_size=20),
               "loss"),
        # The contractive dA trains by autodiff through its float16 layers: the loss-scaled tape.
        "cA": (lambda: DenoisingAutoencoder(n_hidden=32, contraction_level=0.1, seed=1), dict(x=x, batch_size=20),
               "loss"),
        "RBM": (lambda: RBM(n_hidden=32, k=1, persistent=True, seed=1, n_chains=20), dict(x=x, batch_size=20),
                "pseudo_likelihood"),
        "EnergyModel": (lambda: EnergyModel(net(), n_chains=40, seed=1),
                        dict(x=gaussian_mixture(400, seed=0), batch_size=20), "loss"),
        "GaussianBernoulliRBM": (lambda: GaussianBernoulliRBM(8, n_chains=40, seed=1),
                                 dict(x=rng.normal(size=(400, 5)).astype("float32"), batch_size=20), "loss"),
        "RnnRbm": (lambda: RnnRbm(8, 6, n_visible=12, k=1, seed=1), dict(x=seqs), "pseudo_log_likelihood"),
    }


def train(make, data, key):
    keras.utils.set_random_seed(0)
    model = make()
    model.compile()
    history = model.fit(**data, epochs=1, shuffle=False, verbose=0)
    return model, history.history[key][-1]


@pytest.fixture(scope="module")
def float32_costs(sample):
    small = ((sample[0][0][:400], sample[0][1][:400]),)
    return {name: train(*case)[1] for name, case in cases(small).items()}


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"], indirect=True)
def test_every_model_trains_under_mixed_precision_as_in_float32(policy, sample, float32_costs, tmp_path):
    small = ((sample[0][0][:400], sample[0][1][:400]),)
    for name, case in cases(small).items():
        model, cost = train(*case)
        reference = float32_costs[name]
        assert np.isfinite(cost) and abs(cost - reference) <= RELATIVE * abs(reference), (name, cost, reference)
        path = tmp_path / f"{name}.keras"
        model.save(path)
        keras.saving.load_model(path)
    # What must stay float32 is float32.
    ebm, _ = train(*cases(small)["EnergyModel"])
    points = gaussian_mixture(5, seed=1)
    assert ebm.energy(points).dtype == "float32" and ebm.step_size.dtype == "float32"
    assert ebm.network.layers[0].compute_dtype == policy.split("_")[1]  # the network itself is mixed
    rbm, _ = train(*cases(small)["RBM"])
    assert rbm.free_energy(small[0][0][:5]).dtype == "float32" and rbm.compute_dtype == "float32"
    log_z = rbm.log_partition("ais", n_runs=10, betas=np.linspace(0, 1, 50), data=small[0][0], seed=0)
    assert np.isfinite(log_z.log_z)
