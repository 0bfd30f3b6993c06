"""The engine behind ``n_step_lstm``/``gru``/``rnn`` and their bidirectional forms.

Layout (Chainer's, which is also cuDNN's): for layer ``l`` and direction ``d`` (0 forward,
1 backward) the weights are ``ws[l * n_dirs + d]``:

* LSTM: 8 matrices; ``w0..w3`` act on the input, ``w4..w7`` on the hidden state, gate order
  **i, f, g (cell candidate), o**; ``c = f * c_prev + i * g``, ``h = o * tanh(c)``.
* GRU: 6 matrices; ``w0..w2`` on the input, ``w3..w5`` on the hidden state, gate order r, z, n;
  ``n = tanh(W2 x + b2 + r * (W5 h + b5))``, ``h = (1 - z) * n + z * h_prev``.
* RNN: 2 matrices; ``h = act(W0 x + b0 + W1 h_prev + b1)``.

Input matrices of layer 0 are (out, in_size); of upper layers (out, out * n_dirs), whose input
is the concatenation of both directions' outputs.

How it runs: sequences are sorted by length once and packed time-major (time step ``t`` holds
the ``batch_sizes[t]`` sequences still running), so no work is spent on padding. Each layer's
input projection for all steps is one matrix product; each step does one ``h @ W_h`` product
and the gate arithmetic on a shrinking batch. The backward pass walks the same structure in
reverse and forms the weight gradients with one product per matrix. When a double backprop is
requested, the backward instead rebuilds the computation from dbr functions and differentiates
that, which is slower but makes every higher derivative available.
"""
from typing import NamedTuple

import numpy

from dbr import backend
from dbr import type_check
from dbr.backends._kernels import Elementwise
from dbr.configuration import config
from dbr.function_node import FunctionNode

N_WEIGHTS = {'lstm': 8, 'gru': 6, 'rnn': 2}
N_GATES = {'lstm': 4, 'gru': 3, 'rnn': 1}


class _Indices(NamedTuple):
    """A :class:`Packing`'s index arrays on a device (see :meth:`Packing.on`)."""

    order: object
    gather: object
    reverse: object
    inverse_order: object
    prev: object
    rows: list


class Packing:
    """Index bookkeeping of one batch of variable-length sequences.

    Attributes:
        order: Sequence indices sorted by decreasing length (stable).
        lengths: Lengths in sorted order.
        batch_sizes: Number of running sequences at each time step.
        offsets: Start of each time step's rows in packed order (length T + 1).
        gather: For each packed row, its row in the sorted, concatenated input.
        reverse: For each row of the time-reversed packing, its row in the packed order.
        prev: For each packed row at time t >= 1, the packed row of the same sequence at t - 1.
        rows: For each sequence, in the caller's order, its rows in the packed order.
    """

    def __init__(self, lengths):
        lengths = numpy.asarray(lengths)
        self.order = numpy.argsort(-lengths, kind='stable')
        self.lengths = lengths[self.order]
        t_max = int(self.lengths[0])
        steps = numpy.arange(t_max)
        running = steps[:, None] < self.lengths[None, :]          # (T, B), time-major
        self.batch_sizes = running.sum(axis=1)
        self.offsets = numpy.concatenate([[0], numpy.cumsum(self.batch_sizes)])
        starts = numpy.concatenate([[0], numpy.cumsum(self.lengths)[:-1]])
        self.gather = (starts[None, :] + steps[:, None])[running]
        packed_pos = numpy.full(running.shape, -1)
        packed_pos[running] = numpy.arange(int(self.offsets[-1]))
        # Reversed time: step t of sequence j is original step len_j - 1 - t.
        rev_t = self.lengths[None, :] - 1 - steps[:, None]
        cols = numpy.broadcast_to(numpy.arange(len(self.lengths)), running.shape)
        self.reverse = packed_pos[rev_t[running], cols[running]]
        self.prev = packed_pos[:-1][running[1:]]
        self.inverse_order = numpy.argsort(self.order)
        # Rows of sequence i in packed order: offsets[t] + (its sorted position), t < len.
        self.rows = [self.offsets[:int(self.lengths[j])] + j for j in self.inverse_order]
        self._on_device = None

    def on(self, xp):
        """The index arrays as arrays of ``xp``; for NumPy, this packing itself.

        A host-to-GPU copy is a synchronous memcpy that waits for the device, so a GPU gets all
        the index arrays (each sequence's rows included) in one copy, made once per packing.
        """
        if xp is numpy:
            return self
        if self._on_device is None:
            parts = [self.order, self.gather, self.reverse, self.inverse_order, self.prev]
            parts += self.rows
            flat = xp.asarray(numpy.concatenate(parts))
            ends = numpy.cumsum([len(part) for part in parts])
            views = [flat[int(end) - len(part):int(end)] for end, part in zip(ends, parts)]
            self._on_device = _Indices(*views[:5], views[5:])
        return self._on_device


