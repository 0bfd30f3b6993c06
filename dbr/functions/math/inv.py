"""Inverse of a square matrix."""
import numpy

from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.math._linalg import lapack_input


class Inv(FunctionNode):
    """``y = a^-1`` for a matrix (``ndim`` 2; :class:`BatchInv` takes a batch of them).

    ``d(a^-1) = -a^-1 da a^-1``, so the gradient is ``-y^T gy y^T``, made of matmuls of the
    retained output: differentiable again.
    """

    check_type_forward = type_check.expects(
        'a', "a.dtype.kind == 'f'", 'a.ndim == 2', 'a.shape[-1] == a.shape[-2]')

    def forward(self, inputs):
        self.retain_outputs((0,))
        a, = inputs
        xp = backend.get_array_module(a)
        try:
            y = xp.linalg.inv(lapack_input(a))
        except numpy.linalg.LinAlgError:
            raise ValueError(f'{self.label}: the matrix is singular') from None
        return y.astype(a.dtype, copy=False),

    def backward(self, indexes, grad_outputs):
        from dbr.functions.math.matmul import matmul
        y, = self.get_retained_outputs()
        return -matmul(matmul(y, grad_outputs[0], transa=True), y, transb=True),


def inv(a):
    """Returns the inverse of the square matrix ``a``.

    Args:
        a: Variable or array of floats, of shape ``(n, n)``.

    Raises:
        ValueError: If ``a`` is singular (on the CPU; CuPy returns non-finite values).

    Example:
        >>> F.inv(dbr.Variable(numpy.array([[2., 0.], [0., 4.]]))).array
        array([[0.5 , 0.  ],
               [0.  , 0.25]])
    """
    return Inv().apply((a,))[0]
