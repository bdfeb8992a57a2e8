"""Hybrid Monte Carlo on the tutorial's 5-d Gaussian, with its adaptive step size (the tutorial's hmc test).

    python apps/hmc.py                               # 3 chains, 1000 burn-in + 1000 draws
    python apps/hmc.py --no-jit                      # without XLA
    python apps/hmc.py --stepsize-jitter 0.5         # randomised step sizes (not the tutorial's; more ESS)
"""

import argparse

from keras_dlt.experiment import run_hmc


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--dim", type=int, default=5, help="dimensions of the Gaussian")
    p.add_argument("--chains", type=int, default=3, help="parallel chains")
    p.add_argument("--burnin", type=int, default=1000, help="discarded first draws")
    p.add_argument("--draws", type=int, default=1000, help="kept draws")
    p.add_argument("--n-steps", type=int, default=20, help="leapfrog steps per move")
    p.add_argument("--initial-stepsize", type=float, default=1e-3, help="initial step size (the test's)")
    p.add_argument("--stepsize-max", type=float, default=0.5, help="upper clip of the step size (the test's)")
    p.add_argument("--stepsize-jitter", type=float, default=0.0,
                   help="not the tutorial's: draw each move's step size within +-this fraction of the adapted one "
                        "(e.g. 0.5; breaks trajectories that return to their start, more effective samples)")
    p.add_argument("--seed", type=int, default=1234, help="random seed")
    p.add_argument("--no-jit", action="store_true", help="run without XLA")
    p.add_argument("--out", default="runs/hmc", help="output folder (traces.png, result.json)")
    args = p.parse_args(argv)
    if not 0 <= args.stepsize_jitter < 1:
        p.error(f"--stepsize-jitter must be in [0, 1); got {args.stepsize_jitter}")
    if args.chains < 2:
        p.error("--chains must be >= 2 (R-hat compares chains)")
    return run_hmc(args)


if __name__ == "__main__":
    main()
