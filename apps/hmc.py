"""Hybrid Monte Carlo on the tutorial's 5-d Gaussian, with its adaptive step size (the tutorial's hmc test).

    python apps/hmc.py                               # 3 chains, 1000 burn-in + 1000 draws
    python apps/hmc.py --jit-compile off             # without XLA
    python apps/hmc.py --stepsize-jitter 0.5         # randomised step sizes (not the tutorial's; more ESS)
"""

import argparse
import os

from keras_dlt import flags


def parser():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--dim", type=flags.positive_int, default=5, help="dimensions of the Gaussian")
    p.add_argument("--chains", type=flags.positive_int, default=3, help="parallel chains")
    p.add_argument("--burnin", type=flags.positive_int, default=1000, help="discarded first draws")
    p.add_argument("--samples", "--draws", type=flags.positive_int, default=1000, help="kept samples per chain")
    p.add_argument("--leapfrog-steps", "--n-steps", type=flags.positive_int, default=20, help="leapfrog steps per move")
    p.add_argument("--initial-stepsize", type=flags.positive_float, default=1e-3, help="initial step size (the test's)")
    p.add_argument("--stepsize-max", type=flags.positive_float, default=0.5, help="upper clip of the step size (the test's)")
    p.add_argument("--stepsize-jitter", type=float, default=0.0,
                   help="not the tutorial's: draw each move's step size within +-this fraction of the adapted one "
                        "(e.g. 0.5; breaks trajectories that return to their start, more effective samples)")
    p.add_argument("--seed", type=flags.non_negative_int, default=1234, help="random seed")
    p.add_argument("--jit-compile", nargs="?", const="on", default="on", choices=("on", "off"),
                   help="compile the sampler with XLA")
    p.add_argument("--no-jit", dest="jit_compile", action="store_const", const="off", help=argparse.SUPPRESS)
    p.add_argument("--out", default="runs/hmc", help="output folder (traces.png, result.json)")
    return p


def main(argv=None):
    p = parser()
    args = p.parse_args(argv)
    if not 0 <= args.stepsize_jitter < 1:
        p.error(f"--stepsize-jitter must be in [0, 1); got {args.stepsize_jitter}")
    if args.chains < 2:
        p.error("--chains must be >= 2 (R-hat compares chains)")
    # TensorFlow loads once the flags are read, so --help and a wrong flag answer at once.
    import numpy as np

    from keras_dlt.plotting import save_traces_png
    from keras_dlt.samplers import sample, tutorial_gaussian
    from keras_dlt.training import write_result

    jit = args.jit_compile == "on"
    energy, mu, cov, x0 = tutorial_gaussian(dim=args.dim, n_chains=args.chains)
    options = dict(initial_stepsize=args.initial_stepsize, stepsize_max=args.stepsize_max, n_steps=args.leapfrog_steps,
                   stepsize_jitter=args.stepsize_jitter)
    print(f"... HMC on the tutorial's {args.dim}-d Gaussian: {args.chains} chains, {args.burnin} burn-in + "
          f"{args.samples} samples, {args.leapfrog_steps} leapfrog steps, step-size jitter {options['stepsize_jitter']}, "
          f"jit_compile={jit}", flush=True)
    run = sample(energy, x0, num_results=args.samples, num_burnin=args.burnin, seed=args.seed,
                 jit_compile=jit, **options)
    flat = run.samples.reshape(-1, args.dim)
    np.set_printoptions(precision=4, suppress=True)
    print("***** TARGET VALUES *****")
    print("target mean:", mu)
    print("target cov:\n", cov)
    print("***** EMPIRICAL MEAN/COV USING HMC *****")
    print("empirical mean:", flat.mean(0))
    print("empirical cov:\n", np.cov(flat.T))
    print("***** HMC INTERNALS *****")
    print(f"final stepsize {run.step_size[-1]:.4f}")
    print(f"final acceptance_rate {run.avg_acceptance_rate[-1]:.4f}")
    print("effective sample size per dimension:", run.ess)
    print("R-hat per dimension:", run.rhat)
    print(f"run time {run.seconds:.2f} s (compile included); {run.ess.min() / run.seconds:.0f} ESS/s (minimum over dimensions)")
    os.makedirs(args.out, exist_ok=True)
    png = save_traces_png(run.samples, os.path.join(args.out, "traces.png"), targets=mu, step_size=run.step_size,
                          acceptance=run.avg_acceptance_rate,
                          title=f"HMC on the tutorial's {args.dim}-d Gaussian: {args.chains} chains, "
                                f"{args.leapfrog_steps} leapfrog steps")
    result = {"mean": flat.mean(0).tolist(), "cov": np.cov(flat.T).tolist(), "target_mean": mu.tolist(),
              "target_cov": cov.tolist(), "final_stepsize": float(run.step_size[-1]),
              "final_acceptance_rate": float(run.avg_acceptance_rate[-1]), "ess": run.ess.tolist(),
              "rhat": run.rhat.tolist() if run.rhat is not None else None, "seconds": run.seconds}
    write_result(args.out, result)
    print(f"wrote {png}")
    return result


if __name__ == "__main__":
    flags.run(main)
