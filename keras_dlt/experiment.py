"""What every supervised tutorial script does, so that `apps/` stay thin.

`supervised_parser` gives the common flags (`--data --epochs --batch-size
--learning-rate --out --seed`, patience, speed settings); `run_supervised`
loads MNIST, trains with the tutorial's early stopping under `model.fit`,
writes the per-epoch history (`history.csv`), the first-layer filters as a
PNG and the model as `.keras` and SavedModel, and returns (and prints) the
tutorial's closing numbers.
"""

import argparse
import json
import os
import shutil
import time

import keras

from keras_dlt.callbacks import BackupAndResume, CostLog, FilterPictures, PatienceEarlyStopping, StopOnInterrupt
from keras_dlt.callbacks.backup import read_finished, record_finished
from keras_dlt.datasets import load_mnist
from keras_dlt.samplers.ais import ais_betas
from keras_dlt.utils import minibatches, steps_per_execution_for

__all__ = ["write_result", "positive_int", "common_parser", "supervised_parser", "pretraining_parser", "run_supervised", "run_denoising_autoencoders", "run_sda", "run_rbm",
           "run_dbn", "run_hmc", "run_energy", "run_network3", "run_rnnrbm"]


def write_result(folder, result):
    """Writes an app's closing numbers as `result.json` in `folder` (numpy numbers as floats)."""
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "result.json"), "w") as f:
        json.dump(result, f, indent=2, default=float)


def positive_int(text):
    """`argparse` type: an int >= 1 (e.g. `--k`, the Gibbs steps), with a message naming the value."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an int >= 1; got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an int >= 1; got {value}")
    return value


#: What `--data` means for the MNIST apps (network3 builds its own parser and says the same).
MNIST_HELP = ("MNIST source: a mnist.pkl.gz, mnist.npz, a folder of IDX files, or 'sample' (bundled). "
               "Default: $KERAS_DLT_DATA, Keras' cache, download, bundled sample.")


def common_parser(description, *, learning_rate, epochs, batch_size, out, epilog=None, data_help=MNIST_HELP,
                  batch_help="minibatch size", out_help="output folder (pictures, .keras model, SavedModel)"):
    """An `argparse` parser with the flags every app shares (data, epochs, batch, lr, out, seed).

    `data_help` and `batch_help` say what `--data` and `--batch-size` mean for an app whose data is not MNIST.
    """
    p = argparse.ArgumentParser(description=description, epilog=epilog,
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--data", default=None, help=data_help)
    p.add_argument("--epochs", type=int, default=epochs, help="maximum number of epochs (n_epochs)")
    p.add_argument("--batch-size", type=int, default=batch_size, help=batch_help)
    p.add_argument("--learning-rate", type=float, default=learning_rate, help="SGD learning rate")
    p.add_argument("--out", default=out, help=out_help)
    p.add_argument("--seed", type=int, default=1234, help="random seed (weights, noise, shuffling)")
    p.add_argument("--verbose", type=int, default=1, choices=(0, 1, 2), help="Keras fit verbosity")
    return p


def supervised_parser(description, *, learning_rate, epochs, batch_size, patience, out):
    """`common_parser` plus the supervised apps' flags (patience, speed settings, export)."""
    p = common_parser(description, learning_rate=learning_rate, epochs=epochs, batch_size=batch_size, out=out,
                      out_help="output folder (pictures, .keras model, SavedModel) and the training's backup: "
                               "after Ctrl+C or a kill, the same command goes on where it stopped")
    p.add_argument("--patience", type=int, default=patience,
                   help="initial patience, in minibatch iterations (None: 10 epochs' worth, as SdA.py; 4 in DBN.py)")
    p.add_argument("--steps-per-execution", type=int, default=0,
                   help="minibatches per compiled call; 0 = automatic (a divisor of the epoch, for speed)")
    p.add_argument("--shuffle", action="store_true",
                   help="shuffle the minibatches every epoch (the tutorial visits them in the same order)")
    p.add_argument("--jit-compile", nargs="?", const="on", default="auto", choices=("auto", "on", "off"),
                   help="compile the training step with XLA; auto = on for dense stacks at batch <= 10, where it is "
                        "faster on CPU too (bench/README.md), off otherwise")
    p.add_argument("--no-export", action="store_true", help="skip the SavedModel export")
    return p


def jit_compile_for(model, batch_size, choice="auto"):
    """`jit_compile` for `model` at `batch_size`: "on", "off", or "auto" (the model's `fast_jit_batch_size`)."""
    if choice in (True, "on"):
        return True
    if choice in (False, None, "off"):
        return False
    return batch_size <= getattr(model, "fast_jit_batch_size", 0)


def _whole_batches(x, batch_size):
    """The tutorial's `n_train_batches = n // batch_size`: the number of whole minibatches in `x`.

    A clear error when the batch is larger than the data.
    """
    n_batches = len(x) // batch_size
    if n_batches < 1:
        raise ValueError(f"--batch-size {batch_size} is larger than the training set ({len(x)}).")
    return n_batches


