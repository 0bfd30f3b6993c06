"""LSTM language-model training: embedding, 2-layer LSTM, softmax over a 10000-word vocabulary.

EmbedID 10000 -> 256, 2-layer NStepLSTM with 256 units (no dropout), Linear 256 -> 10000, mean
softmax cross entropy over all tokens, Adam (Chainer's defaults and arithmetic). The batch is 32
sequences whose lengths are drawn uniformly from 5..40; inputs and targets are uniform random
token ids. The embedding is standard normal (``L.EmbedID``'s default), weight matrices LeCun-normal
and biases zero, drawn with NumPy from one seed and handed to every implementation.

Metrics:
    step_ms: median milliseconds per iteration (forward, backward, Adam update).
    tokens_per_s: tokens in the batch divided by the median iteration time.
``loss`` is the loss of the weights left after all iterations, evaluated once more. Peak RSS
matters here: the floor keeps exactly what its backward needs.

The "numpy" implementation is the floor: embedding, LSTM over time-major packed sequences
(sorted by decreasing length, so each step runs on a shrinking batch and no work goes to
padding), output layer, softmax cross entropy, back-propagation through time and Adam, all
written by hand. Gate layout is Chainer's (and PyTorch's): i, f, g, o; the input matrices
``w0..w3`` are stacked into one (4H, in) matrix and ``w4..w7`` into one (4H, H) matrix, and gate
``q`` adds ``b_q + b_{q+4}``.
"""

from typing import NamedTuple

from common import NumpyAdam, Result, Trainer, chainer_like, keep_freed_memory, lecun_normal, main
from common import make_parser, numpy_floor_device, numpy_softmax_cross_entropy, peak_rss_mib
from common import set_single_thread, time_training, torch_load, torch_or_skip

set_single_thread()
keep_freed_memory()

import numpy as np  # noqa: E402  (must follow set_single_thread)

VOCAB = 10000
EMBED = 256
HIDDEN = 256
LAYERS = 2
N_SEQ = 32
MIN_LEN, MAX_LEN = 5, 40
SEED = 0
ADAM = dict(alpha=1e-3, beta1=0.9, beta2=0.999, eps=1e-8)


class Weights(NamedTuple):
    """Initial weights in Chainer's layout.

    Attributes:
        embed: (VOCAB, EMBED) embedding.
        lstm: Per layer, ``(ws, bs)``: lists of the 8 matrices w0..w7, (HIDDEN, in), and the 8
            biases b0..b7, (HIDDEN,).
        out_W: (VOCAB, HIDDEN) output matrix.
        out_b: (VOCAB,) output bias.
    """

    embed: np.ndarray
    lstm: list
    out_W: np.ndarray
    out_b: np.ndarray


def make_data():
    """Returns ``(xs, ts, weights)``: input and target id sequences (int32) and :class:`Weights`."""
    rng = np.random.default_rng(SEED)
    lengths = rng.integers(MIN_LEN, MAX_LEN + 1, N_SEQ)
    xs = [rng.integers(0, VOCAB, n).astype(np.int32) for n in lengths]
    ts = [rng.integers(0, VOCAB, n).astype(np.int32) for n in lengths]
    embed = rng.standard_normal((VOCAB, EMBED)).astype(np.float32)
    lstm = []
    for layer in range(LAYERS):
        n_in = EMBED if layer == 0 else HIDDEN
        ws = [lecun_normal(rng, (HIDDEN, n_in if j < 4 else HIDDEN)) for j in range(8)]
        lstm.append((ws, [np.zeros(HIDDEN, np.float32) for _ in range(8)]))
    weights = Weights(embed, lstm, lecun_normal(rng, (VOCAB, HIDDEN)),
                      np.zeros(VOCAB, np.float32))
    return xs, ts, weights


# ----------------------------------------------------------------------------- NumPy floor

class Packing(NamedTuple):
    """Time-major packing of a batch sorted by decreasing length.

    Packed row ``offsets[s] + j`` holds time step ``s`` of the ``j``-th longest sequence, for
    ``j < batch_sizes[s]``.

    Attributes:
        index: For each packed row, its row in the concatenation of the sequences.
        batch_sizes: Number of sequences still running at each time step.
        offsets: First packed row of each time step.
        prev: For each packed row after the first step's, the row of the same sequence one step
            earlier.
    """

    index: np.ndarray
    batch_sizes: list
    offsets: list
    prev: np.ndarray


