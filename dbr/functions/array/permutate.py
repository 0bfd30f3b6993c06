"""Permute the slices of an array along an axis."""
import numpy

from dbr import backend
from dbr import type_check
from dbr.configuration import config
from dbr.function_node import FunctionNode
from dbr.functions.array._axis import normalize_axis
from dbr.variable import Variable


class Permutate(FunctionNode):
    """``y = x.take(indices, axis)`` (or its inverse); the gradient is the opposite permutation.

    ``indices`` must be a permutation of ``range(x.shape[axis])``; this is checked on the CPU,
    and on a GPU only in debug mode (the check synchronizes).
    """

    def __init__(self, indices, axis=0, inv=False):
        self.indices = indices
        self.axis = axis
        self.inv = inv

    def _check(self, x):
        idx = self.indices
        axis = normalize_axis(self.axis, x.ndim, self.label, x.shape)
        n = x.shape[axis]
        if idx.ndim != 1 or idx.dtype.kind not in 'iu' or idx.shape[0] != n:
            raise type_check.InvalidType(
                f'indices a 1-D integer array of length x.shape[{axis}]',
                f'indices: shape={idx.shape}, dtype={idx.dtype}; x.shape={x.shape}', self.label)
        if n and (backend.get_array_module(idx) is numpy or config.debug):
            host = backend.to_cpu(idx)
            lo, hi = int(host.min()), int(host.max())
            if lo < 0 or hi >= n or numpy.bincount(host, minlength=n).max() != 1:
                raise ValueError(f'{self.label}: indices must be a permutation of '
                                 f'range({n}), got {host.tolist()}')
        return axis

    def forward(self, inputs):
        x, = inputs
        xp = backend.get_array_module(x)
        axis = self._axis = self._check(x)
        idx = self.indices
        if self.inv:
            inverse = xp.empty_like(idx)
            inverse[idx] = xp.arange(idx.shape[0], dtype=idx.dtype)
            idx = inverse
        return xp.take(x, idx, axis=axis),

    def backward(self, indexes, grad_outputs):
        return Permutate(self.indices, self._axis, not self.inv).apply(grad_outputs)


def permutate(x, indices, axis=0, inv=False):
    """Permutes ``x`` along ``axis``: ``y`` takes slice ``indices[i]`` of ``x`` as slice ``i``.

    Args:
        x: Variable or array.
        indices: Integer array (or Variable) holding a permutation of
            ``range(x.shape[axis])``.
        axis (int): The axis to permute.
        inv (bool): Apply the inverse permutation instead: slice ``i`` of ``x`` goes to
            position ``indices[i]``.

    Returns:
        Variable: The permuted array.

    Example:
        >>> x = numpy.array([1., 2., 3.], 'f')
        >>> F.permutate(x, numpy.array([2, 0, 1])).array
        array([3., 1., 2.], dtype=float32)
    """
    if isinstance(indices, Variable):
        indices = indices.array
    xp = backend.get_array_module(x)
    return Permutate(xp.asarray(indices), axis, inv).apply((x,))[0]
