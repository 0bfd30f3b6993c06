"""Swish, ``x * sigmoid(beta * x)`` with a (learnable) ``beta``."""
from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.activation._elementwise import stable_sigmoid


def _beta_shape(beta, x):
    """``beta``'s shape padded to broadcast over axis 0 and the axes after it."""
    return (1,) + beta.shape + (1,) * (x.ndim - beta.ndim - 1)


def _beta_axes(beta, x):
    """The axes of ``x`` summed to get ``beta``'s gradient."""
    return (0,) + tuple(range(1 + beta.ndim, x.ndim))


class Swish(FunctionNode):
    """``x * sigmoid(beta * x)``, ``beta`` broadcast along ``x``'s axes ``1 .. beta.ndim``."""

    check_type_forward = type_check.expects(
        'x, beta', "x.dtype.kind == 'f'", 'beta.dtype == x.dtype', 'x.ndim >= beta.ndim + 1',
        'x.shape[1:1 + beta.ndim] == beta.shape')

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x, beta = inputs
        s = stable_sigmoid(backend.get_array_module(x), x * beta.reshape(_beta_shape(beta, x)))
        return x * s,

    def backward(self, indexes, grad_outputs):
        x, beta = self.get_retained_inputs()
        gx, gbeta = SwishGrad().apply((x, beta, grad_outputs[0]))
        return tuple([gx if i == 0 else gbeta for i in indexes])


class SwishGrad(FunctionNode):
    """The gradients of swish w.r.t. ``x`` and ``beta`` in one pass."""

    def forward(self, inputs):
        self.retain_inputs((0, 1, 2))
        x, beta, gy = inputs
        xp = backend.get_array_module(x)
        one = x.dtype.type(1)
        bx = x * beta.reshape(_beta_shape(beta, x))
        s = stable_sigmoid(xp, bx)
        gys = gy * s
        # d/dx = s + bx * s (1 - s), d/dbeta = x^2 s (1 - s)
        g = gys * (one - s)
        gx = gys + bx * g
        g *= x
        g *= x
        gbeta = g.sum(axis=_beta_axes(beta, x))
        return gx, xp.asarray(gbeta, dtype=beta.dtype).reshape(beta.shape)

    def backward(self, indexes, grad_outputs):
        from dbr.functions.activation.sigmoid import sigmoid
        from dbr.functions.array.broadcast_to import broadcast_to
        from dbr.functions.array.reshape import reshape
        from dbr.functions.math.sum import sum as sum_
        x, beta, gy = self.get_retained_inputs()
        ggx, ggbeta = grad_outputs
        shape = _beta_shape(beta, x)
        b = broadcast_to(reshape(beta, shape), x.shape)
        s = sigmoid(b * x)
        ds = s * (1 - s)
        dds = ds * (1 - 2 * s)
        xx = x * x
        # Second derivatives of y = x * sigmoid(b x): d2y/dx db == d2y/db dx.
        d_xb = 2 * x * ds + xx * b * dds
        gg_b = None if ggbeta is None else broadcast_to(reshape(ggbeta, shape), x.shape)
        ret = []
        for i in indexes:
            if i == 0:
                g = 0
                if ggx is not None:
                    g = ggx * (2 * b * ds + x * b * b * dds)
                if gg_b is not None:
                    g = g + gg_b * d_xb
                ret.append(gy * g)
            elif i == 1:
                g = 0
                if ggx is not None:
                    g = ggx * d_xb
                if gg_b is not None:
                    g = g + gg_b * (xx * x * dds)
                ret.append(sum_(gy * g, axis=_beta_axes(beta, x)))
            else:
                g = 0
                if ggx is not None:
                    g = ggx * (s + b * x * ds)
                if gg_b is not None:
                    g = g + gg_b * (xx * ds)
                ret.append(g)
        return tuple(ret)


def swish(x, beta):
    """Swish activation, ``x * sigmoid(beta * x)``.

    ``beta`` has the shape ``x.shape[1:1 + M]`` for some ``M >= 0`` and is broadcast over the
    batch axis and the trailing axes. It is an input, so it gets a gradient (``L.Swish`` keeps
    it as a learnable parameter). ``beta = 0`` gives ``x / 2``; a large ``beta`` tends to ReLU.

    Args:
        x: Variable or array of floats, shape ``(B, s_1, ..., s_N)``.
        beta: Variable or array of ``x``'s dtype, shape ``(s_1, ..., s_M)``.

    Returns:
        Variable of ``x``'s shape and dtype.

    Example:
        >>> x = dbr.Variable(numpy.array([[-1., 2.]], 'f'))
        >>> F.swish(x, numpy.ones(2, 'f')).array
        array([[-0.2689414,  1.761594 ]], dtype=float32)
    """
    return Swish().apply((x, beta))[0]
