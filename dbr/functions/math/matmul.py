"""Matrix product, 2-D and batched, with optional transposes."""
from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode


def _lift(a, b):
    """Lifts vectors to matrices as matmul does: a (k,) -> (1, k), b (k,) -> (k, 1)."""
    return (a[None] if a.ndim == 1 else a), (b[:, None] if b.ndim == 1 else b)


_check_operands = type_check.expects(
    'a, b', "a.dtype.kind == 'f'", 'a.dtype == b.dtype', 'a.ndim >= 1', 'b.ndim >= 1')


class Matmul(FunctionNode):
    """``op(a) @ op(b)`` with NumPy's matmul broadcasting over leading (batch) axes.

    ``transa``/``transb`` swap the last two axes of a matrix operand; they do not apply to
    1-D operands, which are treated as NumPy's matmul treats them.
    """

    def __init__(self, transa=False, transb=False):
        self.transa = transa
        self.transb = transb

    def check_type_forward(self, in_types):
        _check_operands(self, in_types)
        a, b = in_types
        ka = a.shape[-2] if self.transa and a.ndim >= 2 else a.shape[-1]
        kb = b.shape[-1] if self.transb and b.ndim >= 2 else b.shape[0 if b.ndim == 1 else -2]
        if ka != kb:
            raise type_check.InvalidType(
                'the contracted axes of a and b to have equal length',
                f'a.shape={a.shape}, b.shape={b.shape} (transa={self.transa}, '
                f'transb={self.transb}): {ka} != {kb}', self.label)
        type_check.expect_broadcastable(self, *(x.shape[:-2] for x in _lift(a, b)))

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        a, b = inputs
        xp = backend.get_array_module(a)
        self._ta = self.transa and a.ndim >= 2
        self._tb = self.transb and b.ndim >= 2
        a2, b2 = _lift(a, b)
        y2 = xp.matmul(a2.swapaxes(-1, -2) if self._ta else a2,
                       b2.swapaxes(-1, -2) if self._tb else b2)
        self._y2_shape = y2.shape
        y = y2
        if b.ndim == 1:
            y = y[..., 0]
        if a.ndim == 1:
            y = y[..., 0, :] if b.ndim > 1 else y[..., 0]
        # not ascontiguousarray: it turns the 0-d result of vector @ vector into shape (1,)
        return (y if y.flags.c_contiguous else y.copy()),

    def backward(self, indexes, grad_outputs):
        from dbr.functions.array.reshape import reshape
        from dbr.functions.math.sum_to import sum_to
        a, b = self.get_retained_inputs()
        ta, tb = self._ta, self._tb
        a2 = reshape(a, (1,) + a.shape) if a.ndim == 1 else a
        b2 = reshape(b, b.shape + (1,)) if b.ndim == 1 else b
        gy = reshape(grad_outputs[0], self._y2_shape)
        ret = []
        for i in indexes:
            if i == 0:
                g = matmul(b2, gy, transa=tb, transb=True) if ta else \
                    matmul(gy, b2, transb=not tb)
                ret.append(reshape(sum_to(g, a2.shape), a.shape))
            else:
                g = matmul(gy, a2, transa=True, transb=ta) if tb else \
                    matmul(a2, gy, transa=not ta)
                ret.append(reshape(sum_to(g, b2.shape), b.shape))
        return tuple(ret)


def matmul(a, b, transa=False, transb=False):
    """Matrix product of ``a`` and ``b`` (NumPy matmul semantics, also ``a @ b``).

    Args:
        a, b: Variables or arrays, 1-D (vectors), 2-D, or batched with broadcasting.
        transa, transb (bool): Transpose the last two axes of ``a`` / ``b`` first.

    Example:
        >>> a = dbr.Variable(numpy.ones((2, 3), 'f')); b = numpy.ones((3, 4), 'f')
        >>> F.matmul(a, b).shape
        (2, 4)
    """
    return Matmul(transa, transb).apply((a, b))[0]
