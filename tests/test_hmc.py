"""HMC from tfp.mcmc with the tutorial's adaptive step size (issue 5)."""

import collections

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp

from keras_dlt.samplers import HMCSampler, MovingAverageStepSizeAdaptation, sample, tutorial_gaussian
from keras_dlt.samplers.hmc import TUTORIAL_DEFAULTS

FakeInnerResults = collections.namedtuple("FakeInnerResults", ["is_accepted", "step_size"])


class FakeInnerKernel(tfp.mcmc.TransitionKernel):
    """Accepts the scripted fraction of chains at each step (TFP's way of testing step-size rules)."""

    def __init__(self, accept_fractions, n_chains=10, step_size=0.01):
        self.accept_fractions = list(accept_fractions)
        self.n_chains = n_chains
        self._parameters = dict(step_size=step_size)
        self.calls = 0
        self.seen_step_sizes = []

    @property
    def parameters(self):
        return self._parameters

    @property
    def is_calibrated(self):
        return True

    def bootstrap_results(self, init_state):
        return FakeInnerResults(tf.zeros([self.n_chains], tf.bool), tf.constant(self._parameters["step_size"]))

    def one_step(self, current_state, previous_kernel_results, seed=None):
        self.seen_step_sizes.append(float(previous_kernel_results.step_size))
        n_acc = round(self.accept_fractions[self.calls] * self.n_chains)
        self.calls += 1
        accepted = tf.range(self.n_chains) < n_acc
        return current_state, FakeInnerResults(accepted, previous_kernel_results.step_size)


def tutorial_update(step, avg, accepted_fraction, o=TUTORIAL_DEFAULTS):
    """hmc_updates of the tutorial, by hand: the step from the *old* average, then the average."""
    new_step = step * (o["stepsize_inc"] if avg > o["target_acceptance_rate"] else o["stepsize_dec"])
    new_step = min(max(new_step, o["stepsize_min"]), o["stepsize_max"])
    new_avg = o["avg_acceptance_slowness"] * avg + (1 - o["avg_acceptance_slowness"]) * accepted_fraction
    return new_step, new_avg


def test_adaptation_arithmetic_against_the_tutorial_by_hand():
    fractions = [1.0] * 5 + [0.0] * 150 + [0.9, 1.0, 0.5] + [1.0] * 320
    inner = FakeInnerKernel(fractions, step_size=0.01)
    kernel = MovingAverageStepSizeAdaptation(inner)
    results = kernel.bootstrap_results(tf.zeros([10, 2]))
    assert float(results.avg_acceptance_rate) == pytest.approx(0.9)  # starts at the target
    step, avg = 0.01, 0.9
    hit_min = hit_max = False
    used = []
    for f in fractions:
        used.append(step)
        _, results = kernel.one_step(tf.zeros([10, 2]), results)
        step, avg = tutorial_update(step, avg, f)
        assert float(results.step_size) == pytest.approx(step, rel=1e-5)
        assert float(results.avg_acceptance_rate) == pytest.approx(avg, rel=1e-5)
        hit_min |= step == TUTORIAL_DEFAULTS["stepsize_min"]
        hit_max |= step == TUTORIAL_DEFAULTS["stepsize_max"]
    assert hit_min and hit_max  # both clips exercised
    # Each move used the step size set by the previous one.
    np.testing.assert_allclose(inner.seen_step_sizes, used, rtol=1e-5)
    assert used[1] == pytest.approx(0.01 * 0.98)  # avg == target is not above it: decrease
    assert used[2] == pytest.approx(0.01 * 0.98 * 1.02)


