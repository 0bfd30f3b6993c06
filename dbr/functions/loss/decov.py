"""DeCov loss: penalizes the covariance between the features of a hidden layer."""
from dbr import backend
from dbr.functions.loss._covariance import check_matrix, covariance
from dbr.functions.loss._simple_loss import check_reduce


def decov(h, reduce='half_squared_sum'):
    """DeCov loss: half the squared Frobenius norm of the off-diagonal batch covariance.

    With ``C = (h - mean(h))^T (h - mean(h)) / N`` (the biased covariance over the batch axis)
    and its diagonal set to zero, the loss is ``0.5 * sum(C ** 2)``: it decorrelates the
    features without constraining their variances. See `Reducing Overfitting in Deep Networks
    by Decorrelating Representations <https://arxiv.org/abs/1511.06068>`_.

    Args:
        h: Float Variable or array ``(N, M)``, a batch of ``M`` features.
        reduce (str): ``'half_squared_sum'`` for the scalar loss, ``'no'`` for the ``(M, M)``
            covariance matrix with a zero diagonal.

    Returns:
        Variable: A scalar, or ``(M, M)`` for ``reduce='no'``.

    Example:
        >>> h = numpy.array([[1., 2.], [3., 4.], [5., 0.]], 'f')
        >>> F.decov(h, reduce='no').array
        array([[ 0.       , -1.3333334],
               [-1.3333334,  0.       ]], dtype=float32)
        >>> float(F.decov(h).array)
        1.777777910232544
    """
    label = 'decov'
    check_reduce(label, reduce, ('half_squared_sum', 'no'))
    check_matrix(label, 'h', h)
    c = covariance(h, h)
    m = h.shape[1]
    xp = backend.get_array_module(getattr(h, 'array', h))
    c = c * (1 - xp.eye(m, dtype=h.dtype))
    if reduce == 'no':
        return c
    from dbr.functions.math.sum import sum as sum_
    return sum_(c * c) * 0.5
