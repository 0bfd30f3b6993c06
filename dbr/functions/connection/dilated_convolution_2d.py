"""Two-dimensional dilated convolution (Chainer's name for convolution_2d with ``dilate``)."""
from dbr.functions.connection.convolution_nd import _convolution


def dilated_convolution_2d(x, W, b=None, stride=1, pad=0, dilate=1, cover_all=False):
    """Two-dimensional convolution with a dilated kernel (atrous convolution).

    Kernel tap ``(i, j)`` reads input pixel ``(y * sy + i * dy - ph, x * sx + j * dx - pw)``,
    so a ``k x k`` kernel covers ``(k - 1) * d + 1`` pixels per axis without more weights. The
    same as :func:`convolution_2d` with ``dilate``; note the argument order
    (``dilate`` before ``cover_all``) and that there is no ``groups``.

    Args:
        x: Variable or array ``(N, C, h, w)``.
        W: Weight ``(O, C, kh, kw)``.
        b: Optional bias ``(O,)``.
        stride, pad, dilate: An int or a pair ``(y, x)``.
        cover_all (bool): Round output sizes up, so that every input pixel is covered.

    Returns:
        Variable ``(N, O, out_h, out_w)`` with ``out_h = (h + 2 * ph - ((kh - 1) * dy + 1))
        // sy + 1`` (rounded up with ``cover_all``), and likewise ``out_w``.

    Example:
        >>> x = numpy.zeros((1, 3, 10, 10), 'f'); W = numpy.ones((4, 3, 3, 3), 'f')
        >>> F.dilated_convolution_2d(x, W, dilate=2).shape
        (1, 4, 6, 6)
    """
    return _convolution(x, W, b, stride, pad, cover_all, dilate, 1, 2, 'dilated_convolution_2d')
