"""Long short-term memory cell as an activation: ``(c, h) = lstm(c_prev, x)``."""
import numpy

from dbr import backend
from dbr import type_check
from dbr.backends._kernels import Elementwise
from dbr.function_node import FunctionNode
from dbr.functions.activation._elementwise import stable_sigmoid


_ndarray = numpy.ndarray  # the CPU check on every call: one global lookup


def _gates(x, units):
    """Views ``x`` as ``(batch, units, 4, ...)``: unit ``k``'s gates are ``x[:, 4k:4k + 4]``."""
    return x.reshape((x.shape[0], units, 4) + x.shape[2:])


def _activate(xp, x, units):
    r = _gates(x, units)
    return (xp.tanh(r[:, :, 0]), stable_sigmoid(xp, r[:, :, 1]), stable_sigmoid(xp, r[:, :, 2]),
            stable_sigmoid(xp, r[:, :, 3]))


# The GPU kernels run over the (batch, units, rest...) elements of the cell; R is the size of
# the trailing axes, so gate k of element i sits at x[4 * R * (i / R) + i % R + k * R].
_PREAMBLE = '''
template <typename U> __device__ U dbr_lstm_sigmoid(U x) {
  U e = exp(-abs(x));
  return (x < (U)0 ? e : (U)1) / ((U)1 + e);
}
'''
_GATES = '''
const ptrdiff_t q = i / R;
const ptrdiff_t j = 4 * R * q + (i - q * R);
const T a = tanh(x[j]);
const T ig = dbr_lstm_sigmoid<T>(x[j + R]);
const T fg = dbr_lstm_sigmoid<T>(x[j + 2 * R]);
const T og = dbr_lstm_sigmoid<T>(x[j + 3 * R]);
'''
_forward_kernel = Elementwise(
    'T c_prev, raw T x, int64 R', 'T c, T h',
    _GATES + '''
    const T cn = a * ig + fg * c_prev;
    c = cn;
    h = og * tanh(cn);
    ''', 'dbr_lstm_fwd', preamble=_PREAMBLE)
_backward_kernel = Elementwise(
    'T c_prev, raw T x, T c, T gc, T gh, int64 R', 'T gc_prev, raw T gx',
    _GATES + '''
    const T tc = tanh(c);
    const T gcell = gh * og * (1 - tc * tc) + gc;
    gx[j] = gcell * ig * (1 - a * a);
    gx[j + R] = gcell * a * ig * (1 - ig);
    gx[j + 2 * R] = gcell * c_prev * fg * (1 - fg);
    gx[j + 3 * R] = gh * tc * og * (1 - og);
    gc_prev = gcell * fg;
    ''', 'dbr_lstm_bwd', preamble=_PREAMBLE)


def _trailing_size(c_prev):
    return int(numpy.prod(c_prev.shape[2:], dtype=numpy.int64))


class LSTM(FunctionNode):
    """One LSTM step; ``x`` holds the gate pre-activations interleaved per unit (a, i, f, o)."""

    check_type_forward = type_check.expects(
        'c_prev, x', "c_prev.dtype.kind == 'f'", 'x.dtype == c_prev.dtype', 'c_prev.ndim >= 2',
        'x.ndim == c_prev.ndim', 'x.shape[0] <= c_prev.shape[0]',
        'x.shape[1] == 4 * c_prev.shape[1]', 'x.shape[2:] == c_prev.shape[2:]')

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        self.retain_outputs((0,))
        c_prev, x = inputs
        if x.__class__ is not _ndarray and backend.is_gpu_array(x):
            return self.forward_gpu(inputs)
        xp = backend.get_array_module(x)
        batch = x.shape[0]
        a, i, f, o = _activate(xp, x, c_prev.shape[1])
        c = xp.empty_like(c_prev)
        cb = a * i
        cb += f * c_prev[:batch]
        c[:batch] = cb
        c[batch:] = c_prev[batch:]
        return c, o * xp.tanh(cb)

    def forward_gpu(self, inputs):
        c_prev, x = inputs
        xp = backend.get_array_module(x)
        batch = x.shape[0]
        c = xp.empty_like(c_prev)
        h = xp.empty((batch,) + c_prev.shape[1:], x.dtype)
        _forward_kernel.get(x.dtype)(c_prev[:batch], x, _trailing_size(c_prev), c[:batch], h)
        if batch < len(c_prev):
            c[batch:] = c_prev[batch:]
        return c, h

    def backward(self, indexes, grad_outputs):
        c_prev, x = self.get_retained_inputs()
        c, = self.get_retained_outputs()
        gc, gh = grad_outputs
        xp = backend.get_array_module(x.array)
        # A missing gradient is a zero one (the last h or c of a sequence is often unused).
        if gc is None:
            gc = xp.zeros_like(c_prev.array)
        if gh is None:
            gh = xp.zeros((x.shape[0],) + c_prev.shape[1:], x.dtype)
        gc_prev, gx = LSTMGrad().apply((c_prev, x, c, gc, gh))
        return tuple([gc_prev if i == 0 else gx for i in indexes])


