"""Shared machinery of the functions of one input.

The differentiable elementwise ones (sin, sqrt, erf, ...) subclass :class:`UnaryElementwise`
and state only their forward rule and their gradient; the non-differentiable ones (floor,
ceil, fix, sign) go through :func:`constant_elementwise`; :func:`raw_array` unwraps the input
of those that build no node (argmax too).
"""
import numpy

from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.variable import Variable


class UnaryElementwise(FunctionNode):
    """An elementwise function of one float array.

    Subclasses set ``uses`` to what the gradient reads (``'x'``, ``'y'`` or ``'xy'``; only that
    is retained) and define ``compute(xp, x)`` on raw arrays and ``grad(x, y, gy)`` on
    Variables (None for what is not used), written with dbr functions so that it can be
    differentiated again.
    """

    check_type_forward = type_check.expects('x', "x.dtype.kind == 'f'")
    uses = 'x'

    def forward(self, inputs):
        x, = inputs
        uses = self.uses
        if 'x' in uses:
            self.retain_inputs((0,))
        if 'y' in uses:
            self.retain_outputs((0,))
        return self.compute(backend.get_array_module(x), x),

    def backward(self, indexes, grad_outputs):
        uses = self.uses
        x = self.get_retained_inputs()[0] if 'x' in uses else None
        y = self.get_retained_outputs()[0] if 'y' in uses else None
        return self.grad(x, y, grad_outputs[0]),

    def compute(self, xp, x):
        raise NotImplementedError

    def grad(self, x, y, gy):
        raise NotImplementedError


def raw_array(x, label):
    """Returns the array of a Variable or an array, raising a TypeError naming ``label`` else."""
    a = x._data if isinstance(x, Variable) else x
    if isinstance(a, numpy.ndarray) or backend.is_gpu_array(a):
        return a
    if isinstance(a, numpy.generic):
        return numpy.asarray(a)
    raise TypeError(f'{label}: expected a Variable or a NumPy/CuPy array, got {type(a).__name__}')


def constant_elementwise(x, compute, label):
    """Applies ``compute(xp, array)`` to a numeric ``x`` and returns a Variable with no gradient.

    For the piecewise-constant functions, whose gradient is zero almost everywhere: the
    result is cut from the graph instead. It keeps ``x``'s dtype (NumPy < 2.1 returns floats
    for the floor of integers).
    """
    a = raw_array(x, label)
    if a.dtype.kind not in 'iuf':
        raise type_check.InvalidType("x.dtype.kind in 'iuf'", f'x.dtype={a.dtype}', label)
    xp = backend.get_array_module(a)
    y = xp.asarray(compute(xp, a))
    return Variable(y if y.dtype == a.dtype else y.astype(a.dtype), requires_grad=False)