#: Flags that do not change a run's course: a backup made under other values of these still resumes.
_NOT_THE_RUN = ("epochs", "verbose", "out", "no_export", "steps_per_execution", "jit_compile")


def finetune_backup(model, args, callbacks=()):
    """The `BackupAndResume` of a supervised app's training: `args.out`/backup, its config the run's flags."""
    config = {"model": type(model).__name__,
              **{k: v for k, v in sorted(vars(args).items()) if k not in _NOT_THE_RUN}}
    return BackupAndResume(os.path.join(args.out, "backup"), callbacks=callbacks, config=config)


def _trim_history_csv(path, epochs):
    """Keeps the header and the rows of the first `epochs` epochs of a `CSVLogger` file."""
    if not os.path.exists(path):
        return
    with open(path) as f:
        lines = f.readlines()
    with open(path, "w") as f:
        f.writelines(lines[: 1 + epochs])


def run_supervised(model, args, filters_layer, filter_shape=None, name="model", extra=None):
    """Trains `model` as the tutorial does and writes its outputs under `args.out`.

    Args:
        model: an uncompiled `LogisticRegression`, `MLP` or `LeNet`.
        args: parsed `supervised_parser` arguments.
        filters_layer: the layer whose kernel is drawn (`filters.png`).
        filter_shape: `(h, w)` of one filter (default: from the kernel).
        name: file stem for the saved model.
        extra: more entries for the result (and `result.json`), e.g. the
            pretraining's costs.

    Training is backed up in `args.out`/backup at each epoch's end (weights,
    optimizer, the patience state and best model); after a kill or Ctrl+C the
    same command resumes there, and a finished run deletes the backup.

    Returns:
        dict with best_validation_error, test_error (both fractions), epochs,
        seconds (this process's), resumed_from_epoch, best_iteration, the
        paths written, and `extra`.
    """
    keras.utils.set_random_seed(args.seed)
    (x_train, y_train), (x_valid, y_valid), (x_test, y_test) = load_mnist(args.data)
    n_batches = _whole_batches(x_train, args.batch_size)
    # The tutorial uses n_train_batches = n // batch_size full minibatches.
    x_train, y_train = x_train[: n_batches * args.batch_size], y_train[: n_batches * args.batch_size]
    spe = args.steps_per_execution or steps_per_execution_for(n_batches, model.fast_steps_per_execution)
    patience = args.patience or getattr(args, "patience_epochs", 10) * n_batches
    print(
        f"... training {type(model).__name__} on {len(x_train)} / {len(x_valid)} / {len(x_test)} digits: "
        f"lr {args.learning_rate}, batch {args.batch_size}, up to {args.epochs} epochs, patience {patience}"
    )
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=args.learning_rate),
        steps_per_execution=spe,
        jit_compile=jit_compile_for(model, args.batch_size, args.jit_compile),
    )
    stopper = PatienceEarlyStopping(
        patience=patience,
        validation_data=(x_valid, y_valid),
        test_data=(x_test, y_test),
        verbose=1 if args.verbose else 0,
    )
    os.makedirs(args.out, exist_ok=True)
    backup = finetune_backup(model, args, callbacks=[stopper])
    resuming = backup.check() is not None
    if resuming:  # a kill between the CSV row and the backup would leave a row the resumed run writes again
        _trim_history_csv(os.path.join(args.out, "history.csv"), backup.saved_epoch())
    if not model.built:
        model.build((None, model.n_in))  # BackupAndRestore loads into a built model
    # The tutorial's fixed order: batches cut once (faster); or Keras' shuffling.
    data = dict(x=x_train, y=y_train, batch_size=args.batch_size, shuffle=True) if args.shuffle else dict(
        x=minibatches(x_train, y_train, args.batch_size), shuffle=False)
    # Ctrl+C ends training early; the best weights are still restored, saved and scored.
    interrupt = StopOnInterrupt(f"Interrupted by user: stopping; the best model so far is saved and scored "
                                f"(the same command continues from the backup in {backup.backup_dir}).")
    start = time.perf_counter()
    history = model.fit(
        **data,
        epochs=args.epochs,
        callbacks=[stopper, keras.callbacks.CSVLogger(os.path.join(args.out, "history.csv"), append=resuming),
                   backup, interrupt],
        verbose=args.verbose,
    )
    seconds = time.perf_counter() - start
    epochs = (backup.resumed_epoch or 0) + len(history.epoch)
    if not interrupt.interrupted:
        backup.discard()

    pictures = FilterPictures(filters_layer, args.out, img_shape=filter_shape)
    pictures.set_model(model)
    filters_png = pictures.save(os.path.join(args.out, "filters.png"))
    keras_path = os.path.join(args.out, f"{name}.keras")
    model.save(keras_path)
    saved_model = None
    if not args.no_export:
        saved_model = os.path.join(args.out, "saved_model")
        model.export(saved_model, verbose=False)
    result = {
        "model": type(model).__name__,
        "best_validation_error": stopper.best_validation_error,
        "test_error": stopper.test_error,
        "best_iteration": stopper.best_iteration,
        "epochs": epochs,
        "seconds": seconds,
        "resumed_from_epoch": backup.resumed_epoch,
        "interrupted": interrupt.interrupted,
        "train_size": len(x_train),
        "filters_png": filters_png,
        "keras_model": keras_path,
        "saved_model": saved_model,
        **(extra or {}),
    }
    write_result(args.out, result)
    print(f"wrote {filters_png}, {keras_path}" + (f", {saved_model}" if saved_model else ""))
    if stopper.test_error is None:  # Ctrl+C before the first validation point
        print(f"Stopped before the first validation point: nothing to report, {epochs} epochs, {seconds:.1f} s")
        return result
    print(
        f"Optimization complete: best validation error {stopper.best_validation_error * 100:.3f} %, "
        f"test error {stopper.test_error * 100:.3f} %, {epochs} epochs, {seconds:.1f} s"
    )
    return result