class LSTMGrad(FunctionNode):
    """The gradients of :class:`LSTM` w.r.t. ``c_prev`` and ``x`` in one pass.

    Inputs are ``(c_prev, x, c, gc, gh)``; the output cell ``c`` is an input too, so its
    tanh is not recomputed, and the double backward routes a gradient to it.
    """

    def forward(self, inputs):
        self.retain_inputs((0, 1, 2, 3, 4))
        c_prev, x, c, gc, gh = inputs
        if x.__class__ is not _ndarray and backend.is_gpu_array(x):
            return self.forward_gpu(inputs)
        xp = backend.get_array_module(x)
        batch = x.shape[0]
        one = x.dtype.type(1)
        a, i, f, o = _activate(xp, x, c_prev.shape[1])
        tc = xp.tanh(c[:batch])
        # gradient reaching the new cell: directly, and through h = o * tanh(c)
        gcell = gh * o * (one - tc * tc) + gc[:batch]
        gx = xp.empty((batch, c_prev.shape[1], 4) + c_prev.shape[2:], x.dtype)
        gx[:, :, 0] = gcell * i * (one - a * a)
        gx[:, :, 1] = gcell * a * i * (one - i)
        gx[:, :, 2] = gcell * c_prev[:batch] * f * (one - f)
        gx[:, :, 3] = gh * tc * o * (one - o)
        gc_prev = xp.empty_like(c_prev)
        gc_prev[:batch] = gcell * f
        gc_prev[batch:] = gc[batch:]
        return gc_prev, gx.reshape(x.shape)

    def forward_gpu(self, inputs):
        c_prev, x, c, gc, gh = inputs
        xp = backend.get_array_module(x)
        batch = x.shape[0]
        gc_prev = xp.empty_like(c_prev)
        gx = xp.empty(x.shape, x.dtype)
        _backward_kernel.get(x.dtype)(c_prev[:batch], x, c[:batch], gc[:batch], gh,
                                      _trailing_size(c_prev), gc_prev[:batch], gx)
        if batch < len(c_prev):
            gc_prev[batch:] = gc[batch:]
        return gc_prev, gx

    def backward(self, indexes, grad_outputs):
        from dbr.functions.activation.sigmoid import sigmoid
        from dbr.functions.activation.tanh import tanh
        from dbr.functions.array.get_item import GetItemGrad
        from dbr.functions.array.reshape import reshape
        from dbr.variable import Variable
        c_prev, x, c, gc, gh = self.get_retained_inputs()
        ggc_prev, ggx = grad_outputs
        xp = backend.get_array_module(x.array)
        full, batch, units = c_prev.shape[0], x.shape[0], c_prev.shape[1]
        gate_shape = (batch, units, 4) + c_prev.shape[2:]
        if ggc_prev is None:
            ggc_prev = Variable(xp.zeros_like(c_prev.array), requires_grad=False)
        if ggx is None:
            ggx = Variable(xp.zeros_like(x.array), requires_grad=False)
        top = (slice(0, batch),)
        rest = (slice(batch, None),)

        def head(v):  # the rows this step updates
            return v if batch == full else v[top]

        def pad(v):  # back to c_prev's batch size, zeros below
            return v if batch == full else GetItemGrad(top, c_prev.shape).apply((v,))[0]

        cp, gcb, ggcp = head(c_prev), head(gc), head(ggc_prev)
        xr = reshape(x, gate_shape)
        ggr = reshape(ggx, gate_shape)
        pick = [(slice(None), slice(None), k) for k in range(4)]
        a = tanh(xr[pick[0]])
        i, f, o = (sigmoid(xr[p]) for p in pick[1:])
        gga, ggi, ggf, ggo = (ggr[p] for p in pick)
        t = tanh(head(c))
        da, di, df, do, dt = 1 - a * a, i * (1 - i), f * (1 - f), o * (1 - o), 1 - t * t
        gcell = gcb + gh * o * dt
        # Everything below is d<ggc_prev, gc_prev> + d<ggx, gx> w.r.t. each input, with the
        # cell-gradient (gcell) as the shared intermediate; its total gradient is g_cell.
        g_cell = ggcp * f + gga * i * da + ggi * a * di + ggf * cp * df
        ret = []
        for k in indexes:
            if k == 0:
                ret.append(pad(ggf * gcell * df))
            elif k == 1:
                g_a = (gga * i * -2 * a + ggi * di) * gcell * da
                g_i = (gga * da + ggi * a * (1 - 2 * i)) * gcell * di
                g_f = (ggcp + ggf * cp * (1 - 2 * f)) * gcell * df
                g_o = (g_cell * gh * dt + ggo * gh * t * (1 - 2 * o)) * do
                parts = [GetItemGrad(p, gate_shape).apply((g,))[0]
                         for p, g in zip(pick, (g_a, g_i, g_f, g_o))]
                ret.append(reshape(parts[0] + parts[1] + parts[2] + parts[3], x.shape))
            elif k == 2:
                ret.append(pad((g_cell * gh * o * t * -2 + ggo * gh * do) * dt))
            elif k == 3:
                g = pad(g_cell)
                if batch != full:
                    g = g + GetItemGrad(rest, c_prev.shape).apply((ggc_prev[rest],))[0]
                ret.append(g)
            else:
                ret.append(g_cell * o * dt + ggo * t * do)
        return tuple(ret)


