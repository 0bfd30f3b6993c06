"""Shift: a zero-FLOP, zero-parameter replacement of spatial convolution."""
from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


class Shift(FunctionNode):
    """Shifts each channel group of an ``(n, c, h, w)`` input by its own spatial offset."""

    def __init__(self, ksize=3, dilate=1):
        self.kh, self.kw = (int(k) for k in _pair(ksize))
        self.dy, self.dx = (int(d) for d in _pair(dilate))
        if self.kh < 1 or self.kw < 1 or self.kh % 2 != 1 or self.kw % 2 != 1:
            raise ValueError(f'shift: ksize must be odd and positive, got '
                             f'{(self.kh, self.kw)}')

    check_type_forward = type_check.expects(
        'x', "x.dtype.kind == 'f'", 'x.ndim == 4', 'x.shape[1] >= self.kh * self.kw')

    def forward(self, inputs):
        x, = inputs
        xp = backend.get_array_module(x)
        c, h, w = x.shape[1:]
        kh, kw, dy, dx = self.kh, self.kw, self.dy, self.dx
        n_groups = kh * kw
        size = c // n_groups
        center = (n_groups - 1) // 2
        y = xp.zeros_like(x)
        for i in range(n_groups):
            # Group slots `center` and the last one trade offsets so that the unshifted
            # (centre) offset goes to the last slot, which also takes the leftover channels.
            g = n_groups - 1 if i == center else center if i == n_groups - 1 else i
            sy = (g // kw - kh // 2) * dy
            sx = (g % kw - kw // 2) * dx
            cs = slice(i * size, (i + 1) * size if i < n_groups - 1 else c)
            # y[.., r, q] = x[.., r - sy, q - sx], zero where that falls outside the image
            if abs(sy) >= h or abs(sx) >= w:
                continue
            y[:, cs, max(sy, 0):h + min(sy, 0), max(sx, 0):w + min(sx, 0)] = \
                x[:, cs, max(-sy, 0):h + min(-sy, 0), max(-sx, 0):w + min(-sx, 0)]
        return y,

    def backward(self, indexes, grad_outputs):
        # The adjoint of a zero-filled shift is the opposite shift.
        return Shift((self.kh, self.kw), (-self.dy, -self.dx)).apply(grad_outputs)


def shift(x, ksize=3, dilate=1):
    """Shift operation of "Shift: A Zero FLOP, Zero Parameter Alternative to Spatial
    Convolutions" (Wu et al., 2017).

    The channels are split into ``kh * kw`` groups of ``c // (kh * kw)`` channels; each group
    is moved spatially by one offset of the ``kh x kw`` kernel grid (times ``dilate``),
    filling vacated pixels with zeros. The unshifted centre offset goes to the last group,
    which also takes the ``c % (kh * kw)`` leftover channels.

    Args:
        x: Variable or array of shape ``(n, c, h, w)`` with ``c >= kh * kw``.
        ksize (int or pair of ints): Kernel size ``(kh, kw)``; both must be odd.
        dilate (int or pair of ints): Distance between kernel positions ``(dy, dx)``.

    Returns:
        Variable: The shifted array, of the shape of ``x``.

    Example:
        >>> x = numpy.arange(9 * 9, dtype='f').reshape(1, 9, 3, 3)
        >>> F.shift(x, ksize=3).shape
        (1, 9, 3, 3)
    """
    return Shift(ksize, dilate).apply((x,))[0]
