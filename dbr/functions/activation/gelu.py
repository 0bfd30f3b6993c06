"""Gaussian error linear unit, ``x * Phi(x)`` with the exact normal CDF."""
import math

import numpy

from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.math._special import special

_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)


def _normal_cdf(x):
    return special('ndtr', x)


def _normal_pdf(xp, x):
    work = x.astype(numpy.float32) if x.dtype == numpy.float16 else x
    p = xp.exp(work * work * work.dtype.type(-0.5))
    return (p * p.dtype.type(_INV_SQRT_2PI)).astype(x.dtype, copy=False)


class GELU(FunctionNode):
    """``x * Phi(x)``; the input is kept for backward."""

    check_type_forward = type_check.expects('x', "x.dtype.kind == 'f'")

    def forward(self, inputs):
        self.retain_inputs((0,))
        x, = inputs
        return x * _normal_cdf(x),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        return GELUGrad().apply((x, grad_outputs[0]))


class GELUGrad(FunctionNode):
    """``gy * (Phi(x) + x * phi(x))`` as one node."""

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x, gy = inputs
        xp = backend.get_array_module(x)
        return gy * (_normal_cdf(x) + x * _normal_pdf(xp, x)),

    def backward(self, indexes, grad_outputs):
        from dbr.functions.math.exp import exp
        x, gy = self.get_retained_inputs()
        ggx, = grad_outputs
        ret = []
        for i in indexes:
            if i == 0:
                # d/dx (Phi + x phi) = phi * (2 - x^2)
                xx = x * x
                ret.append(ggx * gy * exp(xx * -0.5) * (2 - xx) * _INV_SQRT_2PI)
            else:
                ret.append(GELUGrad().apply((x, ggx))[0])
        return tuple(ret)


def gelu(x):
    """Gaussian error linear unit, ``x * Phi(x)`` with ``Phi`` the standard normal CDF.

    Computed with the exact ``erf`` form ``x / 2 * (1 + erf(x / sqrt(2)))`` (not the tanh
    approximation), to near full float32/float64 precision, including the lower tail where
    ``1 + erf`` would cancel, and without overflow for large ``|x|``.

    Args:
        x: Variable or array of floats.

    Returns:
        Variable of ``x``'s shape and dtype.

    Example:
        >>> F.gelu(dbr.Variable(numpy.array([-1., 0., 1.], 'f'))).array
        array([-0.15865526,  0.        ,  0.8413447 ], dtype=float32)
    """
    return GELU().apply((x,))[0]
