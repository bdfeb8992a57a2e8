"""Hybrid Monte Carlo as the tutorial's hmc.py, built from `tfp.mcmc` (Duane et al. 1987; Neal 2011).

The leapfrog dynamics and the Metropolis accept/reject are TFP's
`HamiltonianMonteCarlo` (`MetropolisHastings` over
`UncalibratedHamiltonianMonteCarlo`); what is the tutorial's own is the step
size rule (after Ranzato & Hinton 2010), written here as a wrapper kernel,
`MovingAverageStepSizeAdaptation`. On top: `HMCSampler` (the tutorial's
interface: `draw()` moves all chains once) and `sample` (a whole run in one
compiled call, with ESS and R-hat).

The adaptation never stops, as in the tutorial: strictly, a chain whose
step size keeps changing is not a stationary Markov chain, but the changes
shrink to a dither of +-2 % around the step size that gives the target rate.

Beyond the tutorial, `stepsize_jitter` draws each move's step size uniformly
within +-jitter of the adapted one (Neal 2011, "MCMC using Hamiltonian
dynamics", advises randomising the step size): with a fixed number of
leapfrog steps, a trajectory that lasts about a period of one of the
target's directions returns near its start, and those draws are strongly
correlated. On the tutorial's 5-d Gaussian the adapted step of about 0.5
times 20 steps is close to the period of its widest direction (10.9); a
jitter of 0.5 gives four times the effective samples per draw there
(bench/README.md). The default, 0, is the tutorial's sampler.
"""

import collections
import functools

import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

from keras_dlt.core.random import stateless_seeds, step_seed

__all__ = ["tutorial_gaussian", "tutorial_kernel", "MovingAverageStepSizeAdaptation", "MovingAverageStepSizeAdaptationResults", "HMCSampler", "sample",
           "SampleResult", "TUTORIAL_DEFAULTS"]

#: The tutorial's HMC_sampler defaults.
#: `stepsize_jitter` is not the tutorial's: 0 (its sampler) randomises nothing.
TUTORIAL_DEFAULTS = dict(initial_stepsize=0.01, target_acceptance_rate=0.9, n_steps=20, stepsize_dec=0.98,
                         stepsize_min=0.001, stepsize_max=0.25, stepsize_inc=1.02, avg_acceptance_slowness=0.9,
                         stepsize_jitter=0.0)

#: The kernel results of `MovingAverageStepSizeAdaptation`: the inner kernel's, the step size and the acceptance average.
MovingAverageStepSizeAdaptationResults = collections.namedtuple(
    "MovingAverageStepSizeAdaptationResults", ["inner_results", "step_size", "avg_acceptance_rate"]
)


def _nested(results, field):
    """The innermost results holding `field`, walking `inner_results` / `accepted_results` (public fields).

    TFP's own kernels find the step size this way (its private `unnest`
    module); for an HMC kernel it is `results.accepted_results`.
    """
    found = results if hasattr(results, field) else None
    for link in ("inner_results", "accepted_results"):
        if hasattr(results, link):
            deeper = _nested(getattr(results, link), field)
            if deeper is not None:
                return deeper
    return found


def _replace_innermost(results, field, value):
    """`results` with `field` replaced in the innermost results that hold it."""
    for link in ("inner_results", "accepted_results"):
        if hasattr(results, link) and _nested(getattr(results, link), field) is not None:
            return results._replace(**{link: _replace_innermost(getattr(results, link), field, value)})
    return results._replace(**{field: value})