def run_denoising_autoencoders(args, corruption_levels=(0.0, 0.3), n_hidden=500):
    """The dA tutorial: one dA per corruption level, cost per epoch, filter pictures.

    Writes `filters_corruption_{0,30}.png` (100 filters, 10x10 tiles) and a
    SavedModel per level (`dA_corruption_{0,30}`, endpoints encode and
    reconstruct) under `args.out`. Returns `{level: [cost per epoch]}`.
    """
    from keras_dlt.models import DenoisingAutoencoder
    from keras_dlt.plotting import filters_of, save_tiled_png

    (x_train, _), _, _ = load_mnist(args.data)
    os.makedirs(args.out, exist_ok=True)
    n_batches = _whole_batches(x_train, args.batch_size)
    batches = minibatches(x_train, None, args.batch_size)  # cut once, in the tutorial's order
    costs = {}
    for level in corruption_levels:
        keras.utils.set_random_seed(args.seed)
        dae = DenoisingAutoencoder(n_hidden=n_hidden, corruption_level=level, seed=args.seed)
        dae.compile(optimizer=keras.optimizers.SGD(args.learning_rate),
                    steps_per_execution=steps_per_execution_for(n_batches))
        log = CostLog()
        start = time.perf_counter()
        dae.fit(batches, epochs=args.epochs, shuffle=False, callbacks=[log], verbose=args.verbose)
        minutes = (time.perf_counter() - start) / 60
        tag = f"{round(level * 100)}"
        kernel = keras.ops.convert_to_numpy(dae.autoencoder.encoder.kernel)
        png = save_tiled_png(filters_of(kernel)[:100], os.path.join(args.out, f"filters_corruption_{tag}.png"),
                             (28, 28), tile_shape=(10, 10), tile_spacing=(1, 1))
        dae.export(os.path.join(args.out, f"dA_corruption_{tag}"), verbose=False)
        costs[level] = log.costs
        print(f"The {tag} % corruption code ran for {minutes:.2f} m; wrote {png}", flush=True)
    return costs


def run_sda(args):
    """The SdA tutorial: greedy dA pretraining, then fine-tuning with patience early stopping.

    Writes `filters.png` (first layer), `SdA.keras` and a SavedModel of the
    classifier under `args.out`; returns the result dict of
    `run_supervised` plus the pretraining costs and seconds.
    """
    from keras_dlt.models import StackedDenoisingAutoencoder

    keras.utils.set_random_seed(args.seed)
    sda = StackedDenoisingAutoencoder(args.hidden, corruption_levels=args.corruption, seed=args.seed)
    return _pretrain_then_finetune(sda, args, "dAs", {}, "SdA")


def pretraining_parser(description, *, hidden, pretrain_epochs, pretrain_lr, batch_size, out, epilog=None,
                       patience_epochs=10):
    """`supervised_parser` plus the flags of the pretrained stacks (SdA, DBN): sizes, pretraining, reuse.

    `patience_epochs`: the initial patience when `--patience` is not given, in
    epochs (SdA.py waits 10 epochs' worth of minibatches, DBN.py 4).
    """
    p = supervised_parser(description, learning_rate=0.1, epochs=1000, batch_size=batch_size, patience=None, out=out)
    p.epilog = epilog
    p.set_defaults(patience_epochs=patience_epochs)
    p.add_argument("--hidden", type=int, nargs="+", default=list(hidden), help="hidden layer sizes")
    p.add_argument("--pretrain-epochs", type=int, default=pretrain_epochs, help="pretraining epochs per layer")
    p.add_argument("--pretrain-lr", type=float, default=pretrain_lr, help="pretraining learning rate")
    p.add_argument("--pretrained", metavar="WEIGHTS", default=None,
                   help="skip pretraining and start fine-tuning from these weights: the pretrained.weights.h5 that "
                        "an earlier run wrote to its --out folder (same --hidden)")
    return p