def _sigmoid(xp, x, out=None):
    # The tanh form runs in place in four passes, half the work of F.sigmoid's tail-exact
    # form; gates only need absolute accuracy, which it has (no overflow for any x).
    out = xp.multiply(x, 0.5, out=out)
    xp.tanh(out, out=out)
    out *= 0.5
    out += 0.5
    return out


# On a GPU each time step's gate arithmetic is one kernel over the (batch, H) cells; the matrix
# products stay cuBLAS calls. The kernels follow the NumPy steps operation by operation (same
# tanh-form sigmoid, same association), reading and writing the same caches. Gate q of cell i
# sits at row i / H, column q * H + i % H of the step's gate rows.
_RNN_PREAMBLE = '''
template <typename U> __device__ U dbr_rnn_sigmoid(U x) {
  return tanh(x * (U)0.5) * (U)0.5 + (U)0.5;
}
'''
_CELL = '''
const ptrdiff_t row = i / H;
const ptrdiff_t col = i - row * H;
'''
_lstm_step = Elementwise(
    'raw T hw, int64 H', 'raw T gates, T c, T h, T cs, T hs',
    _CELL + '''
    const ptrdiff_t j = 4 * H * row + col;
    const T ig = dbr_rnn_sigmoid<T>(gates[j] + hw[j]);
    const T fg = dbr_rnn_sigmoid<T>(gates[j + H] + hw[j + H]);
    const T gg = tanh(gates[j + 2 * H] + hw[j + 2 * H]);
    const T og = dbr_rnn_sigmoid<T>(gates[j + 3 * H] + hw[j + 3 * H]);
    gates[j] = ig;
    gates[j + H] = fg;
    gates[j + 2 * H] = gg;
    gates[j + 3 * H] = og;
    const T cn = fg * c + ig * gg;
    c = cn;
    cs = cn;
    const T hn = og * tanh(cn);
    h = hn;
    hs = hn;
    ''', 'dbr_lstm_step_fwd', preamble=_RNN_PREAMBLE)
_lstm_step_grad = Elementwise(
    'T dh, T dout, T cs, T c_prev, raw T gates, int64 H', 'T dc, raw T dg',
    _CELL + '''
    const ptrdiff_t j = 4 * H * row + col;
    const T ig = gates[j];
    const T fg = gates[j + H];
    const T gg = gates[j + 2 * H];
    const T og = gates[j + 3 * H];
    const T dht = dh + dout;
    const T tc = tanh(cs);
    const T dct = dc + dht * og * (1 - tc * tc);
    dg[j + 3 * H] = dht * tc * og * (1 - og);
    dg[j] = dct * gg * ig * (1 - ig);
    dg[j + H] = dct * c_prev * fg * (1 - fg);
    dg[j + 2 * H] = dct * ig * (1 - gg * gg);
    dc = dct * fg;
    ''', 'dbr_lstm_step_bwd')
