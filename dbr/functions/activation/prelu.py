"""Parametric ReLU."""
from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.activation._elementwise import Scale


def _w_shape(W, x):
    """``W``'s shape padded to broadcast over axis 0 and the axes after it."""
    return (1,) + W.shape + (1,) * (x.ndim - W.ndim - 1)


def _w_axes(W, x):
    """The axes of ``x`` summed to get ``W``'s gradient."""
    return (0,) + tuple(range(1 + W.ndim, x.ndim))


class PReLU(FunctionNode):
    """``x`` where ``x >= 0``, ``W * x`` elsewhere, ``W`` broadcast along axes ``1 .. W.ndim``."""

    label = 'prelu'

    check_type_forward = type_check.expects(
        'x, W', "x.dtype.kind == 'f'", 'W.dtype == x.dtype', 'x.ndim >= W.ndim + 1',
        'x.shape[1:1 + W.ndim] == W.shape')

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x, W = inputs
        xp = backend.get_array_module(x)
        zero = x.dtype.type(0)
        y = xp.minimum(x, zero) * W.reshape(_w_shape(W, x))
        y += xp.maximum(x, zero)
        return y,

    def backward(self, indexes, grad_outputs):
        x, W = self.get_retained_inputs()
        gx, gW = PReLUGrad().apply((x, W, grad_outputs[0]))
        return tuple([gx if i == 0 else gW for i in indexes])


class PReLUGrad(FunctionNode):
    """The gradients of prelu w.r.t. ``x`` and ``W`` in one pass."""

    def forward(self, inputs):
        self.retain_inputs((0, 1, 2))
        x, W, gy = inputs
        xp = backend.get_array_module(x)
        neg = x < 0
        coef = neg * W.reshape(_w_shape(W, x))  # W on the negative side, 1 elsewhere
        coef += ~neg
        gx = gy * coef
        gW = (gy * xp.minimum(x, x.dtype.type(0))).sum(axis=_w_axes(W, x))
        return gx, xp.asarray(gW, dtype=W.dtype).reshape(W.shape)

    def backward(self, indexes, grad_outputs):
        from dbr.functions.array.broadcast_to import broadcast_to
        from dbr.functions.array.reshape import reshape
        from dbr.functions.math.sum import sum as sum_
        x, W, gy = self.get_retained_inputs()
        ggx, ggW = grad_outputs
        neg = x.array < 0
        gg_w = None if ggW is None else broadcast_to(reshape(ggW, _w_shape(W, x)), x.shape)
        # The masks are constants: the second derivatives vanish away from x == 0.
        ret = []
        for i in indexes:
            if i == 0:
                ret.append(None if gg_w is None else Scale(neg).apply((gg_w * gy,))[0])
            elif i == 1:
                ret.append(None if ggx is None else
                           sum_(Scale(neg).apply((ggx * gy,))[0], axis=_w_axes(W, x)))
            else:
                g = None
                if ggx is not None:
                    w = broadcast_to(reshape(W, _w_shape(W, x)), x.shape)
                    g = Scale(~neg).apply((ggx,))[0] + Scale(neg).apply((ggx * w,))[0]
                if gg_w is not None:
                    h = Scale(neg).apply((gg_w * x,))[0]
                    g = h if g is None else g + h
                ret.append(g)
        return tuple(ret)


def prelu(x, W):
    """Parametric ReLU: ``x`` for ``x >= 0`` and ``W * x`` for ``x < 0``.

    ``W`` has the shape ``x.shape[1:1 + M]`` for some ``M >= 0`` (e.g. one slope per channel)
    and is broadcast over the batch axis and the trailing axes.

    Args:
        x: Variable or array of floats, shape ``(B, s_1, ..., s_N)``.
        W: Variable or array of ``x``'s dtype, shape ``(s_1, ..., s_M)``.

    Returns:
        Variable of ``x``'s shape and dtype.

    Example:
        >>> x = dbr.Variable(numpy.array([[-1., 2.]], 'f'))
        >>> F.prelu(x, numpy.array([0.25, 0.5], 'f')).array
        array([[-0.25,  2.  ]], dtype=float32)
    """
    return PReLU().apply((x, W))[0]