def pack(lengths):
    """Builds the :class:`Packing` of sequences with the given lengths."""
    lengths = np.asarray(lengths)
    order = np.argsort(-lengths, kind='stable')
    sorted_lengths = lengths[order]
    running = np.arange(sorted_lengths[0])[:, None] < sorted_lengths[None, :]
    step, rank = np.nonzero(running)  # time-major, i.e. in packed order
    starts = np.cumsum(lengths) - lengths
    batch_sizes = running.sum(axis=1)
    offsets = np.cumsum(batch_sizes) - batch_sizes
    later = step > 0
    prev = offsets[step[later] - 1] + rank[later]
    return Packing(starts[order[rank]] + step, batch_sizes.tolist(), offsets.tolist(), prev)


# sigmoid(x) = 0.5 * tanh(0.5 * x) + 0.5, so all four gates are ``scale * tanh(scale * a) + shift``
# with (scale, shift) = (0.5, 0.5) for the sigmoid gates i, f, o and (1, 0) for g: four passes
# over the whole (n, 4H) block, and no overflow for any pre-activation.
_GATE_SCALE = np.repeat(np.float32([0.5, 0.5, 1.0, 0.5]), HIDDEN)
_GATE_SHIFT = np.repeat(np.float32([0.5, 0.5, 0.0, 0.5]), HIDDEN)
# Derivatives from the activations y: y * (1 - y) for sigmoid, 1 - y * y for tanh, i.e.
# y * (_DERIV_A - y) + _DERIV_B.
_DERIV_A = np.repeat(np.float32([1.0, 1.0, 0.0, 1.0]), HIDDEN)
_DERIV_B = np.repeat(np.float32([0.0, 0.0, 1.0, 0.0]), HIDDEN)


class LayerCache(NamedTuple):
    """What an LSTM layer's backward needs, all (T, ...) in packed order.

    Attributes:
        x: Layer input.
        gates: Gate activations i, f, g, o side by side, (T, 4H).
        c: Cell states.
        tanh_c: tanh of the cell states.
        h: Layer output (hidden states).
    """

    x: np.ndarray
    gates: np.ndarray
    c: np.ndarray
    tanh_c: np.ndarray
    h: np.ndarray


def lstm_layer_forward(x, W_in, W_h, b_in, b_h, packing):
    """One LSTM layer over packed sequences; returns its :class:`LayerCache`."""
    H = W_h.shape[1]
    gates = x @ W_in.T
    gates += b_in
    gates += b_h
    c = np.empty((len(x), H), np.float32)
    tanh_c = np.empty_like(c)
    h = np.empty_like(c)
    for s, (lo, n) in enumerate(zip(packing.offsets, packing.batch_sizes)):
        a = gates[lo:lo + n]
        if s:
            prev = packing.offsets[s - 1]
            a += h[prev:prev + n] @ W_h.T
        a *= _GATE_SCALE
        np.tanh(a, out=a)
        a *= _GATE_SCALE
        a += _GATE_SHIFT
        i, f, g, o = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
        c_s = np.multiply(i, g, out=c[lo:lo + n])
        if s:
            c_s += f * c[prev:prev + n]
        np.tanh(c_s, out=tanh_c[lo:lo + n])
        np.multiply(o, tanh_c[lo:lo + n], out=h[lo:lo + n])
    return LayerCache(x, gates, c, tanh_c, h)


