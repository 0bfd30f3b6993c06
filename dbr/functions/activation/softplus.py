"""Softplus, a smooth ReLU."""
from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.activation._elementwise import stable_sigmoid


class Softplus(FunctionNode):
    """``log(1 + exp(beta * x)) / beta`` as ``(max(bx, 0) + log1p(exp(-|bx|))) / beta``."""

    check_type_forward = type_check.expects('x', "x.dtype.kind == 'f'")

    def __init__(self, beta):
        self.beta = beta

    def forward(self, inputs):
        self.retain_inputs((0,))
        x, = inputs
        xp = backend.get_array_module(x)
        t = x.dtype.type
        bx = x * t(self.beta) if self.beta != 1 else x
        # exp(-|bx|) <= 1 never overflows; max(bx, 0) carries the large part exactly.
        y = xp.maximum(bx, t(0)) + xp.log1p(xp.exp(-xp.abs(bx)))
        return (y * t(1 / self.beta) if self.beta != 1 else y),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        return SoftplusGrad(self.beta).apply((x, grad_outputs[0]))


class SoftplusGrad(FunctionNode):
    """``gy * sigmoid(beta * x)`` as one node."""

    def __init__(self, beta):
        self.beta = beta

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x, gy = inputs
        bx = x * x.dtype.type(self.beta) if self.beta != 1 else x
        return gy * stable_sigmoid(backend.get_array_module(x), bx),

    def backward(self, indexes, grad_outputs):
        from dbr.functions.activation.sigmoid import sigmoid
        x, gy = self.get_retained_inputs()
        ggx, = grad_outputs
        ret = []
        for i in indexes:
            if i == 0:
                if self.beta == 1:
                    s = sigmoid(x)
                    ret.append(ggx * gy * (s * (1 - s)))
                else:
                    s = sigmoid(x * self.beta)
                    ret.append(ggx * gy * (s * (1 - s)) * self.beta)
            else:
                ret.append(SoftplusGrad(self.beta).apply((x, ggx))[0])
        return tuple(ret)


def softplus(x, beta=1.0):
    """Softplus, ``log(1 + exp(beta * x)) / beta`` elementwise, stable for large ``|x|``.

    Args:
        x: Variable or array of floats.
        beta (float): Sharpness; the function tends to ReLU as ``beta`` grows. Nonzero.

    Returns:
        Variable of ``x``'s shape and dtype.

    Raises:
        ValueError: If ``beta`` is zero.

    Example:
        >>> F.softplus(dbr.Variable(numpy.array([-2., 0., 2.], 'f'))).array
        array([0.126928 , 0.6931472, 2.126928 ], dtype=float32)
    """
    beta = float(beta)
    if beta == 0:
        raise ValueError('softplus: beta must be nonzero, got 0.0')
    return Softplus(beta).apply((x,))[0]