def _pretrain_then_finetune(model, args, what, pretrain_kwargs, name):
    """Greedy pretraining (`model.pretrain`) on the training digits, then `run_supervised`.

    The pretrained weights are saved as `pretrained.weights.h5` under
    `args.out` before fine-tuning starts, so that fine-tuning can be rerun
    (other learning rate, seed, or after an interruption) with
    `--pretrained` and without the hours of pretraining. Pretraining is
    backed up in `args.out`/backup_pretraining and fine-tuning in
    `args.out`/backup: after a kill the same command goes on where it stopped.
    """
    os.makedirs(args.out, exist_ok=True)
    costs, pretrain_seconds = [], 0.0
    if finetune_backup(model, args).check() is not None:  # run_supervised loads the backup's weights
        print(f"... pretraining skipped: fine-tuning resumes from its backup in {os.path.join(args.out, 'backup')}",
              flush=True)
    elif args.pretrained:
        if not os.path.isfile(args.pretrained):
            raise FileNotFoundError(f"--pretrained {args.pretrained}: no such file (the pretrained.weights.h5 "
                                    f"an earlier {name} run wrote under its --out folder)")
        model.build((None, model.n_in))
        try:
            model.load_weights(args.pretrained)
        except ValueError as err:  # other layer sizes: say which file and which sizes
            raise ValueError(f"--pretrained {args.pretrained}: its weights do not fit a {name} with hidden layers "
                             f"{args.hidden} ({err})") from None
        except OSError as err:  # not an HDF5 file, or a truncated one
            raise ValueError(f"--pretrained {args.pretrained}: not a readable Keras weights file ({err})") from None
        print(f"... pretraining skipped: fine-tuning starts from {args.pretrained}", flush=True)
    else:
        (x_train, _), _, _ = load_mnist(args.data)
        print(f"... pre-training {len(args.hidden)} layers {args.hidden} as {what}: lr {args.pretrain_lr}, "
              f"batch {args.batch_size}, {args.pretrain_epochs} epochs per layer", flush=True)
        start = time.perf_counter()
        costs = model.pretrain(x_train, epochs=args.pretrain_epochs, batch_size=args.batch_size,
                               learning_rate=args.pretrain_lr, backup_dir=os.path.join(args.out, "backup_pretraining"),
                               **pretrain_kwargs)
        pretrain_seconds = time.perf_counter() - start
        weights = os.path.join(args.out, "pretrained.weights.h5")
        model.save_weights(weights)
        print(f"The pretraining code ran for {pretrain_seconds / 60:.2f} m; pretrained weights saved to {weights}",
              flush=True)
    return run_supervised(model, args, filters_layer=model.hidden_layers[0], filter_shape=(28, 28), name=name,
                          extra={"pretraining_costs": costs, "pretraining_seconds": pretrain_seconds,
                                 "pretrained_from": args.pretrained})


def run_rbm(args):
    """The RBM tutorial: PCD-k (or CD-k) training, filters per epoch, samples, optional AIS.

    Writes `filters_at_epoch_{e}.png`, `samples.png` (`args.chains` chains
    started from random test digits, one row per kept sample,
    `args.plot_every` Gibbs steps apart), `RBM.keras`, a SavedModel
    (`hidden`, `free_energy`) and `result.json` under `args.out`. With
    `args.ais`, estimates log Z by AIS and the average log-likelihood of the
    (stochastically binarised) test digits.
    """
    import numpy as np

    from keras_dlt.callbacks import FilterPictures
    from keras_dlt.models import RBM
    from keras_dlt.models.boltzmann import binarize
    from keras_dlt.plotting import save_tiled_png

    keras.utils.set_random_seed(args.seed)
    (x_train, _), _, (x_test, _) = load_mnist(args.data)
    n_batches = _whole_batches(x_train, args.batch_size)
    os.makedirs(args.out, exist_ok=True)
    rbm = RBM(n_hidden=args.hidden, k=args.k, persistent=not args.cd, seed=args.seed, n_chains=args.batch_size)
    rbm.compile(optimizer=keras.optimizers.SGD(args.learning_rate), steps_per_execution=steps_per_execution_for(n_batches))
    rbm.build((None, 784))
    monitor = rbm.metrics[0].name
    print(f"... training RBM ({args.hidden} hidden, {'CD' if args.cd else 'PCD'}-{args.k}) on {n_batches * args.batch_size}"
          f" digits: lr {args.learning_rate}, batch {args.batch_size}, {args.epochs} epochs; cost = {monitor}", flush=True)
    log = CostLog("Training epoch {epoch}, cost is {cost:.4f}", monitor=monitor)
    pictures = FilterPictures(rbm.rbm.dense, args.out, img_shape=(28, 28))
    start = time.perf_counter()
    rbm.fit(minibatches(x_train, None, args.batch_size), epochs=args.epochs, verbose=args.verbose, shuffle=False,
            callbacks=[log, pictures])
    seconds = time.perf_counter() - start
    print(f"Training took {seconds / 60:.2f} minutes", flush=True)

    # Sampling as the tutorial: chains from consecutive test digits at a random offset.
    start_idx = np.random.default_rng(args.seed).integers(len(x_test) - args.chains)
    means = rbm.sample(x_test[start_idx:start_idx + args.chains], n_samples=args.samples,
                       steps_between=args.plot_every, seed=args.seed)
    samples_png = save_tiled_png(means.reshape(-1, 784), os.path.join(args.out, "samples.png"), (28, 28),
                                 tile_shape=(args.samples, args.chains), tile_spacing=(1, 1))
    keras_path = os.path.join(args.out, "RBM.keras")
    rbm.save(keras_path)
    rbm.export(os.path.join(args.out, "saved_model"), verbose=False)
    result = {"costs": log.costs, "monitor": monitor, "seconds": seconds, "filters_png": pictures.written,
              "samples_png": samples_png, "keras_model": keras_path}
    if args.ais:
        print(f"... AIS: {args.ais_runs} runs, {args.ais_betas} temperatures (Salakhutdinov & Murray 2008)", flush=True)
        start = time.perf_counter()
        log_z = rbm.log_partition("ais", n_runs=args.ais_runs, betas=ais_betas(args.ais_betas), data=x_train,
                                  seed=args.seed)
        ll, _ = rbm.log_likelihood(binarize(x_test, seed=args.seed), log_z=log_z)
        result.update({"log_z": log_z.log_z, "log_z_low": log_z.low, "log_z_high": log_z.high,
                       "test_log_likelihood": ll, "ais_seconds": time.perf_counter() - start})
        print(f"AIS log Z = {log_z.log_z:.2f} (bounds {log_z.low:.2f}, {log_z.high:.2f}); "
              f"average test log-likelihood = {ll:.2f} nats ({result['ais_seconds']:.0f} s)", flush=True)
    write_result(args.out, result)
    print(f"wrote {samples_png}, {len(pictures.written)} filter pictures, {keras_path}", flush=True)
    return result


