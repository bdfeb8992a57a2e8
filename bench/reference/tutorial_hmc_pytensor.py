"""The original tutorial's hmc.py (`HMC_sampler`) on PyTensor (Theano's successor).

The same-run "original" peer for `bench/hmc.py`: `simulate_dynamics` (a
half step, `scan` over n_steps - 1 leapfrog steps, a half step),
`hmc_move` (Gaussian velocities, Metropolis accept from a shared
RandomStream), `hmc_updates` (positions switched on accept, step size x1.02
or x0.98 on the previous average acceptance, clipped, moving average of the
acceptance) compiled into one `simulate` function with `updates`, and
`draw()` = `simulate()` then `positions.get_value()`, called once per draw
as the tutorial's test does. Ported from Python 2 / Theano; the logic is the
tutorial's, line for line. Optional: needs `pip install pytensor` and a BLAS
for it to link (Debian: `apt-get install libopenblas-dev`).

    python -m bench.reference.tutorial_hmc_pytensor     # the tutorial's 5-d test, timed
"""

import time

import numpy as np

# PyTensor's flags (float32, OpenBLAS) and the availability check are the supervised peer's.
from bench.reference.tutorial_pytensor import available

__all__ = ["available", "tutorial_sampler", "gaussian_energy", "gbrbm_energy", "run_fn"]


def tutorial_sampler(energy_fn, initial_positions, initial_stepsize=0.01, target_acceptance_rate=0.9, n_steps=20,
                     stepsize_dec=0.98, stepsize_min=0.001, stepsize_max=0.25, stepsize_inc=1.02,
                     avg_acceptance_slowness=0.9, seed=12345, linker="cvm"):
    """`HMC_sampler.new_from_shared_positions`: returns (positions, stepsize, avg_acceptance_rate, simulate).

    `energy_fn` maps a symbolic `[chains, dim]` matrix to a vector of energies.
    `linker`: "cvm" (the C virtual machine, Theano's own; 0.18 ms per move on
    the 5-d test here) or PyTensor 3's default "numba" (0.27 ms).
    """
    import pytensor
    import pytensor.tensor as pt
    import warnings

    from pytensor.tensor.random.utils import RandomStream

    floatx = pytensor.config.floatX
    positions = pytensor.shared(np.asarray(initial_positions, floatx), "positions")
    stepsize = pytensor.shared(np.asarray(initial_stepsize, floatx), "hmc_stepsize")
    avg_acceptance_rate = pytensor.shared(np.asarray(target_acceptance_rate, floatx), "avg_acceptance_rate")
    with warnings.catch_warnings():  # the tutorial's API; PyTensor 3 prefers shared_rng()
        warnings.simplefilter("ignore", FutureWarning)
        s_rng = RandomStream(seed)

    def simulate_dynamics(initial_pos, initial_vel):
        def leapfrog(pos, vel, step):
            dE_dpos = pt.grad(energy_fn(pos).sum(), pos)
            new_vel = vel - step * dE_dpos
            new_pos = pos + step * new_vel
            return [new_pos, new_vel]

        dE_dpos = pt.grad(energy_fn(initial_pos).sum(), initial_pos)
        vel_half_step = initial_vel - 0.5 * stepsize * dE_dpos
        pos_full_step = initial_pos + stepsize * vel_half_step
        (final_pos, final_vel) = pytensor.scan(
            leapfrog, outputs_info=[pos_full_step, vel_half_step], non_sequences=[stepsize], n_steps=n_steps - 1,
            return_updates=False)
        final_pos, final_vel = final_pos[-1], final_vel[-1]
        final_vel = final_vel - 0.5 * stepsize * pt.grad(energy_fn(final_pos).sum(), final_pos)
        return final_pos, final_vel

    def hamiltonian(pos, vel):
        return energy_fn(pos) + 0.5 * (vel ** 2).sum(axis=1)

    initial_vel = s_rng.normal(size=positions.shape, dtype=floatx)
    final_pos, final_vel = simulate_dynamics(positions, initial_vel)
    energy_prev, energy_next = hamiltonian(positions, initial_vel), hamiltonian(final_pos, final_vel)
    accept = (pt.exp(energy_prev - energy_next) - s_rng.uniform(size=energy_prev.shape, dtype=floatx)) >= 0

    new_positions = pt.switch(accept.dimshuffle(0, *(("x",) * (final_pos.ndim - 1))), final_pos, positions)
    new_acceptance_rate = avg_acceptance_slowness * avg_acceptance_rate + (1.0 - avg_acceptance_slowness) * accept.mean(dtype=floatx)
    _new_stepsize = pt.switch(avg_acceptance_rate > target_acceptance_rate, stepsize * stepsize_inc, stepsize * stepsize_dec)
    new_stepsize = pt.clip(_new_stepsize, stepsize_min, stepsize_max)
    simulate = pytensor.function([], [], mode=pytensor.compile.mode.Mode(linker=linker), updates=[
        (positions, new_positions),
        (stepsize, pt.cast(new_stepsize, floatx)),
        (avg_acceptance_rate, pt.cast(new_acceptance_rate, floatx))])
    return positions, stepsize, avg_acceptance_rate, simulate


