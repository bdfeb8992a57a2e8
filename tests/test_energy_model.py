"""EnergyModel and GaussianBernoulliRBM trained with persistent HMC chains; the MMD two-sample test (issue 5)."""

import itertools

import keras
import numpy as np
import pytest

from keras_dlt.datasets import gaussian_mixture, pooled_digits
from keras_dlt.models import EnergyModel, GaussianBernoulliRBM
from keras_dlt.two_sample import mmd2, mmd_test


@keras.saving.register_keras_serializable(package="keras_dlt_tests")
class Quadratic(keras.layers.Layer):
    """E(x) = sum_i (x_i - m_i)^2 / (2 s_i^2): a Gaussian energy whose parameters are its mean and scale."""

    def build(self, input_shape):
        self.m = self.add_weight(shape=(input_shape[-1],), initializer="zeros", name="m")
        self.log_s = self.add_weight(shape=(input_shape[-1],), initializer="zeros", name="log_s")

    def call(self, x):
        return 0.5 * keras.ops.sum(keras.ops.square((x - self.m) * keras.ops.exp(-self.log_s)), axis=-1)


def gaussian_data(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(n, 2)) * [0.5, 1.5] + [2.0, -1.0]).astype("float32")


def test_energy_model_learns_a_2d_gaussians_mean_and_variance():
    x = gaussian_data()
    keras.utils.set_random_seed(0)
    model = EnergyModel(Quadratic(), n_chains=200, seed=1)
    model.compile(optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(0.1, 12 * 20)))
    history = model.fit(x, batch_size=100, epochs=12, verbose=0)
    # Starts at mean (0, 0), scale (1, 1); the maximum-likelihood answer is the data's own moments.
    np.testing.assert_allclose(model.network.m.numpy(), x.mean(0), atol=0.05)
    np.testing.assert_allclose(np.exp(model.network.log_s.numpy()), x.std(0), rtol=0.15)
    assert set(history.history) == {"loss", "acceptance_rate", "step_size"}
    assert 0.001 <= history.history["step_size"][-1] <= 0.25
    assert abs(history.history["acceptance_rate"][-1] - 0.9) < 0.1
    samples = model.sample(n_moves=30, seed=2)
    assert samples.shape == (200, 2)
    np.testing.assert_allclose(samples.mean(0), x.mean(0), atol=0.3)


def test_same_seed_same_training_and_samples():
    x = gaussian_data(400)

    def run():
        keras.utils.set_random_seed(3)
        model = EnergyModel(Quadratic(), n_chains=50, seed=7)
        model.compile(optimizer=keras.optimizers.Adam(0.05))
        model.fit(x, batch_size=100, epochs=2, verbose=0, shuffle=False)
        return model.chains.numpy(), model.network.m.numpy(), model.sample(n_moves=5, seed=4)

    a, b = run(), run()
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)


def test_chains_start_at_data_and_move():
    x = gaussian_data(100)
    model = EnergyModel(Quadratic(), n_chains=30, seed=0)
    model.compile()
    model.fit(x[:30], batch_size=30, epochs=1, verbose=0)
    chains = model.chains.numpy()
    assert not np.allclose(chains, 0.0)
    # One HMC move from the data: near the data, not identical to it.
    assert 0 < np.abs(chains - x[:30]).mean() < 2.0


def test_keras_round_trip_restores_network_chains_and_step_size(tmp_path):
    x = gaussian_data(300)
    model = EnergyModel(Quadratic(), n_chains=40, seed=2, n_steps=10)
    model.compile()
    model.fit(x, batch_size=100, epochs=2, verbose=0)
    path = tmp_path / "ebm.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded, EnergyModel) and loaded.hmc_options == {"n_steps": 10}
    np.testing.assert_allclose(loaded(x[:5]), model(x[:5]), rtol=1e-6)
    np.testing.assert_array_equal(loaded.chains.numpy(), model.chains.numpy())
    assert float(loaded.step_size.numpy()) == float(model.step_size.numpy())
    loaded.fit(x, batch_size=100, epochs=1, verbose=0)  # trains on from where it stopped


def test_bad_input_clear_errors():
    with pytest.raises(ValueError, match="n_chains"):
        EnergyModel(Quadratic(), n_chains=0)
    with pytest.raises(ValueError, match="stepsize_min <= initial_stepsize <= stepsize_max"):
        EnergyModel(Quadratic(), stepsize_min=0.5, stepsize_max=0.1)
    with pytest.raises(ValueError, match="energy_l2"):
        EnergyModel(Quadratic(), energy_l2=float("nan"))
    model = EnergyModel(Quadratic())
    model.compile()
    bad = gaussian_data(10)
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="1 NaN"):
        model.fit(bad, verbose=0)
    with pytest.raises(ValueError, match=r"\[n, dim\]"):
        model.fit(np.zeros((10, 2, 2), "float32"), verbose=0)
    wide = EnergyModel(keras.layers.Dense(3))
    with pytest.raises(ValueError, match=r"energies; for 2 inputs it gave shape \(2, 3\)"):
        wide.build((None, 2))
    model.fit(gaussian_data(10), verbose=0)
    with pytest.raises(ValueError, match="initial_positions hold NaN"):
        model.sample(np.full((3, 2), np.nan, "float32"), n_moves=1)
    with pytest.raises(ValueError, match="must have 2 features"):
        model.fit(np.zeros((10, 3), "float32"), verbose=0)


