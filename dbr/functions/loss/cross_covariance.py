"""Cross-covariance penalty between two batches of features."""
from dbr import type_check
from dbr.functions.loss._covariance import check_matrix, covariance
from dbr.functions.loss._simple_loss import check_reduce


def cross_covariance(y, z, reduce='half_squared_sum'):
    """Half the squared Frobenius norm of the batch cross-covariance of ``y`` and ``z``.

    With ``C = (y - mean(y))^T (z - mean(z)) / N`` (means and the biased covariance over the
    batch axis), the loss is ``0.5 * sum(C ** 2)``; minimizing it makes the features of ``y``
    uncorrelated with those of ``z`` (used to disentangle factors, see
    `Discovering Hidden Factors of Variation in Deep Networks
    <https://arxiv.org/abs/1412.6583>`_).

    Args:
        y: Float Variable or array ``(N, M)``.
        z: Variable or array ``(N, K)`` of ``y``'s dtype.
        reduce (str): ``'half_squared_sum'`` for the scalar loss, ``'no'`` for the ``(M, K)``
            cross-covariance matrix.

    Returns:
        Variable: A scalar, or ``(M, K)`` for ``reduce='no'``.

    Example:
        >>> y = numpy.array([[1., 0.], [3., 2.]], 'f')
        >>> z = numpy.array([[2.], [0.]], 'f')
        >>> F.cross_covariance(y, z, reduce='no').array
        array([[-1.],
               [-1.]], dtype=float32)
        >>> float(F.cross_covariance(y, z).array)
        1.0
    """
    label = 'cross_covariance'
    check_reduce(label, reduce, ('half_squared_sum', 'no'))
    check_matrix(label, 'y', y)
    check_matrix(label, 'z', z)
    if y.shape[0] != z.shape[0] or y.dtype != z.dtype:
        raise type_check.InvalidType(
            'y and z with the same batch size and dtype',
            f'y.shape={tuple(y.shape)}, y.dtype={y.dtype}, z.shape={tuple(z.shape)}, '
            f'z.dtype={z.dtype}', label)
    c = covariance(y, z)
    if reduce == 'no':
        return c
    from dbr.functions.math.sum import sum as sum_
    return sum_(c * c) * 0.5