def lstm_layer_backward(gh, cache, W_in, W_h, packing):
    """Back-propagation through time for one layer.

    Args:
        gh: (T, H) gradient of the layer output, in packed order; overwritten (the recurrent
            gradient is accumulated into it).
        cache: The layer's :class:`LayerCache`; its gate activations are overwritten with the
            gradients of the gate pre-activations.
        W_in, W_h: The layer's stacked input and hidden matrices.
        packing: The batch's :class:`Packing`.

    Returns:
        tuple: ``(gx, gW_in, gW_h, gb)``; ``gb`` is the gradient of both bias vectors.
    """
    x, gates, c, tanh_c, h = cache
    H = W_h.shape[1]
    upstream = np.empty((packing.batch_sizes[0], 4 * H), np.float32)
    deriv = np.empty_like(upstream)
    gc_next = None
    for s in reversed(range(len(packing.batch_sizes))):
        lo, n = packing.offsets[s], packing.batch_sizes[s]
        a, gh_s, tc = gates[lo:lo + n], gh[lo:lo + n], tanh_c[lo:lo + n]
        i, f, g, o = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
        gc = np.multiply(tc, tc)
        np.subtract(1, gc, out=gc)
        gc *= o
        gc *= gh_s
        if gc_next is not None:
            gc[:len(gc_next)] += gc_next
        up = upstream[:n]
        np.multiply(gc, g, out=up[:, :H])
        if s:
            prev = packing.offsets[s - 1]
            np.multiply(gc, c[prev:prev + n], out=up[:, H:2 * H])
        else:
            up[:, H:2 * H] = 0
        np.multiply(gc, i, out=up[:, 2 * H:3 * H])
        np.multiply(gh_s, tc, out=up[:, 3 * H:])
        gc_next = gc * f
        d = deriv[:n]
        np.subtract(_DERIV_A, a, out=d)
        d *= a
        d += _DERIV_B
        np.multiply(up, d, out=a)
        if s:
            gh[prev:prev + n] += a @ W_h
    n0 = packing.batch_sizes[0]
    gW_h = gates[n0:].T @ h[packing.prev]
    return gates @ W_in, gates.T @ x, gW_h, gates.sum(axis=0)


def numpy_trainer(device, xs, ts, weights):
    """The floor: hand-written forward, BPTT and Adam over packed sequences."""
    numpy_floor_device(device)
    embed = weights.embed
    layers = [[np.concatenate(ws[:4]), np.concatenate(ws[4:]),
               np.concatenate(bs[:4]), np.concatenate(bs[4:])] for ws, bs in weights.lstm]
    out_W, out_b = weights.out_W, weights.out_b
    params = [embed, *(p for layer in layers for p in layer), out_W, out_b]
    optimizer = NumpyAdam(params, **ADAM)

    def forward():
        # Returns the packing, packed ids and targets, per-layer caches and the logits.
        packing = pack([len(x) for x in xs])
        ids = np.concatenate(xs)[packing.index]
        targets = np.concatenate(ts)[packing.index]
        h, caches = embed[ids], []
        for layer in layers:
            caches.append(lstm_layer_forward(h, *layer, packing))
            h = caches[-1].h
        logits = h @ out_W.T
        logits += out_b
        return packing, ids, targets, caches, logits

    def step():
        packing, ids, targets, caches, logits = forward()
        numpy_softmax_cross_entropy(logits, targets)
        h = caches[-1].h
        grads = [logits.T @ h, logits.sum(axis=0)]
        gh = logits @ out_W
        del logits  # the (tokens, VOCAB) buffer is not needed during BPTT
        for layer, cache in zip(reversed(layers), reversed(caches)):
            W_in, W_h = layer[:2]
            gh, gW_in, gW_h, gb = lstm_layer_backward(gh, cache, W_in, W_h, packing)
            grads[:0] = [gW_in, gW_h, gb, gb]
        g_embed = np.zeros_like(embed)
        np.add.at(g_embed, ids, gh)
        optimizer.update([g_embed, *grads])

    def loss():
        _, _, targets, _, logits = forward()
        return numpy_softmax_cross_entropy(logits, targets)

    return Trainer(step, loss)


# ----------------------------------------------------------------------------- frameworks

