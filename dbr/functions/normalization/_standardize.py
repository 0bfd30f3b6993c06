"""The node behind batch, layer and group normalization: standardize, then scale and shift.

``y = (x - mean) / sqrt(var + eps) * gamma + beta``, with ``mean`` and ``var`` taken over
``axes`` (kept as size-1 axes) and ``gamma``/``beta`` reshaped to ``expand``, a shape that
broadcasts against ``x``. The three ops differ only in ``axes`` and ``expand``:

- batch normalization: statistics over the batch (and spatial) axes, ``gamma`` per channel;
- layer normalization: statistics over the trailing axes, ``gamma`` per element of them;
- group normalization: ``x`` viewed as ``(N, G, C/G, S)``, statistics over ``(2, 3)``,
  ``gamma`` per channel ``(1, G, C/G, 1)``.

The first-order backward is one fused node (:class:`StandardizeGrad`) giving ``gx``,
``ggamma`` and ``gbeta`` at once; its own backward is written with dbr functions, so any order
of differentiation works.
"""
import numpy

from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.math._axes import normalize_axes

_float16 = numpy.dtype(numpy.float16)


def upcast(*arrays):
    """Float16 arrays as float32 (statistics in float16 lose too much); others unchanged."""
    return tuple([a.astype(numpy.float32) if a.dtype == _float16 else a for a in arrays])


def channel_axes(x, gamma, axis, label):
    """Reduced axes and the broadcast shape of ``gamma`` for (fixed) batch normalization.

    With ``axis=None`` the statistics run over axis 0 and the axes after the channel axes,
    which are the ``gamma.ndim`` axes following the batch axis. Otherwise ``axis`` names the
    reduced axes and ``gamma`` spans the others, in order.

    Raises:
        InvalidType: Naming ``label``, for ``x`` with too few axes, a bad ``axis``, or a
            ``gamma`` whose shape is not that of the channel axes.
    """
    ndim = x.ndim
    if axis is None:
        if ndim < gamma.ndim + 1:
            raise type_check.InvalidType(
                'x.ndim >= gamma.ndim + 1', f'x.shape={tuple(x.shape)}, '
                f'gamma.shape={tuple(gamma.shape)}', label)
        axes = (0,) + tuple(range(gamma.ndim + 1, ndim))
    else:
        axes = normalize_axes(axis, x.shape, label)
    expand = tuple([1 if i in axes else s for i, s in enumerate(x.shape)])
    channels = tuple([s for i, s in enumerate(x.shape) if i not in axes])
    if channels != tuple(gamma.shape):
        raise type_check.InvalidType(
            'gamma.shape equal to the shape of the non-reduced axes of x',
            f'gamma.shape={tuple(gamma.shape)}, x.shape={tuple(x.shape)}, reduced axes={axes}',
            label)
    return axes, expand


class Standardize(FunctionNode):
    """``(x - mean) / sqrt(var + eps) * gamma + beta``, statistics over ``axes``.

    Subclasses name the public op (their label appears in errors). After forward, ``mean``
    and ``inv_std`` hold the statistics (kept as size-1 axes, float32 for float16 inputs).
    """

    check_type_forward = type_check.expects(
        'x, gamma, beta', "x.dtype.kind == 'f'", 'gamma.dtype == x.dtype',
        'beta.dtype == x.dtype', 'beta.shape == gamma.shape')

    mean = None
    inv_std = None

    def __init__(self, axes, expand, eps):
        self.axes = axes
        self.expand = expand
        # The axes gamma is constant along: ggamma and gbeta are sums over them.
        self.param_axes = tuple([i for i, e in enumerate(expand) if e == 1])
        self.eps = eps

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        dtype = inputs[0].dtype
        x, gamma, beta = upcast(*inputs)
        xp = backend.get_array_module(x)
        m = 1
        for i in self.axes:
            m *= x.shape[i]
        if m == 0:
            raise ValueError(f'{self.label}: cannot compute statistics over zero elements '
                             f'(x.shape={x.shape}, reduced axes {self.axes})')
        mean = x.mean(axis=self.axes, keepdims=True)
        y = x - mean
        var = xp.square(y).mean(axis=self.axes, keepdims=True)
        self._update_statistics(mean, var, m)
        inv_std = 1 / xp.sqrt(var + self.eps)
        self.mean = mean
        self.inv_std = inv_std
        y *= inv_std * gamma.reshape(self.expand)
        y += beta.reshape(self.expand)
        return (y if y.dtype == dtype else y.astype(dtype)),

    def _update_statistics(self, mean, var, m):
        """Hook for batch normalization's running averages."""

    def backward(self, indexes, grad_outputs):
        x, gamma = self.get_retained_inputs()
        grad = StandardizeGrad(self.axes, self.expand, self.param_axes, self.eps, self.mean,
                               self.inv_std)
        return grad.apply((x, gamma, grad_outputs[0]))