def lstm(c_prev, x):
    """One step of an LSTM cell with forget gate, as an activation function.

    ``x`` (the affine transform of the input and the previous ``h``) has ``4 * units``
    channels on axis 1, interleaved per unit: ``x[:, 4k + j]`` is gate ``j`` of unit ``k``
    with ``j`` = 0, 1, 2, 3 for ``a`` (cell input), ``i`` (input gate), ``f`` (forget gate)
    and ``o`` (output gate), as in Chainer. Then::

        c = tanh(a) * sigmoid(i) + c_prev * sigmoid(f)
        h = tanh(c) * sigmoid(o)

    ``x`` may have fewer rows than ``c_prev`` (sequences sorted by decreasing length): only
    ``c[:len(x)]`` is updated, the other rows of ``c_prev`` pass through unchanged, and ``h``
    has ``len(x)`` rows.

    Args:
        c_prev: Variable or array, the previous cell state, shape ``(B, units, ...)``.
        x: Variable or array of ``c_prev``'s dtype, shape ``(b, 4 * units, ...)``, ``b <= B``.

    Returns:
        tuple: ``(c, h)``, Variables of shapes ``c_prev.shape`` and ``(b, units, ...)``.

    Example:
        >>> c, h = F.lstm(numpy.zeros((1, 2), 'f'), numpy.zeros((1, 8), 'f'))
        >>> c.shape, h.shape
        ((1, 2), (1, 2))
    """
    return LSTM().apply((c_prev, x))