def run_dbn(args):
    """The DBN tutorial: greedy CD-k RBM pretraining, then fine-tuning with patience early stopping.

    Writes `filters.png` (first layer), `DBN.keras` and a SavedModel of the
    classifier under `args.out`; returns the result dict of
    `run_supervised` plus the pretraining costs and seconds.
    """
    from keras_dlt.models import DBN

    keras.utils.set_random_seed(args.seed)
    dbn = DBN(args.hidden, seed=args.seed)
    return _pretrain_then_finetune(dbn, args, f"CD-{args.k} RBMs", {"k": args.k}, "DBN")

def run_hmc(args):
    """The HMC tutorial's test: the 5-d Gaussian, 3 chains, burn-in then draws, adaptive step size.

    Prints target and empirical mean and covariance, the final step size and
    acceptance rate, ESS and R-hat; writes `traces.png` (each dimension's
    draws, all chains) and `result.json` under `args.out`.
    """
    import numpy as np

    from keras_dlt.plotting import save_traces_png
    from keras_dlt.samplers import sample, tutorial_gaussian

    energy, mu, cov, x0 = tutorial_gaussian(dim=args.dim, n_chains=args.chains)
    options = dict(initial_stepsize=args.initial_stepsize, stepsize_max=args.stepsize_max, n_steps=args.n_steps,
                   stepsize_jitter=args.stepsize_jitter)
    print(f"... HMC on the tutorial's {args.dim}-d Gaussian: {args.chains} chains, {args.burnin} burn-in + "
          f"{args.draws} draws, {args.n_steps} leapfrog steps, step-size jitter {options['stepsize_jitter']}, "
          f"jit_compile={not args.no_jit}", flush=True)
    run = sample(energy, x0, num_results=args.draws, num_burnin=args.burnin, seed=args.seed,
                 jit_compile=not args.no_jit, **options)
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
    png = save_traces_png(run.samples, os.path.join(args.out, "traces.png"), targets=mu)
    result = {"mean": flat.mean(0).tolist(), "cov": np.cov(flat.T).tolist(), "target_mean": mu.tolist(),
              "target_cov": cov.tolist(), "final_stepsize": float(run.step_size[-1]),
              "final_acceptance_rate": float(run.avg_acceptance_rate[-1]), "ess": run.ess.tolist(),
              "rhat": run.rhat.tolist() if run.rhat is not None else None, "seconds": run.seconds}
    write_result(args.out, result)
    print(f"wrote {png}")
    return result