def test_step_size_jitter_randomises_each_move_but_adapts_the_base_step():
    fractions = [1.0] * 40 + [0.0] * 40
    inner = FakeInnerKernel(fractions, step_size=0.1)
    kernel = MovingAverageStepSizeAdaptation(inner, step_size_jitter=0.3)
    results = kernel.bootstrap_results(tf.zeros([10, 2]))
    step, avg, bases = 0.1, 0.9, []
    for i, f in enumerate(fractions):
        bases.append(step)
        _, results = kernel.one_step(tf.zeros([10, 2]), results, seed=tf.constant([7, i]))
        step, avg = tutorial_update(step, avg, f)
        # The rule acts on the adapted step size, not on the jittered one each move used.
        assert float(results.step_size) == pytest.approx(step, rel=1e-5)
    ratios = np.array(inner.seen_step_sizes) / np.array(bases)
    assert np.all((ratios >= 0.7 - 1e-6) & (ratios <= 1.3 + 1e-6))
    assert ratios.min() < 0.8 and ratios.max() > 1.2 and np.std(ratios) > 0.1  # spread over the interval
    # Stateless: the same seeds give the same jittered step sizes.
    again = FakeInnerKernel(fractions, step_size=0.1)
    k2 = MovingAverageStepSizeAdaptation(again, step_size_jitter=0.3)
    r2 = k2.bootstrap_results(tf.zeros([10, 2]))
    for i in range(len(fractions)):
        _, r2 = k2.one_step(tf.zeros([10, 2]), r2, seed=tf.constant([7, i]))
    np.testing.assert_allclose(again.seen_step_sizes, inner.seen_step_sizes)


def test_jitter_keeps_the_target_and_breaks_the_periodic_trajectories():
    # The tutorial's test target: with 20 steps of ~0.5 the trajectory lasts about one period of the widest
    # direction; a jittered step size mixes it much better (bench/README.md for the full comparison).
    energy, mu, cov, position = gaussian_5d()
    kw = dict(num_results=1000, num_burnin=1000, initial_stepsize=1e-3, stepsize_max=0.5)
    plain = [sample(energy, position, seed=s, **kw).ess.min() for s in (1, 2)]
    jit = [sample(energy, position, seed=s, stepsize_jitter=0.5, **kw) for s in (1, 2)]
    for run in jit:
        np.testing.assert_allclose(run.samples.reshape(-1, 5).mean(0), mu, atol=0.2)
        np.testing.assert_allclose(np.cov(run.samples.reshape(-1, 5).T), cov, atol=0.2)
        assert abs(run.avg_acceptance_rate[-1] - 0.9) < 0.1
    assert min(r.ess.min() for r in jit) > 2 * max(plain)


def test_bad_kernel_arguments():
    hmc = tfp.mcmc.HamiltonianMonteCarlo(lambda x: -tf.reduce_sum(x**2, -1), 0.1, 3)
    with pytest.raises(ValueError, match="step_size_min <= step_size_max"):
        MovingAverageStepSizeAdaptation(hmc, step_size_min=0.5, step_size_max=0.1)
    with pytest.raises(ValueError, match="target_accept_prob"):
        MovingAverageStepSizeAdaptation(hmc, target_accept_prob=1.5)
    with pytest.raises(ValueError, match=r"step_size_jitter must be in \[0, 1\)"):
        MovingAverageStepSizeAdaptation(hmc, step_size_jitter=1.0)


def gaussian_5d():
    """The tutorial's test target: numpy RandomState(123) mean and covariance, 3 chains."""
    return tutorial_gaussian()


def test_the_tutorials_test_with_draw():
    energy, mu, cov, position = gaussian_5d()
    sampler = HMCSampler(energy, position, seed=1, initial_stepsize=1e-3, stepsize_max=0.5)
    for _ in range(1000):
        sampler.draw()
    samples = np.stack([sampler.draw() for _ in range(1000)]).reshape(-1, 5)
    assert abs(sampler.avg_acceptance_rate - 0.9) < 0.1
    assert 0.001 <= sampler.stepsize <= 0.5
    np.testing.assert_allclose(samples.mean(0), mu, atol=0.2)
    np.testing.assert_allclose(np.cov(samples.T), cov, atol=0.2)