_gru_step = Elementwise(
    'raw T xw, raw T hw, raw T b_h, int64 H', 'raw T saved, T h, T hs',
    _CELL + '''
    const ptrdiff_t k = 3 * H * row + col;
    const ptrdiff_t m = 4 * H * row + col;
    const T hr = hw[k] + b_h[col];
    const T hz = hw[k + H] + b_h[col + H];
    const T hn = hw[k + 2 * H] + b_h[col + 2 * H];
    const T r = dbr_rnn_sigmoid<T>(xw[k] + hr);
    const T z = dbr_rnn_sigmoid<T>(xw[k + H] + hz);
    const T n = tanh(xw[k + 2 * H] + r * hn);
    saved[m] = r;
    saved[m + H] = z;
    saved[m + 2 * H] = n;
    saved[m + 3 * H] = hn;
    const T hnew = n + z * (h - n);
    h = hnew;
    hs = hnew;
    ''', 'dbr_gru_step_fwd', preamble=_RNN_PREAMBLE)
_gru_step_grad = Elementwise(
    'T dout, T hp, raw T saved, int64 H', 'T dh, raw T gx, raw T gh',
    _CELL + '''
    const ptrdiff_t k = 3 * H * row + col;
    const ptrdiff_t m = 4 * H * row + col;
    const T r = saved[m];
    const T z = saved[m + H];
    const T n = saved[m + 2 * H];
    const T hn = saved[m + 3 * H];
    const T dht = dh + dout;
    const T dn = dht * (1 - z) * (1 - n * n);
    const T gr = dn * hn * r * (1 - r);
    const T gz = dht * (hp - n) * z * (1 - z);
    gx[k] = gr;
    gx[k + H] = gz;
    gx[k + 2 * H] = dn;
    gh[k] = gr;
    gh[k + H] = gz;
    gh[k + 2 * H] = dn * r;
    dh = dht * z;
    ''', 'dbr_gru_step_bwd')


class StackedRNN(FunctionNode):
    """What the nodes of a whole stacked RNN (this module's and cuDNN's) share: their
    configuration, the label of the public function, and the layout of their inputs
    ``hx, [cx,] *weights, *biases, *xs`` (weights/biases flattened layer-major)."""

    def __init__(self, mode, n_layers, n_dirs, dropout_ratio, activation, label):
        self.mode = mode
        self.n_layers = n_layers
        self.n_dirs = n_dirs
        self.dropout_ratio = dropout_ratio
        self.activation = activation
        self._label = label
        self.n_w = N_WEIGHTS[mode]
        self.n_states = 2 if mode == 'lstm' else 1

    @property
    def label(self):
        return self._label

    def _split_inputs(self, inputs):
        """``(states, weights, biases, xs)`` of the inputs."""
        ns = self.n_states
        n_wb = self.n_layers * self.n_dirs * self.n_w
        return (inputs[:ns], inputs[ns:ns + n_wb], inputs[ns + n_wb:ns + 2 * n_wb],
                inputs[ns + 2 * n_wb:])


