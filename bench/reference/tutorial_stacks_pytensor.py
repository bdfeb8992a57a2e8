"""The original tutorial's SdA.py and DBN.py (`test_SdA`, `test_DBN`) on PyTensor: same-machine references
for apps/SdA.py's and apps/DBN.py's accuracy.

Issues 3 and 4 ask the SdA and the DBN to reach the tutorial's test errors
(1.30 %, 1.34 %), printed once in 2010 on other machines; ours land 0.1-0.5 %
away. This runs the tutorial's own graphs, ported from Python 2 / Theano to
PyTensor line for line, on the same data as ours, so that a draw of the
original on this machine can be set beside ours. Both stacks are the same
MLP facade: `numpy.random.RandomState(seed)` draws a `RandomStream` seed, then
each sigmoid `HiddenLayer`'s W (uniform +-4 sqrt(6 / (n_in + n_out))), whose W
and bias the layer's dA or RBM shares, with a zero visible bias of its own;
a zero-initialised logistic layer on top. Pretraining updates one layer at a
time, on its input computed through the layers below once, when its turn
comes (the tutorial's tip in its section 10.6; the original recomputes it at
every call, which changes the time, not the numbers):
- sda: the dA's masking corruption (binomial keep-mask, p = 1 - level), the
  reconstruction cross-entropy, plain SGD; the tutorial's 15 epochs, lr 0.001,
  batch 1, corruption .1 / .2 / .3, seed 89677;
- dbn: CD-k with the gradient of mean F(v) - mean F(chain end), the chain end
  held constant; the reconstruction cross-entropy as the monitor; 100 epochs,
  lr 0.01, batch 10, k = 1, seed 123.
Fine-tuning is plain SGD on the mean negative log-likelihood with the patience
rule of the tutorial's `test_SdA` / `test_DBN` (initial patience 10 / 4 epochs'
worth, x2 at each best 0.5 % below the last, validation once an epoch).

Resumable: the state (weights, the random stream, the loop's counters) is
saved in OUT after every epoch, and the same command goes on from there.
Needs `pip install pytensor` and a BLAS (see bench/tutorial_pytensor.py).

    python -m bench.reference.tutorial_stacks_pytensor dbn --data ../shared/data/mnist/mnist.npz --out runs/tutorial_dbn
    python -m bench.reference.tutorial_stacks_pytensor sda --data ../shared/data/mnist/mnist.npz --out runs/tutorial_sda
    python -m bench.reference.tutorial_stacks_pytensor dbn --subset 2000 --pretraining-epochs 2 --out /tmp/t   # a smoke run
"""

import argparse
import json
import os
import time

import numpy as np

from bench.reference import tutorial_pytensor  # noqa: E402,F401  (sets PYTENSOR_FLAGS: float32, OpenBLAS)


