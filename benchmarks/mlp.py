"""MLP training: 784-1000-1000-10 ReLU MLP, batch 100, softmax cross entropy, Adam.

``--units N --batch B`` change the two hidden layers' width and the batch (``run.py``'s
``mlp_large`` workload is ``--units 4096 --batch 4096``, where the matrix products dominate a GPU
step, while at the default size the per-call overhead does).

Inputs are uniform in [0, 1) and labels uniform over the 10 classes; weights are LeCun-normal and
biases zero, as Chainer's ``L.Linear`` initializes them. All of it is drawn with NumPy from one seed
and handed to every implementation. One iteration is forward, mean softmax cross entropy, backward
and an Adam update (alpha=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, Chainer's arithmetic: eps outside
the square root, bias-corrected alpha_t). PyTorch's Adam adds eps inside the bias correction, so
its loss agrees only approximately.

Metrics:
    step_ms: median milliseconds per iteration.
``loss`` is the loss of the weights left after all iterations, evaluated once more.

The "numpy" implementation is the floor: forward, backward and Adam written by hand with BLAS
matmuls and in-place updates.
"""

from common import NumpyAdam, Trainer, chainer_like, keep_freed_memory, lecun_normal, main
from common import make_parser, measure_training, numpy_floor_device, numpy_softmax_cross_entropy
from common import set_single_thread, torch_classification_trainer, torch_load, torch_or_skip

set_single_thread()
keep_freed_memory()

import numpy as np  # noqa: E402  (must follow set_single_thread)

IN, UNITS, OUT = 784, 1000, 10
BATCH = 100
SEED = 0
ADAM = dict(alpha=1e-3, beta1=0.9, beta2=0.999, eps=1e-8)


def make_data(units=UNITS, batch=BATCH):
    """Returns ``(x, t, layers)``: inputs, labels and ``[(W, b), ...]`` with W of (out, in)."""
    sizes = (IN, units, units, OUT)
    rng = np.random.default_rng(SEED)
    x = rng.random((batch, IN), dtype=np.float32)
    t = rng.integers(0, OUT, batch).astype(np.int32)
    layers = [(lecun_normal(rng, (n_out, n_in)), np.zeros(n_out, np.float32))
              for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    return x, t, layers


def numpy_trainer(device, x, t, layers):
    """The floor: hand-written forward, backward and Adam."""
    numpy_floor_device(device)
    params = [a for layer in layers for a in layer]  # trained in place: measure keeps no copy
    optimizer = NumpyAdam(params, **ADAM)

    def forward():
        # Returns the input of every layer and the logits; ReLU runs in place on each
        # pre-activation, and its output doubles as the mask backward needs.
        hs = [x]
        for i in range(0, len(params), 2):
            a = hs[-1] @ params[i].T
            a += params[i + 1]
            if i + 2 < len(params):
                np.maximum(a, 0, out=a)
            hs.append(a)
        return hs

    def step():
        hs = forward()
        g = hs.pop()
        numpy_softmax_cross_entropy(g, t)
        grads = [None] * len(params)
        for i in range(len(params) - 2, -1, -2):
            h = hs.pop()
            grads[i] = g.T @ h
            grads[i + 1] = g.sum(axis=0)
            if i:
                g = g @ params[i]
                g *= h > 0
        optimizer.update(grads)

    return Trainer(step, lambda: numpy_softmax_cross_entropy(forward()[-1], t))


def chainer_like_trainer(impl, device, x, t, layers):
    """dbr or Chainer, written as a Chainer user would."""
    fw = chainer_like(impl, device)
    F, L = fw.F, fw.L

    # Sizes only: the class body must not keep the initial weight arrays alive (peak RSS).
    sizes = [W.shape[::-1] for W, _ in layers]

    class MLP(fw.core.Chain):
        def __init__(self):
            super().__init__()
            with self.init_scope():
                self.l1 = L.Linear(*sizes[0])
                self.l2 = L.Linear(*sizes[1])
                self.l3 = L.Linear(*sizes[2])

        def forward(self, x, t):
            h = F.relu(self.l1(x))
            h = F.relu(self.l2(h))
            return F.softmax_cross_entropy(self.l3(h), t)

    model = MLP()
    for link, (W, b) in zip((model.l1, model.l2, model.l3), layers):
        link.W.array[...] = W
        link.b.array[...] = b
    fw.to_device(model)
    optimizer = fw.optimizers.Adam(**ADAM)
    optimizer.setup(model)
    x, t = fw.asarray(x), fw.asarray(t)

    def loss():
        with fw.core.no_backprop_mode():
            return float(model(x, t).array)

    return Trainer(lambda: optimizer.update(model, x, t), loss, fw.sync)


def torch_trainer(device, x, t, layers):
    """PyTorch: nn.Linear, cross_entropy and torch.optim.Adam."""
    torch, dev, sync = torch_or_skip(device)
    nn = torch.nn
    linears = [nn.Linear(W.shape[1], W.shape[0]) for W, _ in layers]
    torch_load(torch, [(p, a) for lin, layer in zip(linears, layers)
                       for p, a in zip((lin.weight, lin.bias), layer)])
    model = nn.Sequential(linears[0], nn.ReLU(), linears[1], nn.ReLU(), linears[2]).to(dev)
    optimizer = torch.optim.Adam(model.parameters(), lr=ADAM['alpha'],
                                 betas=(ADAM['beta1'], ADAM['beta2']), eps=ADAM['eps'])
    return torch_classification_trainer(torch, model, optimizer, torch.from_numpy(x).to(dev),
                                        torch.from_numpy(t).long().to(dev), sync)


TRAINERS = {
    'numpy': numpy_trainer,
    'dbr': lambda *a: chainer_like_trainer('dbr', *a),
    'chainer': lambda *a: chainer_like_trainer('chainer', *a),
    'torch': torch_trainer,
}


measure = measure_training(TRAINERS, lambda args: make_data(args.units, args.batch))


if __name__ == '__main__':
    parser = make_parser(__doc__.splitlines()[0], iters=500, warmup=10)
    parser.add_argument('--units', type=int, default=UNITS, help='width of both hidden layers')
    parser.add_argument('--batch', type=int, default=BATCH, help='batch size')
    main('mlp', parser, measure)