class MovingAverageStepSizeAdaptation(tfp.mcmc.TransitionKernel):
    """The tutorial's adaptive step size, as a `tfp.mcmc.TransitionKernel` wrapping an HMC-like kernel.

    Each step moves with the current step size, then (tutorial, `hmc_updates`):

        step_size <- clip(step_size * (increase if avg > target else decrease), min, max)
        avg       <- slowness * avg + (1 - slowness) * mean(is_accepted)

    where `avg` is the moving average of the acceptance rate across chains
    *before* this step's acceptances, starting at the target.

    Args:
        inner_kernel: a kernel whose results have `is_accepted` (outermost)
            and `step_size` (innermost), e.g. `tfp.mcmc.HamiltonianMonteCarlo`.
            The step size is one scalar shared by all chains.
        target_accept_prob: default 0.9.
        slowness: moving-average weight of the past. Default 0.9.
        increase, decrease: factors. Default 1.02, 0.98.
        step_size_min, step_size_max: clipping bounds. Default 0.001, 0.25.
        step_size_jitter: each move uses step_size * U(1 - jitter, 1 + jitter)
            (one draw for all chains; the adaptation acts on step_size itself).
            In [0, 1). Default 0: no jitter, the tutorial's rule.
        name: optional name.

    Example:
        >>> hmc = tfp.mcmc.HamiltonianMonteCarlo(target_log_prob_fn, step_size=0.01, num_leapfrog_steps=20)
        >>> kernel = MovingAverageStepSizeAdaptation(hmc)
        >>> samples = tfp.mcmc.sample_chain(1000, x0, kernel=kernel, num_burnin_steps=1000,
        ...                                 trace_fn=None, seed=(1, 2))
    """

    def __init__(self, inner_kernel, target_accept_prob=0.9, slowness=0.9, increase=1.02, decrease=0.98,
                 step_size_min=0.001, step_size_max=0.25, step_size_jitter=0.0, name=None):
        if not 0.0 < target_accept_prob < 1.0:
            raise ValueError(f"MovingAverageStepSizeAdaptation: target_accept_prob must be in (0, 1). "
                             f"Received: {target_accept_prob}")
        if not 0.0 <= slowness < 1.0:
            raise ValueError(f"MovingAverageStepSizeAdaptation: slowness must be in [0, 1). Received: {slowness}")
        if not (increase >= 1.0 and 0.0 < decrease <= 1.0):
            raise ValueError(f"MovingAverageStepSizeAdaptation: need increase >= 1 and 0 < decrease <= 1. "
                             f"Received: increase={increase}, decrease={decrease}")
        if not 0.0 < step_size_min <= step_size_max:
            raise ValueError(f"MovingAverageStepSizeAdaptation: need 0 < step_size_min <= step_size_max. "
                             f"Received: step_size_min={step_size_min}, step_size_max={step_size_max}")
        if not 0.0 <= step_size_jitter < 1.0:
            raise ValueError(f"MovingAverageStepSizeAdaptation: step_size_jitter must be in [0, 1). "
                             f"Received: {step_size_jitter}")
        self._inner_kernel = inner_kernel
        self._parameters = dict(inner_kernel=inner_kernel, target_accept_prob=target_accept_prob, slowness=slowness,
                                increase=increase, decrease=decrease, step_size_min=step_size_min,
                                step_size_max=step_size_max, step_size_jitter=step_size_jitter, name=name)

    @property
    def inner_kernel(self):
        return self._inner_kernel

    @property
    def parameters(self):
        return self._parameters

    @property
    def name(self):
        return self._parameters["name"]

    @property
    def is_calibrated(self):
        return self._inner_kernel.is_calibrated

    def bootstrap_results(self, init_state):
        inner = self._inner_kernel.bootstrap_results(init_state)
        step_size = tf.convert_to_tensor(_nested(inner, "step_size").step_size)
        return MovingAverageStepSizeAdaptationResults(
            inner_results=inner, step_size=step_size,
            avg_acceptance_rate=tf.cast(self._parameters["target_accept_prob"], step_size.dtype))

    def one_step(self, current_state, previous_kernel_results, seed=None):
        p = self._parameters
        step_size = previous_kernel_results.step_size
        move_step_size = step_size
        jitter = p["step_size_jitter"]
        if jitter:
            seed, jitter_seed = tfp.random.split_seed(tfp.random.sanitize_seed(seed), n=2)
            move_step_size = step_size * tf.random.stateless_uniform(
                [], jitter_seed, minval=1.0 - jitter, maxval=1.0 + jitter, dtype=step_size.dtype)
        inner = _replace_innermost(previous_kernel_results.inner_results, "step_size", move_step_size)
        new_state, new_inner = self._inner_kernel.one_step(current_state, inner, seed=seed)
        accepted = tf.reduce_mean(tf.cast(new_inner.is_accepted, step_size.dtype))
        avg = previous_kernel_results.avg_acceptance_rate
        new_step_size = tf.clip_by_value(
            tf.where(avg > p["target_accept_prob"], step_size * p["increase"], step_size * p["decrease"]),
            tf.cast(p["step_size_min"], step_size.dtype), tf.cast(p["step_size_max"], step_size.dtype))
        new_avg = p["slowness"] * avg + (1.0 - p["slowness"]) * accepted
        return new_state, MovingAverageStepSizeAdaptationResults(new_inner, new_step_size, new_avg)