class TutorialStack:
    """The tutorial's `SdA` / `DBN` classes: sigmoid `HiddenLayer`s (W x4), each with the visible bias of its dA / RBM,
    and a zero-initialised logistic layer."""

    def __init__(self, numpy_rng, n_ins=784, hidden_layers_sizes=(1000, 1000, 1000), n_outs=10):
        import pytensor
        import pytensor.tensor as pt
        from pytensor.tensor.random.utils import RandomStream

        self.theano_rng = RandomStream(numpy_rng.randint(2**30))
        self.x, self.y = pt.fmatrix("x"), pt.ivector("y")
        self.layers, self.layer_inputs, self.params = [], [], []
        layer_input, n_in = self.x, n_ins
        for n_out in hidden_layers_sizes:
            bound = np.sqrt(6.0 / (n_in + n_out))
            W = pytensor.shared(np.asarray(numpy_rng.uniform(-bound, bound, (n_in, n_out)) * 4, "float32"), name="W")
            b = pytensor.shared(np.zeros(n_out, "float32"), name="b")
            vbias = pytensor.shared(np.zeros(n_in, "float32"), name="vbias")
            self.layers.append((W, b, vbias))
            self.layer_inputs.append(layer_input)
            self.params += [W, b]
            layer_input, n_in = pt.sigmoid(pt.dot(layer_input, W) + b), n_out
        self.log_W = pytensor.shared(np.zeros((n_in, n_outs), "float32"), name="W_log")
        self.log_b = pytensor.shared(np.zeros(n_outs, "float32"), name="b_log")
        self.params += [self.log_W, self.log_b]
        logits = pt.dot(layer_input, self.log_W) + self.log_b
        self.finetune_cost = -pt.mean(pt.special.log_softmax(logits, axis=-1)[pt.arange(self.y.shape[0]), self.y])
        self.y_pred = pt.argmax(logits, axis=-1)
        self.errors = pt.mean(pt.neq(self.y_pred, self.y))

    def _sample(self, p):
        """theano_rng.binomial(n=1, p=p), drawn as uniform < p (the same distribution, not numpy's slow binomial)."""
        import pytensor.tensor as pt

        return pt.cast(self.theano_rng.uniform(size=p.shape, dtype="float32") < p, "float32")

    def da_cost_updates(self, i, x, lr, corruption_level):
        """The tutorial's `dA.get_cost_updates(corruption_level, learning_rate)` for layer i on its input x."""
        import pytensor.tensor as pt

        W, b, b_prime = self.layers[i]
        tilde_x = self._sample(pt.ones_like(x) * (1 - corruption_level)) * x  # get_corrupted_input
        y = pt.sigmoid(pt.dot(tilde_x, W) + b)
        pre_z = pt.dot(y, W.T) + b_prime
        # L = -sum(x log z + (1 - x) log(1 - z)), written with softplus of z's logits
        cost = pt.mean(pt.sum(x * pt.softplus(-pre_z) + (1 - x) * pt.softplus(pre_z), axis=1))
        grads = pt.grad(cost, [W, b, b_prime])
        return cost, [(p, p - pt.cast(lr, "float32") * g) for p, g in zip((W, b, b_prime), grads)]

    def cd_cost_updates(self, i, v0, lr, k):
        """The tutorial's `RBM.get_cost_updates(lr, persistent=None, k)` for layer i on its input v0: the CE
        monitor and the updates."""
        import pytensor.tensor as pt

        W, hbias, vbias = self.layers[i]

        def free_energy(v):
            return -pt.sum(pt.softplus(pt.dot(v, W) + hbias), axis=1) - pt.dot(v, vbias)

        h = self._sample(pt.sigmoid(pt.dot(v0, W) + hbias))  # chain_start = ph_sample
        for _ in range(k):  # gibbs_hvh, k times (the original scans; the same graph unrolled)
            pre_v = pt.dot(h, W.T) + vbias
            v = self._sample(pt.sigmoid(pre_v))
            h = self._sample(pt.sigmoid(pt.dot(v, W) + hbias))
        chain_end = v
        cost = pt.mean(free_energy(v0)) - pt.mean(free_energy(chain_end))
        grads = pt.grad(cost, [W, hbias, vbias], consider_constant=[chain_end])
        updates = [(p, p - g * pt.cast(lr, "float32")) for p, g in zip((W, hbias, vbias), grads)]
        # get_reconstruction_cost, written with softplus; sign flipped to a positive cross-entropy, as ours prints
        monitor = pt.mean(pt.sum(v0 * pt.softplus(-pre_v) + (1 - v0) * pt.softplus(pre_v), axis=1))
        return monitor, updates

    def shared_values(self):
        return [p.get_value() for W_b_v in self.layers for p in W_b_v] + [self.log_W.get_value(), self.log_b.get_value()]

    def set_shared_values(self, values):
        for p, v in zip([p for W_b_v in self.layers for p in W_b_v] + [self.log_W, self.log_b], values):
            p.set_value(np.asarray(v, "float32"))

    def set_classifier_values(self, values):
        """Sets the classifier's weights, [W_0, b_0, ..., W_log, b_log] (the visible biases are the dAs' / RBMs')."""
        for p, v in zip(self.params, values):
            if p.get_value().shape != np.shape(v):
                raise ValueError(f"weight {p.name}: shape {np.shape(v)}, expected {p.get_value().shape}")
            p.set_value(np.asarray(v, "float32"))

    def rng_states(self):
        return [rng.get_value().bit_generator.state for rng, _ in self.theano_rng.state_updates]

    def set_rng_states(self, states):
        for (rng, _), state in zip(self.theano_rng.state_updates, states):
            g = rng.get_value()
            g.bit_generator.state = state
            rng.set_value(g)


