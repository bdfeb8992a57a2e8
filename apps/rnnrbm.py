"""RNN-RBM on polyphonic music (the tutorial's rnnrbm.py): train, generate two pieces as MIDI and pictures.

    python apps/rnnrbm.py                                    # bundled JSB chorales, 200 epochs
    python apps/rnnrbm.py --data ../shared/data/music/Nottingham --epochs 10
    python apps/rnnrbm.py --epochs 50 --evaluate             # + test frame accuracy and log-likelihood
    python apps/rnnrbm.py --recipe paper --data "../shared/data/music/JSB Chorales.pickle" --evaluate

`--recipe tutorial` (default) trains as rnnrbm.py does; `--recipe paper` adds the paper's RBM and RNN pretraining,
Nesterov momentum, gradient clipping and early stopping on the validation split (keras_dlt.training.music).
Any data set in the paper's pickle format (a dict train/valid/test of lists of frames of MIDI notes) runs as is.

Ctrl+C stops training cleanly; the pieces are still generated.
"""

import dataclasses
import os

from keras_dlt import flags
from keras_dlt.presets import RNNRBM_RECIPES


def parser():
    p = flags.parser(
        __doc__.splitlines()[0], learning_rate=None, epochs=None, batch_size=None, out="runs/rnnrbm",
        data_help="piano-rolls: a folder of MIDI files (or train/valid/test subfolders), or a polyphonic-music "
                  ".pickle; default: the bundled JSB chorales",
        batch_help="frames per training chunk (the tutorial's batch_size, 100)")
    p.add_argument("--recipe", choices=sorted(RNNRBM_RECIPES), default="tutorial",
                   help="training recipe; --epochs, --learning-rate and --batch-size default to its values "
                        "(tutorial: 200 epochs, lr 0.001, chunks of 100)")
    p.add_argument("--patience", type=flags.positive_int, default=None,
                   help="epochs without a better validation frame accuracy before stopping (the paper recipe: 20)")
    p.add_argument("--rnn-init", choices=("tutorial", "glorot"), default=None,
                   help="the RNN's initial weights (default: the recipe's)")
    p.add_argument("--hidden", type=flags.positive_int, default=150, help="RBM hidden units")
    p.add_argument("--recurrent", type=flags.positive_int, default=100, help="RNN hidden units")
    p.add_argument("--k", type=flags.positive_int, default=15, help="Gibbs steps of CD-k")
    p.add_argument("--dt", type=flags.positive_float, default=0.3, help="seconds per frame (reading and writing MIDI)")
    p.add_argument("--frames", "--n-steps", type=flags.positive_int, default=200, help="frames per generated piece")
    p.add_argument("--generate-k", type=flags.positive_int, default=None,
                   help="Gibbs steps per generated frame, from silence (default: the tutorial's 25 with --recipe "
                        "tutorial; 200 with --recipe paper, whose sharper RBM leaves silence slowly: bench/README.md)")
    p.add_argument("--evaluate", action="store_true", help="test-split frame accuracy and AIS log-likelihood")
    p.add_argument("--ais-runs", type=flags.positive_int, default=10,
                   help="AIS runs per frame (--evaluate; bench/README.md shows how the estimate moves with more)")
    p.add_argument("--ais-betas", type=flags.positive_int, default=200, help="AIS temperatures (--evaluate)")
    p.add_argument("--predict-steps", type=flags.positive_int, default=400,
                   help="Gibbs steps of each chain predicting a frame (validation and --evaluate; 4 chains per frame, "
                        "the first quarter burn-in; bench/README.md says why so many)")
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    # TensorFlow loads once the flags are read, so --help and a wrong flag answer at once.
    from keras_dlt.datasets import load_piano_rolls
    from keras_dlt.midi import piano_roll_to_midi
    from keras_dlt.models import RnnRbm
    from keras_dlt.models.boltzmann.frame_metrics import piece_statistics
    from keras_dlt.plotting import save_piano_roll_png
    from keras_dlt.training import CostLog, StopOnInterrupt, start_run, worker_folder, write_result
    from keras_dlt.training.music import closing_scores, evaluate_rnn_rbm, train_rnn_rbm

    strategy = start_run(args.seed, args.strategy, args.cpu_replicas, args.precision)  # devices, dtypes, seed
    data = load_piano_rolls(args.data, dt=args.dt)
    train = data["train"] if isinstance(data, dict) else data
    test = data.get("test") if isinstance(data, dict) else None
    if not train:
        raise ValueError(f"rnnrbm: no training sequences in {args.data or 'the bundled JSB chorales'}")
    changes = {k: v for k, v in (("epochs", args.epochs), ("learning_rate", args.learning_rate),
                                  ("chunk_length", args.batch_size), ("patience", args.patience),
                                  ("rnn_init", args.rnn_init)) if v is not None}
    recipe = dataclasses.replace(RNNRBM_RECIPES[args.recipe], **changes)
    valid = data.get("valid") if isinstance(data, dict) else None
    # The first worker writes OUT; any other (--strategy multi-worker) a private copy, removed at the end.
    with worker_folder(strategy, args.out, args.tensorboard) as (out, tensorboard):
        with strategy.scope():  # made under it; train_rnn_rbm compiles and trains it there (one chunk per replica)
            model = RnnRbm(args.hidden, args.recurrent, n_visible=train[0].shape[1], k=args.k, seed=args.seed,
                           generate_k=args.generate_k or (200 if args.recipe == "paper" else 25))
        pretraining = (f"the RBM pretrained on all frames first (CD-{recipe.rbm_k}, lr {recipe.rbm_learning_rate}, "
                       f"{recipe.rbm_epochs} epochs), " if recipe.rbm_epochs else "")
        if recipe.rnn_epochs:
            pretraining += (f"the RNN pretrained as a next-frame predictor (Adam, lr {recipe.rnn_learning_rate}, up to "
                            f"{recipe.rnn_epochs} epochs), ")
        print(f"... training the RNN-RBM ({args.hidden} hidden, {args.recurrent} recurrent, CD-{args.k}) on "
              f"{len(train)} sequences ({sum(len(s) for s in train)} frames, chunks of {recipe.chunk_length}), recipe "
              f"{recipe.name}: {pretraining}lr {recipe.learning_rate}, momentum {recipe.momentum}, up to {recipe.epochs} epochs"
              f"{', early stopping on validation' if recipe.patience and valid else ''}; Ctrl+C stops and still "
              f"generates", flush=True)
        log = CostLog("Epoch {epoch} cost {cost:.4f} (pseudo log-likelihood per frame)", monitor="pseudo_log_likelihood",
                      extra_template=", validation frame accuracy {val_frame_accuracy:.2%} (threshold {val_threshold})")
        stop = StopOnInterrupt("Interrupted by user: stopping training, generating with the weights so far.")
        training = train_rnn_rbm(model, train, valid, recipe, callbacks=[log, stop], seed=args.seed, verbose=args.verbose,
                                 tensorboard=tensorboard, predict_steps=args.predict_steps)
        seconds, interrupted = training.pretraining_seconds + training.training_seconds, training.interrupted
        if training.best_epoch is not None:
            kept = f"epoch {training.best_epoch} of {training.epochs_run}" if training.best_epoch else "the start"
            print(f"... kept {kept} (validation frame accuracy {training.best_valid_frame_accuracy:.2%})", flush=True)
        os.makedirs(out, exist_ok=True)
        written, pieces = [], []
        for i in (1, 2):
            roll = model.generate(args.frames, seed=args.seed + i)
            pieces.append(roll)
            written.append(piano_roll_to_midi(roll, os.path.join(out, f"sample{i}.mid"), dt=args.dt))
            written.append(save_piano_roll_png(roll, os.path.join(out, f"sample{i}.png"), dt=args.dt,
                                               title=f"RNN-RBM, generated piece {i}: {args.frames} frames of {args.dt} s"))
        path = os.path.join(out, "RnnRbm.keras")
        model.save(path)
        model.export(os.path.join(out, "saved_model"), verbose=False)
        result = {"costs": log.costs, "seconds": seconds, "interrupted": interrupted, "files": written, "keras_model": path,
                  "training": training.record(), "generate_k": model.generate_k}
        # Music that sounds like its corpus: the generated pieces' statistics beside the training data's.
        result["statistics"] = {"generated": piece_statistics(pieces), "training_data": piece_statistics(train)}
        print("           notes/frame  silent  range     repeated frames")
        for name, st in result["statistics"].items():
            print(f"{name:>13}  {st['notes_per_frame']:5.2f}    {st['silent_frames']:6.1%}  {st['lowest']}-{st['highest']}"
                  f"  {st['repeated_frames']:6.1%}")
        if args.evaluate and test:
            # The decision threshold is chosen on the validation split, never on test; the baselines on the same frames.
            print(f"... evaluating on {len(test)} test sequences (the threshold chosen on "
                  f"{len(valid) if valid else 0} validation sequences)", flush=True)
            scores = evaluate_rnn_rbm(model, train, valid, test, n_runs=args.ais_runs, n_betas=args.ais_betas,
                                      seed=args.seed, n_steps=args.predict_steps,
                                      pretrained_rnn=training.rnn_probabilities)
            result.update(scores)
            print(closing_scores(scores), flush=True)
        write_result(out, result)
        measuring = f" (+ {training.validation_seconds:.0f} s measuring validation)" if training.validation_seconds else ""
        print(f"Training took {seconds:.1f} s{measuring}; wrote {', '.join(os.path.basename(w) for w in written)}, {path}", flush=True)
        return result


if __name__ == "__main__":
    flags.run(main)