def _check_energy(energy_fn, positions, what):
    """Calls `energy_fn` once and checks it gives one finite energy per chain."""
    positions = tf.convert_to_tensor(positions)
    if positions.shape.rank != 2:
        raise ValueError(f"{what}: initial positions must be [n_chains, dim]. Received: shape={tuple(positions.shape)}")
    if not np.all(np.isfinite(positions.numpy())):
        raise ValueError(f"{what}: the initial positions hold NaN or infinite values.")
    energy = tf.convert_to_tensor(energy_fn(positions))
    if tuple(energy.shape) != (positions.shape[0],):
        raise ValueError(f"{what}: energy_fn must return one energy per chain, shape ({positions.shape[0]},); "
                         f"it returned shape {tuple(energy.shape)} for positions of shape {tuple(positions.shape)}.")
    if not np.all(np.isfinite(energy.numpy())):
        raise ValueError(f"{what}: energy_fn is not finite at the initial positions ({energy.numpy().tolist()}).")
    return positions


def tutorial_kernel(energy_fn, step_size=None, **options):
    """The tutorial's HMC move as a kernel: `tfp.mcmc.HamiltonianMonteCarlo` on -energy, step size adapted.

    Args:
        energy_fn: positions [n_chains, dim] -> energies [n_chains].
        step_size: the starting step size (a float, tensor or variable);
            default `initial_stepsize` of the options.
        **options: `TUTORIAL_DEFAULTS` overrides (`n_steps`, bounds, rates,
            `stepsize_jitter`).

    Returns:
        A `MovingAverageStepSizeAdaptation` over `HamiltonianMonteCarlo`.
    """
    o = _options(options, "tutorial_kernel")
    step_size = float(o["initial_stepsize"]) if step_size is None else step_size
    hmc = tfp.mcmc.HamiltonianMonteCarlo(lambda x: -energy_fn(x), step_size=step_size,
                                         num_leapfrog_steps=int(o["n_steps"]), store_parameters_in_results=True)
    return MovingAverageStepSizeAdaptation(
        hmc, target_accept_prob=o["target_acceptance_rate"], slowness=o["avg_acceptance_slowness"],
        increase=o["stepsize_inc"], decrease=o["stepsize_dec"], step_size_min=o["stepsize_min"],
        step_size_max=o["stepsize_max"], step_size_jitter=o["stepsize_jitter"])


def _options(kwargs, what):
    unknown = set(kwargs) - set(TUTORIAL_DEFAULTS)
    if unknown:
        raise TypeError(f"{what}: unknown options {sorted(unknown)}; known: {sorted(TUTORIAL_DEFAULTS)}")
    o = {**TUTORIAL_DEFAULTS, **kwargs}
    if not o["stepsize_min"] <= o["initial_stepsize"] <= o["stepsize_max"]:
        raise ValueError(f"{what}: need stepsize_min <= initial_stepsize <= stepsize_max. Received: "
                         f"{o['stepsize_min']}, {o['initial_stepsize']}, {o['stepsize_max']}")
    if int(o["n_steps"]) < 1:
        raise ValueError(f"{what}: n_steps (leapfrog steps) must be >= 1. Received: {o['n_steps']}")
    return o