def _save(out, stack, state):
    """Weights to OUT/state.npz, counters and the random stream to OUT/state.json (written whole, then renamed)."""
    np.savez(os.path.join(out, "state.tmp.npz"), *stack.shared_values())
    os.replace(os.path.join(out, "state.tmp.npz"), os.path.join(out, "state.npz"))
    state = dict(state, rng_states=stack.rng_states())
    with open(os.path.join(out, "state.tmp.json"), "w") as f:
        json.dump(state, f, default=int)
    os.replace(os.path.join(out, "state.tmp.json"), os.path.join(out, "state.json"))


def keras_stack_weights(model, hidden, path):
    """The classifier weights [W_0, b_0, ..., W_log, b_log] of our SdA / DBN's pretrained.weights.h5."""
    from keras_dlt.models import DBN, StackedDenoisingAutoencoder

    net = DBN(hidden) if model == "dbn" else StackedDenoisingAutoencoder(hidden)
    net.build((None, 784))
    try:
        net.load_weights(path)
    except (ValueError, OSError) as err:  # missing, not HDF5, or other layer sizes: say which file and sizes
        raise SystemExit(f"{path}: not the pretrained.weights.h5 of a {model} with hidden layers {hidden} ({err})")
    return [w.numpy() for w in classifier_variables(net)]


def classifier_variables(net):
    """Our SdA / DBN's classifier variables, in the original's `params` order [W_0, b_0, ..., W_log, b_log]."""
    return [w for w in net.weights if "/hidden_" in w.path or "/logistic/" in w.path]


