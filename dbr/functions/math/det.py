"""Determinant of a square matrix."""
from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.math._linalg import lapack_input


class Det(FunctionNode):
    """``det(a)`` of a matrix (``ndim`` 2; :class:`BatchDet` takes a batch of them).

    ``d det(a) = det(a) tr(a^-1 da)``: the gradient is ``gy det(a) a^-T``.
    """

    check_type_forward = type_check.expects(
        'a', "a.dtype.kind == 'f'", 'a.ndim == 2', 'a.shape[-1] == a.shape[-2]')

    def forward(self, inputs):
        self.retain_inputs((0,))
        self.retain_outputs((0,))
        a, = inputs
        xp = backend.get_array_module(a)
        return xp.asarray(xp.linalg.det(lapack_input(a))).astype(a.dtype, copy=False),

    def backward(self, indexes, grad_outputs):
        from dbr.functions.array.reshape import reshape
        from dbr.functions.array.transpose import transpose
        from dbr.functions.math.batch_inv import BatchInv
        from dbr.functions.math.inv import Inv
        a, = self.get_retained_inputs()
        y, = self.get_retained_outputs()
        a_inv, = (Inv() if a.ndim == 2 else BatchInv()).apply((a,))
        scale = reshape(grad_outputs[0] * y, y.shape + (1, 1))
        return scale * transpose(a_inv, tuple(range(a.ndim - 2)) + (a.ndim - 1, a.ndim - 2)),


def det(a):
    """Returns the determinant of the square matrix ``a``, as a 0-d Variable.

    Its gradient needs ``a``'s inverse, so it fails where ``a`` is singular.

    Args:
        a: Variable or array of floats, of shape ``(n, n)``.

    Example:
        >>> F.det(dbr.Variable(numpy.array([[2., 1.], [1., 3.]]))).array
        array(5.)
    """
    return Det().apply((a,))[0]
