"""Sigmoid linear unit (PyTorch's name for swish with beta = 1)."""
from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.activation._elementwise import stable_sigmoid


class SiLU(FunctionNode):
    """``x * sigmoid(x)``; the input is kept for backward."""

    label = 'silu'

    check_type_forward = type_check.expects('x', "x.dtype.kind == 'f'")

    def forward(self, inputs):
        self.retain_inputs((0,))
        x, = inputs
        return x * stable_sigmoid(backend.get_array_module(x), x),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        return SiLUGrad().apply((x, grad_outputs[0]))


class SiLUGrad(FunctionNode):
    """``gy * s * (1 + x * (1 - s))`` with ``s = sigmoid(x)``, as one node."""

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x, gy = inputs
        s = stable_sigmoid(backend.get_array_module(x), x)
        one = x.dtype.type(1)
        return gy * s * (one + x * (one - s)),

    def backward(self, indexes, grad_outputs):
        from dbr.functions.activation.sigmoid import sigmoid
        x, gy = self.get_retained_inputs()
        ggx, = grad_outputs
        ret = []
        for i in indexes:
            if i == 0:
                # silu'' = s (1 - s) (2 + x (1 - 2 s))
                s = sigmoid(x)
                ret.append(ggx * gy * (s * (1 - s)) * (2 + x * (1 - 2 * s)))
            else:
                ret.append(SiLUGrad().apply((x, ggx))[0])
        return tuple(ret)


def silu(x):
    """Sigmoid linear unit, ``x * sigmoid(x)`` elementwise (swish with ``beta = 1``).

    Args:
        x: Variable or array of floats.

    Returns:
        Variable of ``x``'s shape and dtype.

    Example:
        >>> F.silu(dbr.Variable(numpy.array([-1., 0., 2.], 'f'))).array
        array([-0.2689414,  0.       ,  1.761594 ], dtype=float32)
    """
    return SiLU().apply((x,))[0]