class StandardizeGrad(FunctionNode):
    """``(gx, ggamma, gbeta)`` of :class:`Standardize` from ``(x, gamma, gy)``.

    With ``xh = (x - mean) * inv_std`` and ``mean_R`` the mean over the statistics axes::

        gbeta = sum(gy), ggamma = sum(gy * xh)   (over param_axes)
        gx = inv_std * P(gy * gamma),  P(v) = v - mean_R(v) - xh * mean_R(v * xh)
    """

    def __init__(self, axes, expand, param_axes, eps, mean, inv_std):
        self.axes = axes
        self.expand = expand
        self.param_axes = param_axes
        self.eps = eps
        self.mean = mean
        self.inv_std = inv_std

    def forward(self, inputs):
        self.retain_inputs((0, 1, 2))
        x_dtype = inputs[0].dtype
        gamma_dtype = inputs[1].dtype
        x, gamma, gy = upcast(*inputs)
        xp = backend.get_array_module(x)
        inv_std = self.inv_std
        gamma_b = gamma.reshape(self.expand)
        # Full-size temporaries dominate the cost: gx is built in xh's buffer.
        xh = x - self.mean
        xh *= inv_std
        gyxh = gy * xh
        gbeta = gy.sum(axis=self.param_axes, keepdims=True)
        ggamma = gyxh.sum(axis=self.param_axes, keepdims=True)
        if self.param_axes == self.axes:
            # gamma is constant along the statistics axes (batch normalization): the sums
            # P needs are gbeta and ggamma, already at hand.
            inv_m = 1.0 / (x.size // gbeta.size)
            xh *= ggamma * inv_m
            xh += gbeta * inv_m
            gx = xp.subtract(gy, xh, out=xh)
            gx *= gamma_b * inv_std
        else:
            h = gy * gamma_b
            gyxh *= gamma_b
            xh *= gyxh.mean(axis=self.axes, keepdims=True)
            xh += h.mean(axis=self.axes, keepdims=True)
            gx = xp.subtract(h, xh, out=xh)
            gx *= inv_std
        shape = inputs[1].shape
        return (gx.astype(x_dtype, copy=False),
                ggamma.reshape(shape).astype(gamma_dtype, copy=False),
                gbeta.reshape(shape).astype(gamma_dtype, copy=False))

    def backward(self, indexes, grad_outputs):
        from dbr.functions.array.broadcast_to import broadcast_to
        from dbr.functions.array.reshape import reshape
        from dbr.functions.math.sum import sum as sum_
        from dbr.functions.math.sum_to import sum_to
        x, gamma, gy = self.get_retained_inputs()
        ggx, gggamma, ggbeta = grad_outputs
        axes = self.axes
        expand = self.expand
        m = 1
        for i in axes:
            m *= x.shape[i]
        inv_m = 1.0 / m

        def mean(v):
            return sum_(v, axis=axes, keepdims=True) * inv_m

        # The statistics again, now as functions of x, so that this backward is exact to
        # any order. Writing L = <ggx, gx> + <gggamma, ggamma> + <ggbeta, gbeta>, A is
        # dL/dxh at fixed inv_std, and dL/dx follows through xh = (x - mean) * inv_std.
        d = x - mean(x)
        s = (mean(d * d) + self.eps) ** -0.5
        xh = d * s

        def project(v):
            return v - mean(v) - xh * mean(v * xh)

        gamma_b = reshape(gamma, expand)
        g_x = g_gamma = g_gy = a = None
        if ggx is not None:
            h = gy * gamma_b
            s_ggx = s * project(ggx)
            g_gy = gamma_b * s_ggx
            g_gamma = reshape(sum_to(gy * s_ggx, expand), gamma.shape)
            a = -s * (ggx * mean(h * xh) + h * mean(ggx * xh))
            g_x = -(xh * (s * s) * mean(ggx * project(h)))
        if gggamma is not None:
            gggamma_b = reshape(gggamma, expand)
            term = gggamma_b * xh
            g_gy = term if g_gy is None else g_gy + term
            term = gggamma_b * gy
            a = term if a is None else a + term
        if ggbeta is not None:
            term = broadcast_to(reshape(ggbeta, expand), x.shape)
            g_gy = term if g_gy is None else g_gy + term
        if a is not None:
            term = s * project(a)
            g_x = term if g_x is None else g_x + term
        return g_x, g_gamma, g_gy