class HMCSampler:
    """The tutorial's `HMC_sampler`: chains on an energy, moved by `draw()`, step size adapted.

    Args:
        energy_fn: maps positions [n_chains, dim] to energies [n_chains]
            (log-probability = -energy, up to a constant); TF ops.
        initial_positions: [n_chains, dim] float32 array.
        seed: int; the same seed gives the same draws.
        jit_compile: compile `draw` with XLA. Default True.
        **options: the tutorial's `initial_stepsize` (0.01),
            `target_acceptance_rate` (0.9), `n_steps` (20 leapfrog steps),
            `stepsize_dec` (0.98), `stepsize_min` (0.001), `stepsize_max`
            (0.25), `stepsize_inc` (1.02), `avg_acceptance_slowness` (0.9);
            and, not the tutorial's, `stepsize_jitter` (0: each move's step
            size drawn in +-jitter of the adapted one; see the module doc).

    Attributes:
        positions: `tf.Variable` [n_chains, dim], the chains' state.
        stepsize, avg_acceptance_rate: current values, as Python floats.

    Example:
        >>> sampler = HMCSampler(lambda x: 0.5 * tf.reduce_sum(x**2, 1), np.zeros((3, 5), "float32"), seed=1)
        >>> burn = [sampler.draw() for _ in range(1000)]
        >>> draws = np.stack([sampler.draw() for _ in range(1000)])   # [1000, 3, 5]
    """

    def __init__(self, energy_fn, initial_positions, seed=None, jit_compile=True, **options):
        self.options = _options(options, "HMCSampler")
        positions = _check_energy(energy_fn, np.asarray(initial_positions, "float32"), "HMCSampler")
        self.energy_fn = energy_fn
        self.positions = tf.Variable(positions, name="positions")
        self._stepsize = tf.Variable(float(self.options["initial_stepsize"]), name="stepsize")
        self._avg = tf.Variable(float(self.options["target_acceptance_rate"]), name="avg_acceptance_rate")
        self._seed = tf.constant(stateless_seeds(seed)[0])
        self._count = tf.Variable(0, dtype=tf.int32, name="draws")
        self._kernel = tutorial_kernel(energy_fn, self._stepsize, **options)
        self._draw = tf.function(self._draw_graph, jit_compile=jit_compile)

    @property
    def stepsize(self):
        return float(self._stepsize.numpy())

    @property
    def avg_acceptance_rate(self):
        return float(self._avg.numpy())

    def _draw_graph(self):
        results = self._kernel.bootstrap_results(self.positions)
        results = results._replace(step_size=tf.identity(self._stepsize), avg_acceptance_rate=tf.identity(self._avg))
        seed = step_seed(self._seed, self._count)
        new_positions, results = self._kernel.one_step(self.positions, results, seed=seed)
        self.positions.assign(new_positions)
        self._stepsize.assign(results.step_size)
        self._avg.assign(results.avg_acceptance_rate)
        self._count.assign_add(1)
        return new_positions

    def draw(self):
        """One HMC move of every chain (one compiled call); returns the new positions as numpy [n_chains, dim]."""
        return self._draw().numpy()


#: A whole run: draws [num_results, n_chains, dim], per-draw traces, diagnostics (per dimension).
SampleResult = collections.namedtuple(
    "SampleResult", ["samples", "acceptance", "avg_acceptance_rate", "step_size", "ess", "rhat", "seconds"]
)


