"""Tensor dot product over chosen axes."""
import numpy

from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.math._unary import raw_array

_check_operands = type_check.expects('a, b', "a.dtype.kind == 'f'", 'a.dtype == b.dtype')
_INTS = (int, numpy.integer)


def _as_axes(axes, ndim, name):
    axes = (axes,) if isinstance(axes, _INTS) else tuple(axes)
    out = []
    for ax in axes:
        if not isinstance(ax, _INTS) or not -ndim <= ax < ndim:
            raise ValueError(f'tensordot: axes of {name} must be ints in [{-ndim}, {ndim}), '
                             f'got {axes}')
        out.append(int(ax) % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f'tensordot: repeated axes of {name}: {axes}')
    return tuple(out)


class TensorDot(FunctionNode):
    """``tensordot(a, b, (a_axes, b_axes))`` on normalized axes; the output has ``a``'s free
    axes then ``b``'s. Each gradient is again a tensordot, transposed into place."""

    label = 'tensordot'

    def __init__(self, a_axes, b_axes):
        self.a_axes = a_axes
        self.b_axes = b_axes

    def check_type_forward(self, in_types):
        _check_operands(self, in_types)
        a, b = in_types
        la = tuple(a.shape[i] for i in self.a_axes)
        lb = tuple(b.shape[i] for i in self.b_axes)
        if la != lb:
            raise type_check.InvalidType(
                'the contracted axes of a and b to have equal lengths',
                f'a.shape={a.shape} over axes {self.a_axes}, b.shape={b.shape} over axes '
                f'{self.b_axes}', self.label)

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        a, b = inputs
        xp = backend.get_array_module(a)
        return xp.asarray(xp.tensordot(a, b, (self.a_axes, self.b_axes))),

    def backward(self, indexes, grad_outputs):
        from dbr.functions.array.transpose import transpose
        a, b = self.get_retained_inputs()
        gy, = grad_outputs
        a_free = [i for i in range(a.ndim) if i not in self.a_axes]
        b_free = [i for i in range(b.ndim) if i not in self.b_axes]
        na = len(a_free)
        ret = []
        pairs = list(zip(self.a_axes, self.b_axes))
        for i in indexes:
            if i == 0:    # axes: a_free, then b's contracted axes in b's order, as a's axes
                g = tensordot(gy, b, (tuple(range(na, gy.ndim)), tuple(b_free)))
                order = a_free + [ia for ia, ib in sorted(pairs, key=lambda p: p[1])]
            else:         # axes: a's contracted axes in a's order, as b's axes, then b_free
                g = tensordot(a, gy, (tuple(a_free), tuple(range(na))))
                order = [ib for ia, ib in sorted(pairs)] + b_free
            ret.append(transpose(g, tuple(numpy.argsort(order))) if order != sorted(order)
                       else g)
        return tuple(ret)


def tensordot(a, b, axes=2):
    """Tensor dot product: sums the products of ``a`` and ``b`` over the given axes.

    Args:
        a, b: Variables or arrays of one float dtype.
        axes: An int ``N`` (the last ``N`` axes of ``a`` with the first ``N`` of ``b``), or a
            pair ``(a_axes, b_axes)`` of ints or sequences of ints, paired in order.

    Returns:
        Variable: The free axes of ``a`` followed by those of ``b``.

    Example:
        >>> a = numpy.ones((3, 4, 5)); b = numpy.ones((4, 5, 2))
        >>> F.tensordot(dbr.Variable(a), b).shape
        (3, 2)
        >>> F.tensordot(dbr.Variable(a), b, axes=((1,), (0,))).shape
        (3, 5, 5, 2)
    """
    na = raw_array(a, 'tensordot').ndim
    nb = raw_array(b, 'tensordot').ndim
    if isinstance(axes, _INTS):
        if not 0 <= axes <= min(na, nb):
            raise ValueError(f'tensordot: axes={axes} must be in [0, {min(na, nb)}] for '
                             f'a.ndim={na}, b.ndim={nb}')
        a_axes, b_axes = tuple(range(na - axes, na)), tuple(range(axes))
    else:
        try:
            a_axes, b_axes = axes
        except (TypeError, ValueError):
            raise ValueError(f'tensordot: axes must be an int or a pair of axis sequences, '
                             f'got {axes!r}') from None
        a_axes, b_axes = _as_axes(a_axes, na, 'a'), _as_axes(b_axes, nb, 'b')
        if len(a_axes) != len(b_axes):
            raise ValueError(f'tensordot: a and b need as many axes, got {a_axes} and {b_axes}')
    return TensorDot(a_axes, b_axes).apply((a, b))[0]