def chainer_like_trainer(impl, device, xs, ts, weights):
    """dbr or Chainer, written as a Chainer user would (the seq2seq example's embedding idiom)."""
    fw = chainer_like(impl, device)
    F, L = fw.F, fw.L

    class RNNLM(fw.core.Chain):
        def __init__(self):
            super().__init__()
            with self.init_scope():
                self.embed = L.EmbedID(VOCAB, EMBED)
                self.rnn = L.NStepLSTM(LAYERS, EMBED, HIDDEN, 0.0)
                self.out = L.Linear(HIDDEN, VOCAB)

        def forward(self, xs, t):
            sections = np.cumsum([len(x) for x in xs[:-1]])
            exs = F.split_axis(self.embed(F.concat(xs, axis=0)), sections, axis=0)
            _, _, ys = self.rnn(None, None, exs)
            return F.softmax_cross_entropy(self.out(F.concat(ys, axis=0)), t)

    model = RNNLM()
    model.embed.W.array[...] = weights.embed
    for cell, (ws, bs) in zip(model.rnn, weights.lstm):
        for j in range(8):
            getattr(cell, f'w{j}').array[...] = ws[j]
            getattr(cell, f'b{j}').array[...] = bs[j]
    model.out.W.array[...] = weights.out_W
    model.out.b.array[...] = weights.out_b
    fw.to_device(model)
    optimizer = fw.optimizers.Adam(**ADAM)
    optimizer.setup(model)
    xs = [fw.asarray(x) for x in xs]
    t = fw.asarray(np.concatenate(ts))

    def loss():
        with fw.core.no_backprop_mode():
            return float(model(xs, t).array)

    return Trainer(lambda: optimizer.update(model, xs, t), loss, fw.sync)


def torch_trainer(device, xs, ts, weights):
    """PyTorch: nn.Embedding, nn.LSTM over a PackedSequence, nn.Linear, Adam."""
    torch, dev, sync = torch_or_skip(device)
    nn, functional = torch.nn, torch.nn.functional
    pack_sequence = nn.utils.rnn.pack_sequence

    class RNNLM(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(VOCAB, EMBED)
            self.lstm = nn.LSTM(EMBED, HIDDEN, num_layers=LAYERS)
            self.out = nn.Linear(HIDDEN, VOCAB)

        def forward(self, xs, ts):
            packed = pack_sequence(xs, enforce_sorted=False)
            hs, _ = self.lstm(packed._replace(data=self.embed(packed.data)))
            targets = pack_sequence(ts, enforce_sorted=False).data
            return functional.cross_entropy(self.out(hs.data), targets)

    model = RNNLM()
    pairs = [(model.embed.weight, weights.embed), (model.out.weight, weights.out_W),
             (model.out.bias, weights.out_b)]
    for layer, (ws, bs) in enumerate(weights.lstm):
        # PyTorch's gate order is also i, f, g, o.
        pairs += [(getattr(model.lstm, f'weight_ih_l{layer}'), np.concatenate(ws[:4])),
                  (getattr(model.lstm, f'weight_hh_l{layer}'), np.concatenate(ws[4:])),
                  (getattr(model.lstm, f'bias_ih_l{layer}'), np.concatenate(bs[:4])),
                  (getattr(model.lstm, f'bias_hh_l{layer}'), np.concatenate(bs[4:]))]
    torch_load(torch, pairs)
    model.to(dev)
    optimizer = torch.optim.Adam(model.parameters(), lr=ADAM['alpha'],
                                 betas=(ADAM['beta1'], ADAM['beta2']), eps=ADAM['eps'])
    xs = [torch.from_numpy(x).long().to(dev) for x in xs]
    ts = [torch.from_numpy(t).long().to(dev) for t in ts]

    def step():
        optimizer.zero_grad()
        model(xs, ts).backward()
        optimizer.step()

    def loss():
        with torch.no_grad():
            return float(model(xs, ts))

    return Trainer(step, loss, sync)


TRAINERS = {
    'numpy': numpy_trainer,
    'dbr': lambda *a: chainer_like_trainer('dbr', *a),
    'chainer': lambda *a: chainer_like_trainer('chainer', *a),
    'torch': torch_trainer,
}


def measure(args):
    """Trains ``args.impl`` for ``warmup + iters`` steps, timing the last ``iters``.

    Args:
        args: Parsed command line.

    Returns:
        Result: ``step_ms``, ``tokens_per_s`` and the final loss.

    Raises:
        Skip: If the implementation cannot run on ``args.device`` here.
    """
    xs, ts, weights = make_data()
    trainer = TRAINERS[args.impl](args.device, xs, ts, weights)
    del weights  # the floor trains these arrays in place; the frameworks have their own copies
    seconds, loss = time_training(trainer, args.warmup, args.iters)
    tokens = sum(len(x) for x in xs)
    return Result({'step_ms': seconds * 1e3, 'tokens_per_s': tokens / seconds}, peak_rss_mib(),
                  loss)


if __name__ == '__main__':
    main('lstm', make_parser(__doc__.splitlines()[0], iters=40, warmup=3), measure)