def run_energy(args):
    """An energy model trained with persistent HMC chains: a 2-D mixture (`EnergyModel`) or digits (GB-RBM).

    `args.data == "mixture"`: an MLP energy on `gaussian_mixture` points;
    after training, fresh chains from broad noise run `args.sample_moves`
    HMC moves and are compared with held-out data by the kernel two-sample
    test (MMD^2, permutation p-value; the same test on two data samples is
    printed as the reference); `data_vs_samples.png` shows data, the
    persistent chains and the fresh samples.
    `args.data == "digits"`: a `GaussianBernoulliRBM` on 7x7 mean-pooled,
    standardised MNIST digits (`pooled_digits`); the samples' moments
    (means, standard deviations, covariance) are compared with the data's,
    and with exact block-Gibbs samples of the same RBM as a cross-check;
    `data_vs_samples.png` tiles pooled digits and samples.
    Writes `result.json` and the `.keras` model under `args.out`.
    """
    import numpy as np

    from keras_dlt.datasets import gaussian_mixture, pooled_digits
    from keras_dlt.models import EnergyModel, GaussianBernoulliRBM
    from keras_dlt.plotting import save_scatter_png, save_tiled_png
    from keras_dlt.two_sample import mmd_test

    keras.utils.set_random_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    hmc = dict(stepsize_max=args.stepsize_max)
    if args.data == "mixture":
        x = gaussian_mixture(args.n, seed=args.seed)
        held_out, reference = gaussian_mixture(1000, seed=args.seed + 1), gaussian_mixture(1000, seed=args.seed + 2)
        net = keras.Sequential([keras.layers.Dense(args.hidden, activation="softplus"),
                                keras.layers.Dense(args.hidden, activation="softplus"), keras.layers.Dense(1)],
                               name="energy_mlp")
        model = EnergyModel(net, n_chains=args.chains, hmc_moves=args.hmc_moves, seed=args.seed, **hmc)
        what = f"an MLP energy (2-{args.hidden}-{args.hidden}-1, softplus) on a 2-D mixture of 3 Gaussians"
    elif args.data == "digits":
        (x_train, _), _, _ = load_mnist(args.data_path)
        features, kept, mean, std = pooled_digits(x_train[:args.n + 1000])
        x, held_out, reference = features[:args.n], features[args.n:], features[:1000]
        model = GaussianBernoulliRBM(args.hidden, n_chains=args.chains, hmc_moves=args.hmc_moves, seed=args.seed, **hmc)
        what = f"a Gaussian-Bernoulli RBM ({x.shape[1]} visible, {args.hidden} hidden) on 7x7 pooled digits"
    else:
        raise ValueError(f"run_energy: data must be 'mixture' or 'digits'. Received: {args.data!r}")
    steps = args.epochs * -(-len(x) // args.batch_size)
    # Cosine decay to 0: the chains' last picture of the model is not blurred by late, large updates.
    model.compile(optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(args.learning_rate, steps)))
    print(f"... training {what}: {len(x)} points, {args.chains} persistent HMC chains, {args.hmc_moves} HMC "
          f"move(s) per step, Adam lr {args.learning_rate} (cosine decay to 0), batch {args.batch_size}, "
          f"{args.epochs} epochs", flush=True)
    start = time.perf_counter()
    history = model.fit(x, batch_size=args.batch_size, epochs=args.epochs, verbose=args.verbose)
    seconds = time.perf_counter() - start
    print(f"Training took {seconds:.1f} s; final step size {float(model.step_size.numpy()):.3f}", flush=True)
    noise = (rng.normal(size=(args.n_samples, x.shape[1])) * 2 * x.std(0) + x.mean(0)).astype("float32")
    samples = model.sample(noise, n_moves=args.sample_moves, seed=args.seed)
    test = mmd_test(samples[:1000], held_out[:1000], seed=args.seed)
    ref = mmd_test(reference, held_out[:1000], seed=args.seed)
    print(f"two-sample test (MMD^2, Gaussian kernel, bandwidth {test.bandwidth:.2f}): samples vs held-out data "
          f"{test.mmd2:.5f} (p = {test.p_value:.3f}); data vs data {ref.mmd2:.5f} (p = {ref.p_value:.3f})", flush=True)
    os.makedirs(args.out, exist_ok=True)
    result = {"data": args.data, "seconds": seconds, "history": {k: [float(v) for v in vs] for k, vs in
                                                                 history.history.items()},
              "mmd2": test.mmd2, "p_value": test.p_value, "mmd2_data_vs_data": ref.mmd2, "p_value_data_vs_data": ref.p_value}
    png = os.path.join(args.out, "data_vs_samples.png")
    if args.data == "mixture":
        save_scatter_png([held_out, model.chains.numpy(), samples], png,
                         titles=["data (held out)", "persistent chains", f"fresh chains, {args.sample_moves} moves"])
    else:
        gibbs = model.gibbs_sample(noise, n_steps=args.sample_moves, seed=args.seed)
        cov_data = np.cov(held_out.T)

        def cov_error(s):
            return float(np.linalg.norm(np.cov(s.T) - cov_data) / np.linalg.norm(cov_data))

        ratio = samples.std(0) / held_out.std(0)
        result.update({"max_abs_mean_error": float(np.abs(samples.mean(0) - held_out.mean(0)).max()),
                       "std_ratio_range": [float(ratio.min()), float(ratio.max())],
                       "cov_relative_error": cov_error(samples), "cov_relative_error_gibbs": cov_error(gibbs),
                       "cov_relative_error_independent": float(np.linalg.norm(np.diag(np.diag(cov_data)) - cov_data)
                                                               / np.linalg.norm(cov_data))})
        print(f"moments of HMC samples vs held-out data (standardised units): largest mean error "
              f"{result['max_abs_mean_error']:.3f}; std ratio in [{ratio.min():.3f}, {ratio.max():.3f}]; covariance "
              f"relative error {result['cov_relative_error']:.3f} (exact Gibbs samples of the same RBM "
              f"{result['cov_relative_error_gibbs']:.3f}; independent-pixels baseline "
              f"{result['cov_relative_error_independent']:.3f})", flush=True)

        def images(f):
            full = np.zeros((len(f), 49), "float32")
            full[:, kept] = f * std + mean
            return full

        save_tiled_png(np.concatenate([images(held_out[:50]), images(samples[:50])]), png, (7, 7),
                       tile_shape=(10, 10), scale=4)
    path = os.path.join(args.out, f"{type(model).__name__}.keras")
    model.save(path)
    result.update({"picture": png, "keras_model": path})
    write_result(args.out, result)
    print(f"wrote {png}, {path}", flush=True)
    return result


