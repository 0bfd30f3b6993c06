"""Two-dimensional convolution (the N-dimensional one with two spatial axes)."""
from dbr.functions.connection.convolution_nd import _convolution


def convolution_2d(x, W, b=None, stride=1, pad=0, cover_all=False, dilate=1, groups=1):
    """Two-dimensional convolution (cross-correlation) of a batch of images.

    The output height is ``(h + 2 * pad - dk) // stride + 1`` with ``dk = (k - 1) * dilate + 1``
    (rounded up instead when ``cover_all`` is True), and likewise the width.

    Args:
        x: Variable or array ``(N, C, h, w)``.
        W: Weight ``(O, C / groups, kh, kw)``.
        b: Optional bias ``(O,)``.
        stride, pad, dilate: An int or a pair ``(y, x)``.
        cover_all (bool): Round output sizes up, so that every input pixel is covered.
        groups (int): Split the channels into this many independent groups.

    Returns:
        Variable ``(N, O, out_h, out_w)``. On the CPU its array may be a transposed view
        laid out as ``(O, out_h, out_w, N)`` in memory, which the next convolution reads
        without a copy.

    Example:
        >>> x = numpy.zeros((64, 1, 28, 28), 'f'); W = numpy.ones((20, 1, 5, 5), 'f')
        >>> F.convolution_2d(x, W, numpy.zeros(20, 'f')).shape
        (64, 20, 24, 24)
    """
    return _convolution(x, W, b, stride, pad, cover_all, dilate, groups, 2, 'convolution_2d')