def sample(energy_fn, initial_positions, num_results=1000, num_burnin=1000, seed=0, jit_compile=True, **options):
    """A whole HMC run (burn-in, then draws) in one compiled call, with diagnostics.

    Args:
        energy_fn, initial_positions, **options: as `HMCSampler`.
        num_results: kept draws. Default 1000.
        num_burnin: discarded first draws. Default 1000.
        seed: int (stateless seeds derive from it): same seed, same run.
        jit_compile: XLA. Default True.

    Returns:
        `SampleResult` with `samples` [num_results, n_chains, dim], per-draw
        `acceptance` (fraction of chains accepted), `avg_acceptance_rate` and
        `step_size` traces (length num_results), `ess` (effective sample size
        per dimension, all chains together, `tfp.mcmc.effective_sample_size`
        with cross-chain statistics), `rhat` (`tfp.mcmc.potential_scale_reduction`,
        per dimension; needs >= 2 chains), and `seconds` (the run, compile
        excluded when it has been compiled before for the same shapes).
    """
    import time

    options = _options(options, "sample")
    x0 = _check_energy(energy_fn, np.asarray(initial_positions, "float32"), "sample")
    run = _compiled_run(energy_fn, tuple(sorted(options.items())), int(num_results), int(num_burnin), bool(jit_compile))
    seed = tf.constant(stateless_seeds(seed)[0])
    start = time.perf_counter()
    samples, (acc, avg, step) = run(x0, seed)
    samples = samples.numpy()
    seconds = time.perf_counter() - start
    logger = tf.get_logger()
    level = logger.level
    logger.setLevel("ERROR")  # TFP's FFT autocorrelation warns about a complex -> real cast it means to make
    try:
        ess = tfp.mcmc.effective_sample_size(samples, cross_chain_dims=1 if samples.shape[1] > 1 else None).numpy()
    finally:
        logger.setLevel(level)
    rhat = (tfp.mcmc.potential_scale_reduction(samples, independent_chain_ndims=1).numpy()
            if samples.shape[1] > 1 else None)
    return SampleResult(samples, acc.numpy(), avg.numpy(), step.numpy(), ess, rhat, seconds)


@functools.lru_cache(maxsize=16)
def _compiled_run(energy_fn, options, num_results, num_burnin, jit_compile):
    """The compiled run for these settings, kept so that a second `sample` call skips tracing and XLA."""
    options = dict(options)
    kernel = tutorial_kernel(energy_fn, tf.constant(float(options["initial_stepsize"])), **options)

    def trace(_, results):
        return (tf.reduce_mean(tf.cast(results.inner_results.is_accepted, tf.float32)), results.avg_acceptance_rate,
                results.step_size)

    @tf.function(jit_compile=jit_compile)
    def run(x0, seed):
        return tfp.mcmc.sample_chain(num_results, x0, kernel=kernel, num_burnin_steps=num_burnin, trace_fn=trace,
                                     seed=seed)

    return run


def tutorial_gaussian(dim=5, n_chains=3, seed=123):
    """The tutorial's test target (test_hmc.py): mean, covariance, energy and start positions.

    numpy `RandomState(seed)`: mu = 10 * rand(dim), cov = (A + A^T) / 2 with a
    unit diagonal, A = rand(dim, dim); positions = randn(n_chains, dim).

    Returns:
        (energy_fn, mu, cov, initial_positions), float32.
    """
    rng = np.random.RandomState(seed)
    mu = np.array(rng.rand(dim) * 10, "float32")
    cov = np.array(rng.rand(dim, dim), "float32")
    cov = (cov + cov.T) / 2.0
    cov[np.arange(dim), np.arange(dim)] = 1.0
    cov_inv = tf.constant(np.linalg.inv(cov), tf.float32)

    def energy(x):
        d = x - mu
        return 0.5 * tf.reduce_sum(tf.matmul(d, cov_inv) * d, axis=1)

    return energy, mu, cov, rng.randn(n_chains, dim).astype("float32")