def gaussian_energy(mu, cov):
    """The tutorial's `gaussian_energy` for mean `mu` and covariance `cov` (numpy)."""
    import pytensor.tensor as pt

    mu = np.asarray(mu, "float32")
    cov_inv = np.linalg.inv(np.asarray(cov, "float64")).astype("float32")
    return lambda x: 0.5 * (pt.dot(x - mu, cov_inv) * (x - mu)).sum(axis=1)


def gbrbm_energy(w, b, c):
    """A Gaussian-Bernoulli RBM's free energy |v - b|^2 / 2 - sum softplus(c + v W) (unit variances)."""
    import pytensor.tensor as pt

    w, b, c = (np.asarray(a, "float32") for a in (w, b, c))
    return lambda v: 0.5 * ((v - b) ** 2).sum(axis=1) - pt.softplus(pt.dot(v, w) + c).sum(axis=1)


def run_fn(energy_fn, initial_positions, burnin, draws, **sampler_args):
    """A function seed -> (samples `[draws, chains, dim]`, seconds): the tutorial's test loop.

    Each call builds and compiles a sampler seeded with `seed`, makes one
    move to finish compiling (numba compiles on the first call), puts the
    state back, then times `burnin` + `draws` calls of `draw()`.
    """
    def go(seed):
        positions, stepsize, avg_acc, simulate = tutorial_sampler(energy_fn, initial_positions, seed=seed,
                                                                   **sampler_args)
        state = [v.get_value() for v in (positions, stepsize, avg_acc)]
        simulate()
        for v, value in zip((positions, stepsize, avg_acc), state):
            v.set_value(value)
        start = time.perf_counter()
        for _ in range(burnin):
            simulate()
            positions.get_value(borrow=False)
        samples = []
        for _ in range(draws):
            simulate()
            samples.append(positions.get_value(borrow=False))
        seconds = time.perf_counter() - start
        go.final = (float(stepsize.get_value()), float(avg_acc.get_value()))
        return np.asarray(samples), seconds

    return go


def main():
    from keras_dlt.samplers import tutorial_gaussian

    _, mu, cov, x0 = tutorial_gaussian()
    go = run_fn(gaussian_energy(mu, cov), x0, 1000, 1000, initial_stepsize=1e-3, stepsize_max=0.5)
    samples, seconds = go(1)
    flat = samples.reshape(-1, samples.shape[-1])
    print("target mean:   ", np.round(mu, 3))
    print("empirical mean:", np.round(flat.mean(0), 3))
    print("max |cov error|:", float(np.abs(np.cov(flat.T) - cov).max()))
    print(f"final stepsize {go.final[0]:.3f}, acceptance {go.final[1]:.3f}, {seconds:.2f} s for 2000 draws")


if __name__ == "__main__":
    
    main()
