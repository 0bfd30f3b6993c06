"""Product over axes."""
import numpy

from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.math._axes import kept_shape, normalize_axes, reduced_size


class Prod(FunctionNode):
    """Product of ``x`` over ``axis`` (all axes when None).

    The gradient of each element is the product of the other elements of its group, computed
    without division, so it is exact where ``x`` has zeros.
    """

    check_type_forward = type_check.expects('x', "x.dtype.kind == 'f'")

    def __init__(self, axis=None, keepdims=False):
        self.axis = axis
        self.keepdims = keepdims

    def forward(self, inputs):
        self.retain_inputs((0,))
        x, = inputs
        self._axes = normalize_axes(self.axis, x.shape, self.label)
        return backend.get_array_module(x).prod(x, axis=self._axes, keepdims=self.keepdims),

    def backward(self, indexes, grad_outputs):
        from dbr.functions.array.reshape import reshape
        from dbr.functions.array.transpose import transpose
        x, = self.get_retained_inputs()
        gy, = grad_outputs
        shape = x.shape
        if not self.keepdims:
            gy = reshape(gy, kept_shape(shape, self._axes))
        reduced = tuple(range(x.ndim)) if self._axes is None else self._axes
        kept = tuple(i for i in range(x.ndim) if i not in reduced)
        # Line each group up along the last axis for ProdOthers, then undo the move.
        order = kept + reduced
        moved = order != tuple(range(x.ndim))
        if moved:
            x = transpose(x, order)
        lined = x.shape
        n = reduced_size(shape, reduced)
        others = reshape(ProdOthers().apply((reshape(x, lined[:len(kept)] + (n,)),))[0], lined)
        if moved:
            others = transpose(others, tuple(numpy.argsort(order)))
        return gy * others,


class ProdOthers(FunctionNode):
    """``y[..., i] = prod(x[..., j] for j != i)`` along the last axis, without division."""

    def forward(self, inputs):
        self.retain_inputs((0,))
        x, = inputs
        xp = backend.get_array_module(x)
        # exclusive products from the left and from the right
        y = xp.ones_like(x)
        y[..., 1:] = xp.cumprod(x[..., :-1], axis=-1)
        right = xp.ones_like(x)
        right[..., :-1] = xp.cumprod(x[..., :0:-1], axis=-1)[..., ::-1]
        y *= right
        return y,

    def backward(self, indexes, grad_outputs):
        # d y_i / d x_j = prod(x_k for k not in {i, j}) for i != j, and 0 for i == j: the
        # products of the others in the rows of m, where m[..., j, :] is x with x_j set to 1.
        # This takes n * n memory per group, but keeps every order of derivative exact at zeros.
        from dbr.functions.array.reshape import reshape
        from dbr.functions.math.sum import sum as sum_
        from dbr.functions.math.where import where
        x, = self.get_retained_inputs()
        gy, = grad_outputs
        n = x.shape[-1]
        xp = backend.get_array_module(x.array)
        eye = xp.eye(n, dtype=bool)
        row = x.shape[:-1] + (1, n)
        m = where(eye, 1.0, reshape(x, row))
        pair = ProdOthers().apply((m,))[0]
        return sum_(pair * where(eye, 0.0, reshape(gy, row)), axis=-1),


def prod(x, axis=None, keepdims=False):
    """Product of the elements of ``x`` over ``axis``.

    Its gradient is exact also where ``x`` has zeros (no division by ``x``).

    Args:
        x: Variable or array of floats.
        axis: None (all axes), an int or a tuple of ints.
        keepdims (bool): Keep the reduced axes with length 1.

    Example:
        >>> F.prod(dbr.Variable(numpy.array([[1., 2.], [3., 4.]], 'f')), axis=1).array
        array([ 2., 12.], dtype=float32)
    """
    return Prod(axis, keepdims).apply((x,))[0]
