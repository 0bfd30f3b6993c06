"""Exponential linear unit."""
from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.activation._elementwise import Scale


def _slope(xp, x, alpha, scale):
    """``scale * (1 if x >= 0 else alpha * exp(x))``, the derivative of the (scaled) ELU."""
    t = x.dtype.type
    neg = x < 0
    # exp of the non-positive part only: exp(x) of a large positive x would overflow.
    s = xp.exp(xp.minimum(x, t(0)))
    s *= t(alpha * scale)
    s *= neg
    s += ~neg * t(scale)
    return s


class ELU(FunctionNode):
    """``scale * (x if x >= 0 else alpha * (exp(x) - 1))``; ``scale`` is 1 except for selu."""

    check_type_forward = type_check.expects('x', "x.dtype.kind == 'f'")

    def __init__(self, alpha, scale=1.0):
        self.alpha = alpha
        self.scale = scale

    def forward(self, inputs):
        self.retain_inputs((0,))
        x, = inputs
        xp = backend.get_array_module(x)
        t = x.dtype.type
        # max(x, 0) + alpha * expm1(min(x, 0)): each term vanishes on the other side.
        y = xp.expm1(xp.minimum(x, t(0)))
        y *= t(self.alpha)
        y += xp.maximum(x, t(0))
        return (y * t(self.scale) if self.scale != 1 else y),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        return ELUGrad(self.alpha, self.scale).apply((x, grad_outputs[0]))


class ELUGrad(FunctionNode):
    """``gy * elu'(x)`` as one node."""

    def __init__(self, alpha, scale):
        self.alpha = alpha
        self.scale = scale

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x, gy = inputs
        return gy * _slope(backend.get_array_module(x), x, self.alpha, self.scale),

    def backward(self, indexes, grad_outputs):
        x, gy = self.get_retained_inputs()
        ggx, = grad_outputs
        ret = []
        for i in indexes:
            if i == 0:
                # elu'' = elu' - scale on the positive side (where elu' is the constant scale)
                # and elu' itself on the negative side; ELUGrad keeps it differentiable in x.
                g = ggx * gy
                xa = x.array
                pos = (xa >= 0) * xa.dtype.type(self.scale)
                g_neg = ELUGrad(self.alpha, self.scale).apply((x, g))[0]
                ret.append(g_neg - Scale(pos).apply((g,))[0])
            else:
                ret.append(ELUGrad(self.alpha, self.scale).apply((x, ggx))[0])
        return tuple(ret)


def elu(x, alpha=1.0):
    """Exponential linear unit: ``x`` for ``x >= 0``, ``alpha * (exp(x) - 1)`` otherwise.

    Args:
        x: Variable or array of floats.
        alpha (float): Value the negative side tends to is ``-alpha``.

    Returns:
        Variable of ``x``'s shape and dtype.

    Example:
        >>> F.elu(dbr.Variable(numpy.array([-1., 2.], 'f'))).array
        array([-0.63212055,  2.        ], dtype=float32)
    """
    return ELU(float(alpha)).apply((x,))[0]
