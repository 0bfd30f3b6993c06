"""Determinants of a batch of square matrices."""
from dbr import type_check
from dbr.functions.math.det import Det


class BatchDet(Det):
    """``y[i] = det(a[i])`` for ``a`` of shape ``(N, n, n)``; the gradient is :class:`Det`'s."""

    check_type_forward = type_check.expects(
        'a', "a.dtype.kind == 'f'", 'a.ndim == 3', 'a.shape[-1] == a.shape[-2]')


def batch_det(a):
    """Returns the determinants of a batch of square matrices, of shape ``(N,)``.

    Its gradient needs the inverses, so it fails where a matrix is singular.

    Args:
        a: Variable or array of floats, of shape ``(N, n, n)``.

    Example:
        >>> a = numpy.stack([numpy.eye(2) * 2, numpy.eye(2) * 3])
        >>> F.batch_det(dbr.Variable(a)).array
        array([4., 9.])
    """
    return BatchDet().apply((a,))[0]