class NStepRNN(StackedRNN):
    """All layers and directions of a stacked RNN over a batch of sequences, as one node.

    Inputs: ``hx, [cx,] *weights, *biases, *xs`` (weights/biases flattened layer-major).
    Outputs: ``hy, [cy,] *ys`` with ``ys`` in the caller's order.
    """

    # ----- bookkeeping -------------------------------------------------------------------------

    def _layer_weights(self, ws, bs, k):
        """Weights and biases of layer-direction ``k`` as (input half, hidden half) lists."""
        w = ws[k * self.n_w:(k + 1) * self.n_w]
        b = bs[k * self.n_w:(k + 1) * self.n_w]
        half = self.n_w // 2
        return w[:half], w[half:], b[:half], b[half:]

    # ----- forward -----------------------------------------------------------------------------
    def forward(self, inputs):
        self.retain_inputs(tuple(range(len(inputs))))
        states, ws, bs, xs = self._split_inputs(inputs)
        xp = backend.get_array_module(*inputs)
        pk = self.packing = Packing([len(x) for x in xs])
        idx = pk.on(xp)
        order = idx.order
        x = xp.concatenate([xs[i] for i in pk.order])[idx.gather]
        hx = states[0][:, order]
        cx = states[1][:, order] if self.mode == 'lstm' else None
        train = config.train and self.dropout_ratio > 0
        self._masks = []
        self._caches = []
        hy, cy = [], []
        for layer in range(self.n_layers):
            if layer > 0 and train:
                scale = x.dtype.type(1.0 / (1.0 - self.dropout_ratio))
                mask = (xp.random.rand(*x.shape) >= self.dropout_ratio).astype(x.dtype) * scale
                x = x * mask
                self._masks.append(mask)
            else:
                self._masks.append(None)
            outs = []
            for d in range(self.n_dirs):
                k = layer * self.n_dirs + d
                w_in, w_h, b_in, b_h = self._layer_weights(ws, bs, k)
                xd = x if d == 0 else x[idx.reverse]
                h, c, cache = self._run(xp, xd, hx[k], None if cx is None else cx[k],
                                        w_in, w_h, b_in, b_h)
                self._caches.append(cache)
                hy.append(h)
                cy.append(c)
                out = cache['h']
                if d == 1:
                    restored = xp.empty_like(out)
                    restored[idx.reverse] = out
                    out = restored
                outs.append(out)
            x = outs[0] if self.n_dirs == 1 else xp.concatenate(outs, axis=1)
        inverse = idx.inverse_order
        results = [xp.stack(hy)[:, inverse]]
        if self.mode == 'lstm':
            results.append(xp.stack(cy)[:, inverse])
        results += [x[rows] for rows in idx.rows]
        return tuple(results)

    def _run(self, xp, x, h0, c0, w_in, w_h, b_in, b_h):
        """Runs one layer-direction over packed ``x``; returns final h, c and the cache."""
        pk = self.packing
        mode = self.mode
        H = h0.shape[1]
        w_in = xp.concatenate(w_in)                  # (G*H, in)
        w_h = xp.concatenate(w_h)                    # (G*H, H)
        if mode == 'gru':
            xw = x @ w_in.T + xp.concatenate(b_in)
            b_h = xp.concatenate(b_h)
        else:
            xw = x @ w_in.T + (xp.concatenate(b_in) + xp.concatenate(b_h))
        n = len(x)
        hs = xp.empty((n, H), x.dtype)
        h = h0.copy()
        c = None if c0 is None else c0.copy()
        cache = {'h': hs, 'w_in': w_in, 'w_h': w_h}
        if mode == 'lstm':
            gates = xw                               # activated in place, step by step
            cs = xp.empty((n, H), x.dtype)
            cache.update(gates=gates, c=cs)
        elif mode == 'gru':
            saved = xp.empty((n, 4 * H), x.dtype)     # r, z, n and the hidden n-projection
            cache['saved'] = saved
        if self._fused_steps(xp):
            self._steps_gpu(xp, cache, h, c, xw, b_h)
            return h, c, cache
        for t, bt in enumerate(pk.batch_sizes):
            s, e = int(pk.offsets[t]), int(pk.offsets[t + 1])
            bt = int(bt)
            hp = h[:bt]
            if mode == 'lstm':
                g = gates[s:e]
                g += hp @ w_h.T
                _sigmoid(xp, g[:, :2 * H], out=g[:, :2 * H])
                xp.tanh(g[:, 2 * H:3 * H], out=g[:, 2 * H:3 * H])
                _sigmoid(xp, g[:, 3 * H:], out=g[:, 3 * H:])
                ct = g[:, H:2 * H] * c[:bt]
                ct += g[:, :H] * g[:, 2 * H:3 * H]
                c[:bt] = ct
                cs[s:e] = ct
                h[:bt] = g[:, 3 * H:] * xp.tanh(ct)
            elif mode == 'gru':
                hw = hp @ w_h.T + b_h
                sv = saved[s:e]
                rz = _sigmoid(xp, xw[s:e, :2 * H] + hw[:, :2 * H], out=sv[:, :2 * H])
                nn = xp.tanh(xw[s:e, 2 * H:] + rz[:, :H] * hw[:, 2 * H:], out=sv[:, 2 * H:3 * H])
                sv[:, 3 * H:] = hw[:, 2 * H:]
                z = rz[:, H:]
                h[:bt] = nn + z * (hp - nn)
            else:
                a = xw[s:e]
                a += hp @ w_h.T
                if self.activation == 'tanh':
                    xp.tanh(a, out=a)
                else:
                    xp.maximum(a, 0, out=a)
                h[:bt] = a
            hs[s:e] = h[:bt]
        if mode == 'rnn':
            cache['a'] = xw
        return h, c, cache

    def _fused_steps(self, xp):
        """Whether the time steps run as fused kernels: LSTM and GRU on a GPU."""
        return self.mode != 'rnn' and xp is not numpy

    def _steps_gpu(self, xp, cache, h, c, xw, b_h):
        """The LSTM/GRU time steps of :meth:`_run` with one fused kernel per step."""
        pk = self.packing
        H = h.shape[1]
        w_h_t = cache['w_h'].T
        hs = cache['h']
        hw = xp.empty((len(h), w_h_t.shape[1]), h.dtype)
        if self.mode == 'lstm':
            step = _lstm_step.get(h.dtype)
            gates, cs = cache['gates'], cache['c']
        else:
            step = _gru_step.get(h.dtype)
            saved = cache['saved']
        for t, bt in enumerate(pk.batch_sizes):
            s, e = int(pk.offsets[t]), int(pk.offsets[t + 1])
            bt = int(bt)
            hw_t = xp.matmul(h[:bt], w_h_t, out=hw[:bt])
            if self.mode == 'lstm':
                step(hw_t, H, gates[s:e], c[:bt], h[:bt], cs[s:e], hs[s:e])
            else:
                step(xw[s:e], hw_t, b_h, H, saved[s:e], h[:bt], hs[s:e])

    # ----- backward ----------------------------------------------------------------------------
    def backward(self, indexes, grad_outputs):
        if config.enable_backprop:
            return self._composed_backward(indexes, grad_outputs)
        return self._fused_backward(indexes, grad_outputs)

    def _fused_backward(self, indexes, grad_outputs):
        from dbr.variable import Variable
        inputs = [v.array for v in self.get_retained_inputs()]
        states, ws, bs, xs = self._split_inputs(inputs)
        xp = backend.get_array_module(*inputs)
        pk = self.packing
        ns = self.n_states
        dtype = xs[0].dtype
        n_rows = int(pk.offsets[-1])
        idx = pk.on(xp)
        order = idx.order
        n_k = self.n_layers * self.n_dirs
        H = states[0].shape[2]

        def sorted_grad(g):
            return xp.zeros((n_k, len(xs), H), dtype) if g is None else g.array[:, order]

        dhy = sorted_grad(grad_outputs[0])
        dcy = sorted_grad(grad_outputs[1]) if self.mode == 'lstm' else None
        # Gradient w.r.t. the top layer's packed output.
        dx = xp.zeros((n_rows, H * self.n_dirs), dtype)
        for rows, gy in zip(idx.rows, grad_outputs[ns:]):
            if gy is not None:
                dx[rows] = gy.array
        dws = [None] * len(ws)
        dbs = [None] * len(bs)
        dhx = xp.empty((n_k, len(xs), H), dtype)
        dcx = xp.empty_like(dhx) if self.mode == 'lstm' else None
        x0 = xp.concatenate([xs[i] for i in pk.order])[idx.gather]
        reverse = idx.reverse
        for layer in reversed(range(self.n_layers)):
            if layer == 0:
                layer_x = x0
            else:
                below = self._caches[(layer - 1) * self.n_dirs:layer * self.n_dirs]
                layer_x = below[0]['h'] if self.n_dirs == 1 else xp.concatenate(
                    [below[0]['h'], _unreverse(xp, below[1]['h'], reverse)], axis=1)
                if self._masks[layer] is not None:
                    layer_x = layer_x * self._masks[layer]
            dlayer_x = None
            for d in range(self.n_dirs):
                k = layer * self.n_dirs + d
                cache = self._caches[k]
                dout = dx[:, d * H:(d + 1) * H]
                xd = layer_x
                if d == 1:
                    dout = dout[reverse]
                    xd = layer_x[reverse]
                h0 = states[0][k][order]
                c0 = states[1][k][order] if self.mode == 'lstm' else None
                dgx, dgh, h_prev, dh0, dc0 = self._run_backward(
                    xp, cache, dout, dhy[k], None if dcy is None else dcy[k], h0, c0)
                dhx[k] = dh0
                if dcx is not None:
                    dcx[k] = dc0
                half = self.n_w // 2
                base = k * self.n_w
                gw_in = dgx.T @ xd
                gw_h = dgh.T @ h_prev
                gb_in = dgx.sum(axis=0)
                gb_h = dgh.sum(axis=0) if dgh is not dgx else gb_in
                for q in range(half):
                    rows = slice(q * H, (q + 1) * H)
                    dws[base + q] = gw_in[rows]
                    dws[base + half + q] = gw_h[rows]
                    dbs[base + q] = gb_in[rows]
                    dbs[base + half + q] = gb_h[rows].copy() if gb_h is gb_in else gb_h[rows]
                gxd = dgx @ cache['w_in']
                if d == 1:
                    gxd = _unreverse(xp, gxd, reverse)
                dlayer_x = gxd if dlayer_x is None else dlayer_x + gxd
            if layer > 0 and self._masks[layer] is not None:
                dlayer_x *= self._masks[layer]
            dx = dlayer_x
        inverse = idx.inverse_order
        grads = [dhx[:, inverse]]
        if self.mode == 'lstm':
            grads.append(dcx[:, inverse])
        grads += dws + dbs
        # dx is in packed order of the sorted, concatenated input: scatter back per sequence.
        flat = xp.empty((n_rows, dx.shape[1]), dtype)
        flat[idx.gather] = dx
        starts = numpy.concatenate([[0], numpy.cumsum(pk.lengths)])
        for i in range(len(xs)):
            j = int(pk.inverse_order[i])
            grads.append(flat[int(starts[j]):int(starts[j + 1])])
        return tuple(Variable(grads[i], requires_grad=False) for i in indexes)

    def _run_backward(self, xp, cache, dout, dhy, dcy, h0, c0):
        """Backpropagates one layer-direction; returns gate grads, h_prev rows and dh0/dc0."""
        pk = self.packing
        mode = self.mode
        H = h0.shape[1]
        hs = cache['h']
        w_h = cache['w_h']
        n = len(hs)
        b0 = int(pk.batch_sizes[0])
        prev = pk.on(xp).prev
        h_prev = xp.concatenate([h0[:b0], hs[prev]])
        dh = dhy.copy()
        if mode == 'lstm':
            gates, cs = cache['gates'], cache['c']
            c_prev = xp.concatenate([c0[:b0], cs[prev]])
            dc = dcy.copy()
            dg = xp.empty_like(gates)
        elif mode == 'gru':
            saved = cache['saved']
            dgx = xp.empty((n, 3 * H), hs.dtype)
            dgh = xp.empty((n, 3 * H), hs.dtype)
        else:
            a = cache['a']
            dg = xp.empty_like(a)
        if self._fused_steps(xp):
            if mode == 'lstm':
                self._steps_backward_gpu(xp, cache, dout, dh, dc, c_prev, dg, dg)
                return dg, dg, h_prev, dh, dc
            self._steps_backward_gpu(xp, cache, dout, dh, None, h_prev, dgx, dgh)
            return dgx, dgh, h_prev, dh, None
        for t in reversed(range(len(pk.batch_sizes))):
            s, e = int(pk.offsets[t]), int(pk.offsets[t + 1])
            bt = e - s
            dht = dh[:bt]
            dht += dout[s:e]
            if mode == 'lstm':
                g = gates[s:e]
                i, f, gg, o = g[:, :H], g[:, H:2 * H], g[:, 2 * H:3 * H], g[:, 3 * H:]
                tc = xp.tanh(cs[s:e])
                dct = dc[:bt]
                dct += dht * o * (1 - tc * tc)
                gt = dg[s:e]
                gt[:, 3 * H:] = dht * tc * o * (1 - o)
                gt[:, :H] = dct * gg * i * (1 - i)
                gt[:, H:2 * H] = dct * c_prev[s:e] * f * (1 - f)
                gt[:, 2 * H:3 * H] = dct * i * (1 - gg * gg)
                dct *= f
                dh[:bt] = gt @ w_h
            elif mode == 'gru':
                sv = saved[s:e]
                r, z, nn, hn = sv[:, :H], sv[:, H:2 * H], sv[:, 2 * H:3 * H], sv[:, 3 * H:]
                hp = h_prev[s:e]
                dn = dht * (1 - z) * (1 - nn * nn)
                gx, gh = dgx[s:e], dgh[s:e]
                gx[:, :H] = dn * hn * r * (1 - r)
                gx[:, H:2 * H] = dht * (hp - nn) * z * (1 - z)
                gx[:, 2 * H:] = dn
                gh[:, :2 * H] = gx[:, :2 * H]
                gh[:, 2 * H:] = dn * r
                dh[:bt] = dht * z + gh @ w_h
            else:
                at = a[s:e]
                gt = dg[s:e]
                if self.activation == 'tanh':
                    xp.multiply(dht, 1 - at * at, out=gt)
                else:
                    xp.multiply(dht, at > 0, out=gt)
                dh[:bt] = gt @ w_h
        if mode == 'gru':
            return dgx, dgh, h_prev, dh, None
        return dg, dg, h_prev, dh, (dc if mode == 'lstm' else None)

    def _steps_backward_gpu(self, xp, cache, dout, dh, dc, prev, dgx, dgh):
        """The LSTM/GRU steps of :meth:`_run_backward`, one fused kernel per step.

        ``prev`` holds each packed row's previous cell state (LSTM) or hidden state (GRU);
        ``dh``/``dc`` are updated in place and the gate gradients w.r.t. the input and hidden
        projections written into ``dgx``/``dgh`` (the same array for LSTM).
        """
        pk = self.packing
        H = dh.shape[1]
        w_h = cache['w_h']
        if self.mode == 'lstm':
            step = _lstm_step_grad.get(dh.dtype)
            gates, cs = cache['gates'], cache['c']
        else:
            step = _gru_step_grad.get(dh.dtype)
            saved = cache['saved']
        for t in reversed(range(len(pk.batch_sizes))):
            s, e = int(pk.offsets[t]), int(pk.offsets[t + 1])
            bt = e - s
            if self.mode == 'lstm':
                step(dh[:bt], dout[s:e], cs[s:e], prev[s:e], gates[s:e], H, dc[:bt], dgx[s:e])
                xp.matmul(dgx[s:e], w_h, out=dh[:bt])
            else:
                step(dout[s:e], prev[s:e], saved[s:e], H, dh[:bt], dgx[s:e], dgh[s:e])
                dh[:bt] += dgh[s:e] @ w_h

    def _composed_backward(self, indexes, grad_outputs):
        from dbr.function_node import grad
        from dbr.functions.rnn._composed import composed_forward
        inputs = self.get_retained_inputs()
        outputs = composed_forward(self, inputs)
        pairs = [(y, gy) for y, gy in zip(outputs, grad_outputs) if gy is not None]
        targets = [inputs[i] for i in indexes]
        grads = grad([y for y, _ in pairs], targets, [gy for _, gy in pairs],
                     enable_double_backprop=True)
        from dbr.variable import Variable
        return tuple(g if g is not None else Variable(t.xp.zeros_like(t.array),
                                                      requires_grad=False)
                     for g, t in zip(grads, targets))


