"""Two-dimensional deconvolution (the N-dimensional one with two spatial axes)."""
from dbr.functions.connection.deconvolution_nd import _deconvolution


def deconvolution_2d(x, W, b=None, stride=1, pad=0, outsize=None, dilate=1, groups=1):
    """Two-dimensional deconvolution (transposed convolution) of a batch of images.

    The output height is ``stride * (h - 1) + (kh - 1) * dilate + 1 - 2 * pad`` unless
    ``outsize`` gives one that a convolution with the same parameters maps back to ``h``.

    Args:
        x: Variable or array ``(N, C, h, w)``.
        W: Weight ``(C, O / groups, kh, kw)``.
        b: Optional bias ``(O,)``.
        stride, pad, dilate: An int or a pair ``(y, x)``.
        outsize: ``(out_h, out_w)`` or None.
        groups (int): Split the channels into this many independent groups.

    Returns:
        Variable ``(N, O, out_h, out_w)``. On the CPU its array may be a transposed view
        laid out as ``(O, out_h, out_w, N)`` in memory, which the next convolution reads
        without a copy.

    Example:
        >>> x = numpy.zeros((2, 3, 4, 4), 'f'); W = numpy.ones((3, 5, 4, 4), 'f')
        >>> F.deconvolution_2d(x, W, stride=2, pad=1).shape
        (2, 5, 8, 8)
    """
    return _deconvolution(x, W, b, stride, pad, outsize, dilate, groups, 2, 'deconvolution_2d')
