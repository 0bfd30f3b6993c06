"""Bilinear and nearest-neighbour image resizing.

Both modes are separable and linear: resizing is ``y = A_h @ x @ A_w.T`` with small
interpolation matrices ``A`` of shape ``(out, in)`` (two non-zeros per row for bilinear, one for
nearest). Two BLAS matrix products beat gathering the taps with fancy indexing at common sizes,
and the gradient is the same products with the matrices transposed — exactly the adjoint.
"""
import functools

import numpy

from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode

_MODES = ('bilinear', 'nearest')


@functools.lru_cache(maxsize=256)
def _interpolation_matrix(in_size, out_size, mode, align_corners, dtype):
    """Host ``(out_size, in_size)`` matrix whose row ``i`` weights the inputs of output ``i``."""
    rows = numpy.arange(out_size)
    scale = in_size / out_size
    if mode == 'nearest':
        pos = numpy.minimum(numpy.floor(rows * scale), in_size - 1)
    elif align_corners:
        # Output corners sit exactly on input corners.
        pos = numpy.linspace(0, in_size - 1, out_size)
    else:
        # Pixel centres are aligned (OpenCV's convention), clamped at the first pixel.
        pos = numpy.maximum((rows + 0.5) * scale - 0.5, 0)
    lo = numpy.floor(pos).astype(numpy.intp)
    frac = pos - lo
    hi = numpy.minimum(lo + 1, in_size - 1)
    m = numpy.zeros((out_size, in_size))
    m[rows, lo] = 1 - frac
    m[rows, hi] += frac
    return m.astype(dtype)


def _matrices(in_hw, out_hw, mode, align_corners, dtype, xp):
    a_h = _interpolation_matrix(in_hw[0], out_hw[0], mode, align_corners, dtype)
    a_w = _interpolation_matrix(in_hw[1], out_hw[1], mode, align_corners, dtype)
    return xp.asarray(a_h), xp.asarray(a_w)


def _sandwich(left, x, right, xp):
    """``left @ x @ right`` over the last two axes of ``x``, in the cheaper order."""
    (p, h), (w, q) = left.shape, right.shape
    if h * w * q + p * h * q <= p * h * w + p * w * q:
        return xp.matmul(left, xp.matmul(x, right))
    return xp.matmul(xp.matmul(left, x), right)


class ResizeImages(FunctionNode):
    """Resizes the two spatial axes of ``(n, c, h, w)`` to ``out_hw``."""

    check_type_forward = type_check.expects('x', "x.dtype.kind == 'f'", 'x.ndim == 4',
                                            'x.shape[2] * x.shape[3] > 0')

    def __init__(self, out_hw, mode, align_corners):
        self.out_hw = out_hw
        self.mode = mode
        self.align_corners = align_corners

    def forward(self, inputs):
        x, = inputs
        xp = backend.get_array_module(x)
        self._in_hw = x.shape[2:]
        a_h, a_w = _matrices(self._in_hw, self.out_hw, self.mode, self.align_corners, x.dtype,
                             xp)
        return _sandwich(a_h, x, a_w.T, xp),

    def backward(self, indexes, grad_outputs):
        return ResizeImagesGrad(self._in_hw, self.out_hw, self.mode,
                                self.align_corners).apply(grad_outputs)


class ResizeImagesGrad(FunctionNode):
    """The adjoint of :class:`ResizeImages`: ``A_h.T @ gy @ A_w``."""

    def __init__(self, in_hw, out_hw, mode, align_corners):
        self.in_hw = in_hw
        self.out_hw = out_hw
        self.mode = mode
        self.align_corners = align_corners

    def forward(self, inputs):
        gy, = inputs
        xp = backend.get_array_module(gy)
        a_h, a_w = _matrices(self.in_hw, self.out_hw, self.mode, self.align_corners, gy.dtype,
                             xp)
        return _sandwich(a_h.T, gy, a_w, xp),

    def backward(self, indexes, grad_outputs):
        return ResizeImages(self.out_hw, self.mode, self.align_corners).apply(grad_outputs)


def resize_images(x, output_shape, *, mode='bilinear', align_corners=True):
    """Resizes images ``(n, c, h, w)`` to ``(n, c, h_out, w_out)``.

    Args:
        x: Variable or array of shape ``(n, c, h, w)``.
        output_shape (pair of ints): ``(h_out, w_out)`` (height first, unlike OpenCV).
        mode (str): ``'bilinear'`` or ``'nearest'``. Nearest takes input pixel
            ``floor(i * h / h_out)`` for output row ``i`` (likewise for columns).
        align_corners (bool): For bilinear: if True, the corner pixels of input and output
            coincide (output row ``i`` samples ``i * (h - 1) / (h_out - 1)``); if False, pixel
            centres are aligned as in OpenCV (``(i + 0.5) * h / h_out - 0.5``, clamped at 0).

    Example:
        >>> x = numpy.array([[[[0., 1.], [2., 3.]]]], 'f')
        >>> F.resize_images(x, (3, 3)).array
        array([[[[0. , 0.5, 1. ],
                 [1. , 1.5, 2. ],
                 [2. , 2.5, 3. ]]]], dtype=float32)
    """
    if mode not in _MODES:
        raise ValueError(f"resize_images: mode must be 'bilinear' or 'nearest', got {mode!r}")
    try:
        out_hw = tuple(int(v) for v in output_shape)
    except TypeError:
        out_hw = ()
    if len(out_hw) != 2 or min(out_hw) < 1:
        raise ValueError(f'resize_images: output_shape must be a pair of positive ints '
                         f'(h_out, w_out), got {output_shape!r}')
    return ResizeImages(out_hw, mode, bool(align_corners)).apply((x,))[0]