def _unreverse(xp, a, reverse):
    out = xp.empty_like(a)
    out[reverse] = a
    return out


def check_inputs(label, mode, n_layers, n_dirs, hx, cx, ws, bs, xs):
    """Validates the arguments of an n_step function; returns (hidden size, dtype, xp)."""
    from dbr.variable import as_array
    if not isinstance(n_layers, (int, numpy.integer)) or n_layers < 1:
        raise ValueError(f'{label}: n_layers must be a positive int, got {n_layers!r}')
    if not isinstance(xs, (list, tuple)) or not xs:
        raise TypeError(f'{label}: xs must be a non-empty list of 2-D arrays/Variables, got '
                        f'{type(xs).__name__}' + ('' if not isinstance(xs, (list, tuple))
                                                 else ' of length 0'))
    n_w = N_WEIGHTS[mode]
    n_k = n_layers * n_dirs
    for name, seq in (('ws', ws), ('bs', bs)):
        if len(seq) != n_k:
            raise ValueError(f'{label}: expected {n_k} entries in {name} (n_layers * directions), '
                             f'got {len(seq)}')
        for k, entry in enumerate(seq):
            if len(entry) != n_w:
                raise ValueError(f'{label}: {name}[{k}] must hold {n_w} arrays, got {len(entry)}')
    xs_a = [as_array(x) for x in xs]
    dtype = xs_a[0].dtype
    in_size = xs_a[0].shape[1] if xs_a[0].ndim == 2 else None
    for i, x in enumerate(xs_a):
        if x.ndim != 2:
            raise type_check.InvalidType('each xs[i] to be 2-D (length, in_size)',
                                         f'xs[{i}].shape={x.shape}', label)
        if len(x) == 0:
            raise ValueError(f'{label}: xs[{i}] has length 0; every sequence needs at least one '
                             f'step')
        if x.shape[1] != in_size:
            raise type_check.InvalidType('every xs[i] to have the same in_size',
                                         f'xs[0].shape={xs_a[0].shape}, xs[{i}].shape={x.shape}',
                                         label)
        if x.dtype != dtype:
            raise type_check.InvalidType('xs of one dtype',
                                         f'xs[0].dtype={dtype}, xs[{i}].dtype={x.dtype}', label)
    if dtype.kind != 'f':
        raise type_check.InvalidType('floating point xs', f'xs[0].dtype={dtype}', label)
    w_h = as_array(ws[0][n_w // 2])
    out_size = w_h.shape[0]
    for k in range(n_k):
        layer = k // n_dirs
        expect_in = in_size if layer == 0 else out_size * n_dirs
        for q in range(n_w):
            w = as_array(ws[k][q])
            b = as_array(bs[k][q])
            want = (out_size, expect_in if q < n_w // 2 else out_size)
            if w.shape != want:
                what = ('in_size of xs' if layer == 0 and q < n_w // 2 else 'layer sizes')
                raise type_check.InvalidType(
                    f'ws[{k}][{q}].shape == {want} (from the {what})',
                    f'ws[{k}][{q}].shape={w.shape}, xs[0].shape={xs_a[0].shape}', label)
            if b.shape != (out_size,):
                raise type_check.InvalidType(f'bs[{k}][{q}].shape == {(out_size,)}',
                                             f'bs[{k}][{q}].shape={b.shape}', label)
            if w.dtype != dtype or b.dtype != dtype:
                raise type_check.InvalidType(
                    'weights, biases and xs of one dtype',
                    f'xs dtype={dtype}, ws[{k}][{q}].dtype={w.dtype}, bs[{k}][{q}].dtype={b.dtype}',
                    label)
    want = (n_k, len(xs), out_size)
    for name, s in (('hx', hx), ('cx', cx)):
        if s is None:
            continue
        a = as_array(s)
        if a.shape != want:
            raise type_check.InvalidType(f'{name}.shape == {want} (n_layers * directions, batch, '
                                         f'out_size)', f'{name}.shape={a.shape}', label)
        if a.dtype != dtype:
            raise type_check.InvalidType(f'{name} of the xs dtype',
                                         f'{name}.dtype={a.dtype}, xs dtype={dtype}', label)
    return out_size, dtype, backend.get_array_module(*xs_a)


def n_step(mode, label, n_layers, dropout_ratio, hx, cx, ws, bs, xs, n_dirs, activation='tanh'):
    """Validates, builds the node and splits its outputs into (hy, [cy,] ys)."""
    if not 0 <= dropout_ratio < 1:
        raise ValueError(f'{label}: dropout_ratio must be in [0, 1), got {dropout_ratio}')
    out_size, dtype, xp = check_inputs(label, mode, n_layers, n_dirs, hx, cx, ws, bs, xs)
    shape = (n_layers * n_dirs, len(xs), out_size)
    states = [hx if hx is not None else xp.zeros(shape, dtype)]
    if mode == 'lstm':
        states.append(cx if cx is not None else xp.zeros(shape, dtype))
    node = NStepRNN(mode, n_layers, n_dirs, dropout_ratio, activation, label)
    inputs = states + [w for k in ws for w in k] + [b for k in bs for b in k] + list(xs)
    outputs = node.apply(inputs)
    ns = len(states)
    return tuple(outputs[:ns]) + (list(outputs[ns:]),)