def run_network3(args):
    """Nielsen's chapter 6 network `args.preset` trained by `Network.SGD` (network3's printout).

    Writes `training_curves.png` (training vs validation accuracy and cost
    per epoch: the overfitting diagnostic), `history.csv`, the `.keras`
    model(s) and `result.json` under `args.out`. The `ensemble` preset trains
    `args.ensemble` dropout networks (seeds seed, seed+1, ...) and reports
    their majority vote.
    """
    import csv

    from keras_dlt.models.network3 import PRESETS, ensemble_accuracy, preset
    from keras_dlt.plotting import save_training_curves_png

    description, settings, reported = PRESETS[args.preset]
    epochs = args.epochs if args.epochs is not None else settings["epochs"]
    eta = args.eta if args.eta is not None else settings["eta"]
    lmbda = args.lmbda if args.lmbda is not None else settings["lmbda"]
    train, valid, test = load_mnist(args.data)
    os.makedirs(args.out, exist_ok=True)
    n_nets = args.ensemble if args.preset == "ensemble" else 1
    nets, histories, start = [], [], time.perf_counter()
    # Ctrl+C ends the network in training after its step; it is still saved and scored, no further
    # ensemble member is trained, and the ensemble votes with the networks it has. Each network is backed
    # up every epoch, and each finished ensemble member recorded, under out/backup: after a kill or Ctrl+C
    # the same command goes on where the run stopped; a finished run deletes the backup.
    backup = os.path.join(args.out, "backup")
    run_config = {k: v for k, v in sorted(vars(args).items()) if k not in ("verbose", "out")}
    interrupt = StopOnInterrupt(f"Interrupted by user: stopping; this network is still saved and scored "
                                f"(the same command continues from the backup in {backup}).")
    for i in range(n_nets):
        path = os.path.join(args.out, f"network3_{args.preset}_{i}.keras" if n_nets > 1 else
                            f"network3_{args.preset}.keras")
        done = os.path.join(backup, f"network_{i}.done.json")
        record = read_finished(done, run_config, f"{done}: network {i + 1}", backup) if os.path.exists(path) else None
        if record is not None:  # an ensemble member the interrupted run finished
            net = keras.models.load_model(path)
            net.best_validation_accuracy, net.best_test_accuracy, net.best_epoch = \
                record["best_validation_accuracy"], record["best_test_accuracy"], record["best_epoch"]
            print(f"... network {i + 1} of {n_nets}: trained by the interrupted run, loaded from {path}", flush=True)
            nets.append(net)
            histories.append(record["history"])
            continue
        keras.utils.set_random_seed(args.seed + i)
        net = preset(args.preset, args.mini_batch_size, seed=args.seed + i)
        print(f"... network3 preset '{args.preset}' ({description}){f', network {i + 1} of {n_nets}' if n_nets > 1 else ''}: "
              f"{epochs} epochs, mini-batch {args.mini_batch_size}, eta {eta}, lmbda {lmbda}; "
              f"Nielsen reports {reported:.2%}", flush=True)
        history = net.SGD(train, epochs, args.mini_batch_size, eta, valid, test, lmbda=lmbda, verbose=args.verbose,
                          shuffle=not args.no_shuffle, monitor_training=not args.no_monitor, callbacks=[interrupt],
                          backup_dir=os.path.join(backup, f"network_{i}"))
        net.save(path)
        nets.append(net)
        histories.append(history.history)
        if interrupt.interrupted:
            break
        record_finished(done, run_config, best_validation_accuracy=net.best_validation_accuracy,
                        best_epoch=net.best_epoch, best_test_accuracy=net.best_test_accuracy, history=history.history)
        shutil.rmtree(os.path.join(backup, f"network_{i}"), ignore_errors=True)
    if not interrupt.interrupted:
        shutil.rmtree(backup, ignore_errors=True)
    seconds = time.perf_counter() - start
    result = {"preset": args.preset, "epochs": epochs, "eta": eta, "lmbda": lmbda, "seconds": seconds,
              "interrupted": interrupt.interrupted, "networks_trained": len(nets),
              "reported_test_accuracy": reported,
              "best_validation_accuracy": [n.best_validation_accuracy for n in nets],
              "test_accuracy_at_best_validation": [n.best_test_accuracy for n in nets],
              "final_test_accuracy": [n.accuracy(test) for n in nets]}
    if len(nets) > 1:
        result["ensemble_test_accuracy"] = ensemble_accuracy(nets, test)
        print(f"Ensemble of {len(nets)} (majority vote): test accuracy {result['ensemble_test_accuracy']:.2%}")
    curves = save_training_curves_png(histories[0], os.path.join(args.out, "training_curves.png"))
    with open(os.path.join(args.out, "history.csv"), "w", newline="") as f:
        keys = sorted(histories[0])
        writer = csv.writer(f)
        writer.writerow(["epoch", *keys])
        for e in range(len(histories[0][keys[0]])):
            writer.writerow([e, *(histories[0][k][e] for k in keys)])
    write_result(args.out, result)
    print(f"{seconds:.0f} s; wrote {curves}, history.csv, result.json and the model(s) in {args.out}", flush=True)
    return result