def test_sample_run_with_diagnostics_and_seed():
    energy, mu, cov, position = gaussian_5d()
    run = sample(energy, position, num_results=1000, num_burnin=1000, seed=3, initial_stepsize=1e-3, stepsize_max=0.5)
    assert run.samples.shape == (1000, 3, 5)
    assert run.step_size.shape == run.acceptance.shape == run.avg_acceptance_rate.shape == (1000,)
    assert abs(run.avg_acceptance_rate[-1] - 0.9) < 0.1
    np.testing.assert_allclose(run.samples.reshape(-1, 5).mean(0), mu, atol=0.2)
    assert np.all(run.ess > 100) and np.all(np.abs(run.rhat - 1) < 0.05)
    again = sample(energy, position, num_results=1000, num_burnin=1000, seed=3, initial_stepsize=1e-3, stepsize_max=0.5)
    np.testing.assert_array_equal(again.samples, run.samples)
    other = sample(energy, position, num_results=1000, num_burnin=1000, seed=4, initial_stepsize=1e-3, stepsize_max=0.5)
    assert not np.array_equal(other.samples, run.samples)


def test_same_seed_same_draws_with_the_sampler():
    energy, _, _, position = gaussian_5d()
    a = HMCSampler(energy, position, seed=5)
    b = HMCSampler(energy, position, seed=5)
    np.testing.assert_array_equal(np.stack([a.draw() for _ in range(5)]), np.stack([b.draw() for _ in range(5)]))


def test_xla_and_no_xla_agree():
    # XLA draws other random numbers from the same stateless seeds on CPU, so the runs agree in
    # distribution, not draw by draw: both recover the target, with step sizes in the same range.
    energy, mu, cov, position = gaussian_5d()
    kw = dict(num_results=1000, num_burnin=500, seed=2, initial_stepsize=1e-3, stepsize_max=0.5)
    xla = sample(energy, position, jit_compile=True, **kw)
    plain = sample(energy, position, jit_compile=False, **kw)
    for run in (xla, plain):
        np.testing.assert_allclose(run.samples.reshape(-1, 5).mean(0), mu, atol=0.25)
        np.testing.assert_allclose(np.cov(run.samples.reshape(-1, 5).T), cov, atol=0.25)
    assert abs(np.median(xla.step_size) - np.median(plain.step_size)) < 0.1


def test_a_nan_proposal_is_rejected():
    # Energy NaN beyond x = 1: chains start at 0 with steps large enough to get there often.
    def energy(x):
        e = 0.5 * tf.reduce_sum(x**2, axis=1)
        return tf.where(tf.reduce_any(x > 1.0, axis=1), tf.constant(np.nan, tf.float32), e)

    run = sample(energy, np.zeros((20, 2), "float32"), num_results=300, num_burnin=0, seed=0,
                 initial_stepsize=0.25, n_steps=5)
    assert np.all(np.isfinite(run.samples))
    assert np.all(run.samples <= 1.0)  # never moved into the NaN region
    assert run.acceptance.min() < 1.0  # some proposals were rejected


def test_bad_input():
    with pytest.raises(ValueError, match=r"one energy per chain, shape \(3,\).*shape \(3, 1\)"):
        HMCSampler(lambda x: tf.reduce_sum(x, 1, keepdims=True), np.zeros((3, 2), "float32"))
    with pytest.raises(ValueError, match="NaN or infinite"):
        HMCSampler(lambda x: tf.reduce_sum(x, 1), np.array([[0.0, np.nan]], "float32"))
    with pytest.raises(ValueError, match="not finite at the initial positions"):
        sample(lambda x: tf.reduce_sum(tf.math.log(x), 1), -np.ones((2, 2), "float32"))
    with pytest.raises(ValueError, match="stepsize_min <= initial_stepsize <= stepsize_max"):
        HMCSampler(lambda x: tf.reduce_sum(x**2, 1), np.zeros((2, 2), "float32"), stepsize_min=0.3, stepsize_max=0.1)
    with pytest.raises(ValueError, match=r"\[n_chains, dim\]"):
        HMCSampler(lambda x: tf.reduce_sum(x**2, -1), np.zeros(4, "float32"))
    with pytest.raises(TypeError, match="unknown options"):
        sample(lambda x: tf.reduce_sum(x**2, 1), np.zeros((2, 2), "float32"), step_size=0.1)