def test_gbrbm_free_energy_equals_summing_out_the_hidden_units():
    rbm = GaussianBernoulliRBM(n_hidden=3, seed=0)
    rbm.build((None, 4))
    rng = np.random.default_rng(1)
    rbm.kernel.assign(rng.normal(size=(4, 3)).astype("float32"))
    rbm.visible_bias.assign(rng.normal(size=4).astype("float32"))
    rbm.hidden_bias.assign(rng.normal(size=3).astype("float32"))
    rbm.log_sigma.assign(rng.normal(0, 0.3, size=4).astype("float32"))
    v = rng.normal(size=(5, 4)).astype("float32")
    w, b, c, s = (t.numpy().astype("float64") for t in (rbm.kernel, rbm.visible_bias, rbm.hidden_bias, rbm.log_sigma))
    s = np.exp(s)

    def joint_energy(v, h):  # E(v, h) of the module docstring
        return ((v - b) ** 2 / (2 * s**2)).sum() - c @ h - (v / s) @ w @ h

    expected = [-np.log(sum(np.exp(-joint_energy(vi, np.array(h))) for h in itertools.product([0, 1], repeat=3)))
                for vi in v.astype("float64")]
    np.testing.assert_allclose(rbm.free_energy(v), expected, rtol=1e-5, atol=1e-5)


def test_gbrbm_samples_match_the_datas_moments():
    rng = np.random.default_rng(0)
    cov = np.array([[1.0, 0.8, 0.0], [0.8, 1.0, -0.5], [0.0, -0.5, 1.0]])
    x = rng.multivariate_normal([0.5, -0.5, 0.0], cov, size=3000).astype("float32")
    keras.utils.set_random_seed(0)
    rbm = GaussianBernoulliRBM(n_hidden=16, n_chains=300, seed=0)
    rbm.compile(optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(0.02, 20 * 30)))
    rbm.fit(x, batch_size=100, epochs=20, verbose=0)
    start = rng.normal(size=(1500, 3)).astype("float32")
    for samples in (rbm.sample(start, n_moves=100, seed=1), rbm.gibbs_sample(start, n_steps=200, seed=1)):
        np.testing.assert_allclose(samples.mean(0), x.mean(0), atol=0.15)
        # Most of the covariance is learned (the RBM is a mixture of 2^16 diagonal Gaussians: not exact).
        assert np.linalg.norm(np.cov(samples.T) - np.cov(x.T)) / np.linalg.norm(np.cov(x.T)) < 0.3
        corr = np.corrcoef(samples.T)
        assert corr[0, 1] > 0.5 and corr[1, 2] < -0.2  # the data's 0.8 and -0.5
    untrained = GaussianBernoulliRBM(n_hidden=16, seed=0)
    untrained.build((None, 3))
    s0 = untrained.sample(start, n_moves=100, seed=1)
    assert np.linalg.norm(np.cov(s0.T) - np.cov(x.T)) / np.linalg.norm(np.cov(x.T)) > 0.5


def test_gbrbm_config_round_trip(tmp_path):
    rbm = GaussianBernoulliRBM(n_hidden=5, learn_sigma=False, n_chains=10, seed=3)
    rbm.compile()
    x = np.random.default_rng(0).normal(size=(50, 4)).astype("float32")
    rbm.fit(x, batch_size=10, epochs=1, verbose=0)
    assert [v.name for v in rbm.trainable_variables] == ["kernel", "visible_bias", "hidden_bias"]
    rbm.save(tmp_path / "gb.keras")
    loaded = keras.saving.load_model(tmp_path / "gb.keras")
    assert loaded.n_hidden == 5 and not loaded.learn_sigma
    np.testing.assert_allclose(loaded.free_energy(x), rbm.free_energy(x), rtol=1e-6)


def test_mmd_separates_different_distributions_and_not_equal_ones():
    a, b = gaussian_mixture(400, seed=0), gaussian_mixture(400, seed=1)
    same = mmd_test(a, b, n_permutations=100)
    assert same.p_value > 0.05 and abs(same.mmd2) < 0.01
    shifted = mmd_test(a, b + [1.0, 0.0], n_permutations=100)
    assert shifted.p_value < 0.02 and shifted.mmd2 > 0.01
    assert mmd2(a, b + [1.0, 0.0]) == pytest.approx(shifted.mmd2)
    with pytest.raises(ValueError, match="NaN"):
        mmd2(a, np.full((3, 2), np.nan))


def test_real_valued_datasets(sample):
    x = gaussian_mixture(600, seed=0)
    assert x.shape == (600, 2) and x.dtype == np.float32
    np.testing.assert_array_equal(x, gaussian_mixture(600, seed=0))
    near = np.min(np.linalg.norm(x[:, None] - np.array([[-2, 0], [2, 0], [0, 2.5]]), axis=2), axis=1)
    assert np.median(near) < 1.0
    (xt, _), _, _ = sample
    f, kept, mean, std = pooled_digits(xt[:500])
    assert f.shape == (500, len(kept)) and 20 < len(kept) < 49
    np.testing.assert_allclose(f.mean(0), 0, atol=1e-4)
    np.testing.assert_allclose(f.std(0), 1, rtol=1e-3)
    with pytest.raises(ValueError, match="shape"):
        pooled_digits(np.zeros((3, 10)))