def run_rnnrbm(args):
    """The RNN-RBM tutorial: train on piano-rolls, generate, write MIDI and pictures, save the model.

    Trains on `args.data` (default: the bundled JSB chorales; a folder of
    MIDI files, split folders, or a polyphonic-music pickle) with the cost
    per epoch and a progress bar; Ctrl+C stops training cleanly and the
    script still generates. Writes `sample1.mid`, `sample2.mid` and their
    piano-roll pictures, `RnnRbm.keras`, a SavedModel (`generate`, `serve`)
    and `result.json` under `args.out`. With `args.evaluate`, reports the
    test split's frame-level accuracy and AIS log-likelihood per frame.
    """
    from keras_dlt.callbacks import CostLog
    from keras_dlt.datasets import load_piano_rolls
    from keras_dlt.midi import piano_roll_to_midi
    from keras_dlt.models import RnnRbm
    from keras_dlt.plotting import save_piano_roll_png

    keras.utils.set_random_seed(args.seed)
    data = load_piano_rolls(args.data, dt=args.dt)
    train = data["train"] if isinstance(data, dict) else data
    test = data.get("test") if isinstance(data, dict) else None
    if not train:
        raise ValueError(f"run_rnnrbm: no training sequences in {args.data or 'the bundled JSB chorales'}")
    model = RnnRbm(args.hidden, args.recurrent, n_visible=train[0].shape[1], k=args.k, seed=args.seed)
    model.compile(optimizer=keras.optimizers.SGD(args.learning_rate))
    dataset = model.training_dataset(train, chunk_length=args.batch_size, seed=args.seed)
    print(f"... training the RNN-RBM ({args.hidden} hidden, {args.recurrent} recurrent, CD-{args.k}) on "
          f"{len(train)} sequences ({sum(len(s) for s in train)} frames, chunks of {args.batch_size}): "
          f"lr {args.learning_rate}, {args.epochs} epochs; Ctrl+C stops and still generates", flush=True)
    log = CostLog("Epoch {epoch} cost {cost:.4f} (pseudo log-likelihood per frame)", monitor="pseudo_log_likelihood")
    stop = StopOnInterrupt("Interrupted by user: stopping training, generating with the weights so far.")
    start = time.perf_counter()
    model.fit(dataset, epochs=args.epochs, verbose=args.verbose, callbacks=[log, stop])
    seconds, interrupted = time.perf_counter() - start, stop.interrupted
    os.makedirs(args.out, exist_ok=True)
    written = []
    for i in (1, 2):
        roll = model.generate(args.n_steps, seed=args.seed + i)
        written.append(piano_roll_to_midi(roll, os.path.join(args.out, f"sample{i}.mid"), dt=args.dt))
        written.append(save_piano_roll_png(roll, os.path.join(args.out, f"sample{i}.png"), dt=args.dt))
    path = os.path.join(args.out, "RnnRbm.keras")
    model.save(path)
    model.export(os.path.join(args.out, "saved_model"), verbose=False)
    result = {"costs": log.costs, "seconds": seconds, "interrupted": interrupted, "files": written, "keras_model": path}
    if args.evaluate and test:
        print(f"... evaluating on {len(test)} test sequences", flush=True)
        result["test_frame_accuracy"] = model.frame_accuracy(test, seed=args.seed)
        result["test_log_likelihood_per_frame"] = model.log_likelihood(test, n_runs=args.ais_runs,
                                                                       n_betas=args.ais_betas, seed=args.seed)
        print(f"test frame-level accuracy {result['test_frame_accuracy']:.2%}; AIS log-likelihood per frame "
              f"{result['test_log_likelihood_per_frame']:.2f} nats", flush=True)
    write_result(args.out, result)
    print(f"Training took {seconds:.1f} s; wrote {', '.join(os.path.basename(w) for w in written)}, {path}", flush=True)
    return result
