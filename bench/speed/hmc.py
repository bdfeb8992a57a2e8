"""HMC speed: effective samples per second, ours vs plain tfp.mcmc, same run.

Targets: (1) the tutorial's 5-d Gaussian, 3 chains, 1000 burn-in + 1000
draws, 20 leapfrog steps; (2) a 784-d Gaussian-Bernoulli RBM free energy
(500 hidden, random weights, unit variances), same chain lengths.
Ours: `keras_dlt.samplers.sample` (the tutorial's adaptive step size as a
wrapper kernel over `tfp.mcmc.HamiltonianMonteCarlo`, XLA). Yardsticks:
plain `tfp.mcmc.HamiltonianMonteCarlo` + `SimpleStepSizeAdaptation` inside
one `tf.function(jit_compile=True)`, and the same without XLA. Each is run
once to compile, then timed (median of `--rounds`, interleaved). ESS: the
minimum over dimensions of `tfp.mcmc.effective_sample_size` (all chains).

"ours, TFP's target 0.75" is the same sampler with SimpleStepSizeAdaptation's
default target acceptance (0.75) and no practical step-size cap (10), to
separate the implementation's speed from the tutorial's choice of a 0.9
target and a 0.25 (5-d test: 0.5) cap, which give shorter steps and fewer
effective samples per draw.

"ours, step jitter J" draws each move's step size in +-J of the adapted one
(`stepsize_jitter`, not the tutorial's; Neal 2011): with 20 leapfrog steps of
a fixed size, trajectories that last about one period of a direction of the
target come back near their start, and jitter breaks that.

"original tutorial (PyTensor)": the tutorial's own `HMC_sampler` ported to
PyTensor (`bench/tutorial_hmc_pytensor.py`), one compiled `simulate` call per
draw as its test runs it, with the same settings as ours; included when
PyTensor and a BLAS are installed (`pip install pytensor`, Debian
`apt-get install libopenblas-dev`).

The issue quotes, on this kind of machine: TFP + XLA about 3,600 ESS/s on
the 5-d Gaussian, the original tutorial (PyTensor) about 1,700, TFP without
XLA 340.

    python -m bench.speed.hmc --rounds 3
"""

import argparse
import os
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tensorflow_probability as tfp  # noqa: E402

from bench.reference import tutorial_hmc_pytensor as original  # noqa: E402
from bench.common import print_table, ratio  # noqa: E402
from keras_dlt.samplers import sample, tutorial_gaussian  # noqa: E402


def gbrbm_energy(n_visible=784, n_hidden=500, seed=0):
    rng = np.random.default_rng(seed)
    w = tf.constant(rng.normal(0, 0.01, (n_visible, n_hidden)), tf.float32)
    b = tf.constant(rng.normal(0, 1, n_visible), tf.float32)
    c = tf.constant(np.zeros(n_hidden), tf.float32)

    def energy(v):  # F(v) = |v - b|^2 / 2 - sum softplus(c + v W)
        return 0.5 * tf.reduce_sum(tf.square(v - b), 1) - tf.reduce_sum(tf.nn.softplus(tf.matmul(v, w) + c), 1)

    return energy, rng.normal(0, 1, (3, n_visible)).astype("float32"), (w.numpy(), b.numpy(), c.numpy())


def plain_tfp(energy, x0, burnin, draws, step, jit):
    kernel = tfp.mcmc.SimpleStepSizeAdaptation(
        tfp.mcmc.HamiltonianMonteCarlo(lambda x: -energy(x), step_size=step, num_leapfrog_steps=20),
        num_adaptation_steps=int(0.8 * burnin))

    @tf.function(jit_compile=jit)
    def run(seed):
        return tfp.mcmc.sample_chain(draws, x0, kernel=kernel, num_burnin_steps=burnin, trace_fn=None, seed=seed)

    def go(seed):
        t = time.perf_counter()
        s = run(tf.constant([seed, 1])).numpy()
        return s, time.perf_counter() - t

    return go


def ess_min(samples):
    logger = tf.get_logger()
    logger.setLevel("ERROR")
    return float(np.min(tfp.mcmc.effective_sample_size(samples, cross_chain_dims=1)))


def bench(name, energy, x0, burnin, draws, rounds, step, options, original_energy=None):
    def ours(**extra):
        """Our `sample` with the target's options, overridden by `extra`: seed -> (samples, seconds)."""
        def go(seed):
            run = sample(energy, x0, num_results=draws, num_burnin=burnin, seed=seed, **{**options, **extra})
            return run.samples, run.seconds

        return go

    variants = {
        "ours (XLA)": ours(),
        "ours, step jitter 0.2": ours(stepsize_jitter=0.2),
        "ours, step jitter 0.5": ours(stepsize_jitter=0.5),
        "ours, TFP's target 0.75": ours(target_acceptance_rate=0.75, stepsize_max=10.0),
        "tfp + XLA": plain_tfp(energy, x0, burnin, draws, step, True),
        "tfp, no XLA": plain_tfp(energy, x0, burnin, draws, step, False),
    }
    if original_energy is not None:
        variants["original tutorial (PyTensor)"] = original.run_fn(original_energy, x0, burnin, draws, **options)
    for go in variants.values():
        go(0)  # compile
    stats = {k: [] for k in variants}
    for r in range(rounds):
        for k, go in variants.items():
            s, sec = go(r + 1)
            stats[k].append((sec, ess_min(s)))
    rows = []
    for k, v in stats.items():
        sec = float(np.median([a for a, _ in v]))
        ess = float(np.median([b for _, b in v]))
        rows.append((name, k, sec, ess, ess / sec))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-original", action="store_true", help="leave out the tutorial on PyTensor")
    args = parser.parse_args(argv)
    with_original = original.available() and not args.no_original
    if not with_original:
        print("# the original tutorial on PyTensor is left out (--no-original, or PyTensor / a BLAS not installed)")
    energy, mu, cov, x0 = tutorial_gaussian()
    rows = bench("5-d Gaussian (3 chains)", energy, x0, 1000, 1000, args.rounds, 0.01,
                 dict(initial_stepsize=1e-3, stepsize_max=0.5),
                 original.gaussian_energy(mu, cov) if with_original else None)
    energy, x0, wbc = gbrbm_energy()
    rows += bench("784-d GB-RBM (3 chains)", energy, x0, 1000, 1000, args.rounds, 0.01, {},
                  original.gbrbm_energy(*wbc) if with_original else None)
    print(f"# {os.cpu_count()} cores, TF {tf.__version__}, TFP {tfp.__version__}, {time.strftime('%Y-%m-%d')}; "
          f"1000 burn-in + 1000 draws, 20 leapfrog steps; median of {args.rounds} interleaved runs, compile excluded")
    refs = {name: rate for name, k, _, _, rate in rows if k == "tfp + XLA"}
    print_table([("target", 24), ("sampler", 29), ("seconds", 8), ("min ESS", 8), ("ESS/s", 8), ("vs tfp+XLA", 10)],
                [(name, k, f"{sec:.3f}", f"{ess:.0f}", f"{rate:.0f}", ratio(rate, refs[name]))
                 for name, k, sec, ess, rate in rows])
    if with_original:
        refs = {name: rate for name, k, _, _, rate in rows if k == "original tutorial (PyTensor)"}
        print("\nours (XLA) vs the original tutorial in ESS/s: " + ", ".join(
            f"{name}: {rate / refs[name]:.1f}x" for name, k, _, _, rate in rows if k == "ours (XLA)"))

if __name__ == "__main__":
    main()