# test_SdA's and test_DBN's defaults
DEFAULTS = {
    "sda": dict(pretraining_epochs=15, pretrain_lr=0.001, batch_size=1, seed=89677, patience_epochs=10),
    "dbn": dict(pretraining_epochs=100, pretrain_lr=0.01, batch_size=10, seed=123, patience_epochs=4),
}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("model", choices=sorted(DEFAULTS), help="sda: test_SdA; dbn: test_DBN")
    p.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "mnist", "mnist.npz"))
    p.add_argument("--out", default=None, help="state and result.json (default runs/tutorial_MODEL)")
    p.add_argument("--hidden", type=int, nargs="+", default=[1000, 1000, 1000])
    p.add_argument("--pretraining-epochs", type=int, default=None)
    p.add_argument("--training-epochs", type=int, default=1000)
    p.add_argument("--pretrain-lr", type=float, default=None)
    p.add_argument("--finetune-lr", type=float, default=0.1)
    p.add_argument("--batch-size", type=int, default=None)
    p.add_argument("--corruption", type=float, nargs="+", default=[0.1, 0.2, 0.3], help="sda: per layer")
    p.add_argument("--k", type=int, default=1, help="dbn: Gibbs steps of CD-k")
    p.add_argument("--seed", type=int, default=None, help="numpy.random.RandomState seed (the tutorial's: sda 89677, dbn 123)")
    p.add_argument("--pixel-scale", type=float, default=255.0,
                   help="pixels are p/255 (ours); 256 gives the tutorial's mnist.pkl.gz values p/256")
    p.add_argument("--subset", type=int, default=None, help="first N training digits only (smoke runs)")
    p.add_argument("--init-weights", metavar="H5", default=None,
                   help="skip pretraining: fine-tune from ours (the pretrained.weights.h5 of apps/SdA.py or "
                        "apps/DBN.py), to compare the two fine-tunings from one stack")
    args = p.parse_args(argv)
    for name, value in DEFAULTS[args.model].items():
        if getattr(args, name, None) is None:
            setattr(args, name, value)
    args.out = args.out or f"runs/tutorial_{args.model}"
    if args.model == "sda" and len(args.corruption) != len(args.hidden):
        p.error(f"--corruption has {len(args.corruption)} levels for {len(args.hidden)} hidden layers")

    import pytensor
    import pytensor.tensor as pt

    from keras_dlt.datasets import load_mnist

    print("BLAS linked:", tutorial_pytensor.available(), flush=True)
    (train_x, train_y), (valid_x, valid_y), (test_x, test_y) = load_mnist(args.data)
    if args.subset:
        train_x, train_y = train_x[:args.subset], train_y[:args.subset]
    scale = np.float32(255.0 / args.pixel_scale)
    shared = [(pytensor.shared(np.asarray(x * scale, "float32")), pytensor.shared(np.asarray(y, "int32")))
              for x, y in ((train_x, train_y), (valid_x, valid_y), (test_x, test_y))]
    (tx, ty), (vx, vy), (sx, sy) = shared
    bs = args.batch_size
    n_train, n_valid, n_test = len(train_x) // bs, len(valid_x) // bs, len(test_x) // bs

    stack = TutorialStack(np.random.RandomState(args.seed), hidden_layers_sizes=args.hidden)
    index, lr = pt.lscalar("index"), pt.scalar("lr", dtype="float32")
    # Layer i trains on its input computed once, when its turn comes (the tutorial's own tip, section 10.6):
    # the layers below do not change meanwhile, so these are the numbers of the original's per-call recomputation.
    layer_data, v_in, pretrain_fns, propup_fns = pytensor.shared(np.zeros((1, 1), "float32")), pt.fmatrix("v"), [], []
    for i in range(len(args.hidden)):
        if args.model == "sda":
            cost, updates = stack.da_cost_updates(i, v_in, lr, np.float32(args.corruption[i]))
        else:
            cost, updates = stack.cd_cost_updates(i, v_in, lr, args.k)
        pretrain_fns.append(pytensor.function([index, lr], cost, updates=updates,
                                              givens={v_in: layer_data[index * bs:(index + 1) * bs]}))
        propup_fns.append(pytensor.function([stack.x], stack.layer_inputs[i]))
    grads = pt.grad(stack.finetune_cost, stack.params)
    train_fn = pytensor.function(
        [index], stack.finetune_cost,
        updates=[(p_, p_ - g * np.float32(args.finetune_lr)) for p_, g in zip(stack.params, grads)],
        givens={stack.x: tx[index * bs:(index + 1) * bs], stack.y: ty[index * bs:(index + 1) * bs]})
    valid_i = pytensor.function([index], stack.errors, givens={stack.x: vx[index * bs:(index + 1) * bs],
                                                              stack.y: vy[index * bs:(index + 1) * bs]})
    test_i = pytensor.function([index], stack.errors, givens={stack.x: sx[index * bs:(index + 1) * bs],
                                                             stack.y: sy[index * bs:(index + 1) * bs]})

    os.makedirs(args.out, exist_ok=True)
    state = {"layer": 0, "epoch": 0, "pretrain_costs": [], "pretrain_seconds": 0.0, "finetune": None}
    if os.path.exists(os.path.join(args.out, "state.json")):
        with open(os.path.join(args.out, "state.json")) as f:
            state = json.load(f)
        with np.load(os.path.join(args.out, "state.npz")) as z:
            stack.set_shared_values([z[f"arr_{j}"] for j in range(len(z.files))])
        stack.set_rng_states(state.pop("rng_states"))
        print(f"... resuming from {args.out}/state.json: layer {state['layer']}, epoch {state['epoch']}", flush=True)

    if args.init_weights and state["layer"] == 0 and state["epoch"] == 0:
        stack.set_classifier_values(keras_stack_weights(args.model, args.hidden, args.init_weights))
        state["layer"], state["init_weights"] = len(args.hidden), args.init_weights
        print(f"... pretraining skipped: fine-tuning starts from {args.init_weights}", flush=True)
    if state["layer"] < len(args.hidden):
        how = f"CD-{args.k}" if args.model == "dbn" else f"dAs, corruption {args.corruption}"
        print(f"... pre-training: {len(args.hidden)} layers, {args.pretraining_epochs} epochs, {how}, "
              f"lr {args.pretrain_lr}, batch {bs}, {len(train_x)} digits", flush=True)
    while state["layer"] < len(args.hidden):
        i = state["layer"]
        x = tx.get_value()
        layer_data.set_value(np.concatenate([propup_fns[i](x[j:j + 5000]) for j in range(0, len(x), 5000)]))
        while state["epoch"] < args.pretraining_epochs:
            t = time.perf_counter()
            c = [pretrain_fns[i](b, np.float32(args.pretrain_lr)) for b in range(n_train)]
            state["pretrain_seconds"] += time.perf_counter() - t
            state["epoch"] += 1
            state["pretrain_costs"].append([i, state["epoch"], float(np.mean(c))])
            print(f"Pre-training layer {i}, epoch {state['epoch']}, cost {np.mean(c):.6f} "
                  f"({time.perf_counter() - t:.1f} s)", flush=True)
            _save(args.out, stack, state)
        state["layer"], state["epoch"] = i + 1, 0
        _save(args.out, stack, state)

    # test_SdA's and test_DBN's fine-tuning loop, as written there
    ft = state["finetune"] or {"epoch": 0, "patience": args.patience_epochs * n_train, "best_validation_loss": float("inf"),
                               "best_iter": 0, "test_score": 0.0, "seconds": 0.0, "curve": []}
    validation_frequency = min(n_train, ft["patience"] // 2) if state["finetune"] is None else ft["validation_frequency"]
    ft["validation_frequency"] = validation_frequency
    print(f"... fine-tuning: lr {args.finetune_lr}, batch {bs}, patience {ft['patience']}", flush=True)
    done_looping = ft["patience"] <= ft["epoch"] * n_train - 1
    while ft["epoch"] < args.training_epochs and not done_looping:
        ft["epoch"] += 1
        t = time.perf_counter()
        for minibatch_index in range(n_train):
            train_fn(minibatch_index)
            it = (ft["epoch"] - 1) * n_train + minibatch_index
            if (it + 1) % validation_frequency == 0:
                this_loss = float(np.mean([valid_i(j) for j in range(n_valid)]))
                print(f"epoch {ft['epoch']}, minibatch {minibatch_index + 1}/{n_train}, "
                      f"validation error {this_loss * 100:f} %", flush=True)
                ft["curve"].append([ft["epoch"], this_loss])
                if this_loss < ft["best_validation_loss"]:
                    if this_loss < ft["best_validation_loss"] * 0.995:
                        ft["patience"] = max(ft["patience"], it * 2)
                    ft["best_validation_loss"], ft["best_iter"] = this_loss, it
                    ft["test_score"] = float(np.mean([test_i(j) for j in range(n_test)]))
                    print(f"     epoch {ft['epoch']}, minibatch {minibatch_index + 1}/{n_train}, "
                          f"test error of best model {ft['test_score'] * 100:f} %", flush=True)
            if ft["patience"] <= it:
                done_looping = True
                break
        ft["seconds"] += time.perf_counter() - t
        state["finetune"] = ft
        _save(args.out, stack, state)

    result = {"best_validation_error": ft["best_validation_loss"] * 100, "test_error": ft["test_score"] * 100,
              "best_iteration": ft["best_iter"] + 1, "finetune_epochs": ft["epoch"],
              "pretraining_seconds": state["pretrain_seconds"], "finetune_seconds": ft["seconds"],
              "model": args.model, "init_weights": state.get("init_weights"), "pixel_scale": args.pixel_scale, "seed": args.seed, "train_digits": len(train_x)}
    with open(os.path.join(args.out, "result.json"), "w") as f:
        json.dump(result, f, indent=1)
    print(f"Optimization complete with best validation score of {result['best_validation_error']:f} %, obtained at "
          f"iteration {result['best_iteration']}, with test performance {result['test_error']:f} %; pretraining "
          f"{state['pretrain_seconds'] / 60:.2f} m, fine-tuning {ft['seconds'] / 60:.2f} m", flush=True)
    return result


if __name__ == "__main__":
    main()
