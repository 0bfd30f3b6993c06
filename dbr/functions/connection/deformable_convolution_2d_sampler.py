"""Deformable 2-D convolution: bilinear samples at offset kernel taps, then one GEMM."""
import numpy

from dbr import backend
from dbr import type_check
from dbr.functions.connection import _im2col

_LABEL = 'deformable_convolution_2d_sampler'


def _check(x, offset, W, b, stride, pad):
    """Validates the inputs; returns ``(stride, pad, out_size)``."""
    for name, a in (('x', x), ('offset', offset), ('W', W)):
        if a.ndim != 4:
            raise type_check.InvalidType(f'{name}.ndim == 4', f'{name}.shape={tuple(a.shape)}',
                                         _LABEL)
    if x.dtype.kind != 'f':
        raise type_check.InvalidType("x.dtype.kind == 'f'", f'x.dtype={x.dtype}', _LABEL)
    for name, a in (('offset', offset), ('W', W), ('b', b)):
        if a is not None and a.dtype != x.dtype:
            raise type_check.InvalidType(f'{name}.dtype == x.dtype',
                                         f'{name}.dtype={a.dtype}, x.dtype={x.dtype}', _LABEL)
    if W.shape[1] != x.shape[1]:
        raise type_check.InvalidType('W.shape[1] == x.shape[1]', f'W.shape={tuple(W.shape)}, '
                                     f'x.shape={tuple(x.shape)}', _LABEL)
    if b is not None and tuple(b.shape) != (W.shape[0],):
        raise type_check.InvalidType('b.shape == (W.shape[0],)', f'b.shape={tuple(b.shape)}, '
                                     f'W.shape={tuple(W.shape)}', _LABEL)
    stride = _im2col.as_tuple(stride, 2, 'stride', _LABEL, 1)
    pad = _im2col.as_tuple(pad, 2, 'pad', _LABEL, 0)
    kh, kw = W.shape[2:]
    out_size = tuple(_im2col.get_conv_outsize(s, k, st, p)
                     for s, k, st, p in zip(x.shape[2:], (kh, kw), stride, pad))
    if min(out_size) < 1:
        raise ValueError(f'{_LABEL}: the kernel {(kh, kw)} (W.shape={tuple(W.shape)}) does not '
                         f'fit the input x.shape={tuple(x.shape)} with pad={pad}')
    want = (x.shape[0], 2 * kh * kw) + out_size
    if tuple(offset.shape) != want:
        raise type_check.InvalidType(
            'offset.shape == (x.shape[0], 2 * kh * kw, out_h, out_w)',
            f'offset.shape={tuple(offset.shape)}, expected {want} for x.shape='
            f'{tuple(x.shape)}, W.shape={tuple(W.shape)}, stride={stride}, pad={pad}', _LABEL)
    return stride, pad, out_size


def _corners(offset, ksize, stride, pad, image_size):
    """Where every sample falls, from the offsets' values (so without gradient).

    Returns the integer-valued ``floor`` of each sample's position minus its grid position,
    for ``y`` and ``x`` (``(n, out_h, out_w, kh * kw)``, to turn the offsets into the
    fractional parts), the flat pixel index of its four neighbours ``(4, n, out_h, out_w,
    kh * kw)`` in ``(n * h * w)`` order, and their validity (a neighbour outside the image
    reads 0, like the zero padding) as 0/1 in the offsets' dtype.
    """
    xp = backend.get_array_module(offset)
    n, k2, out_h, out_w = offset.shape
    kh, kw = ksize
    h, w = image_size
    kk = k2 // 2
    # Offset channels [0, kh*kw) move samples along x, [kh*kw, 2*kh*kw) along y; kernel
    # position k is (k // kw, k % kw), as in Chainer.
    base_y = ((xp.arange(out_h) * stride[0] - pad[0])[:, None, None]
              + xp.repeat(xp.arange(kh), kw)).astype(offset.dtype)
    base_x = ((xp.arange(out_w) * stride[1] - pad[1])[None, :, None]
              + xp.tile(xp.arange(kw), kh)).astype(offset.dtype)
    off = offset.transpose(0, 2, 3, 1)
    y0 = xp.floor(off[..., kk:] + base_y)
    x0 = xp.floor(off[..., :kk] + base_x)
    shift_y = base_y - y0
    shift_x = base_x - x0
    y0 = y0.astype(numpy.intp)
    x0 = x0.astype(numpy.intp)
    batch = (xp.arange(n) * (h * w))[:, None, None, None]
    index, valid = [], []
    for yk in (y0, y0 + 1):
        y_ok = (yk >= 0) & (yk < h)
        row = batch + xp.clip(yk, 0, h - 1) * w
        for xk in (x0, x0 + 1):
            index.append(row + xp.clip(xk, 0, w - 1))
            valid.append(y_ok & (xk >= 0) & (xk < w))
    return shift_y, shift_x, xp.stack(index), xp.stack(valid).astype(offset.dtype)


def deformable_convolution_2d_sampler(x, offset, W, b=None, stride=1, pad=0):
    """Two-dimensional deformable convolution with given sampling offsets.

    Kernel tap ``(i, j)`` of output pixel ``(p, q)`` reads the input at
    ``(p * sy - ph + i + dy, q * sx - pw + j + dx)``, interpolated bilinearly (points outside
    the image read zeros, as the zero padding does), where ``dx = offset[:, i * kw + j, p, q]``
    and ``dy = offset[:, kh * kw + i * kw + j, p, q]``: the first ``kh * kw`` offset channels
    are horizontal, the last ``kh * kw`` vertical. With zero offsets this is
    :func:`convolution_2d`. The samples are gathered into a column matrix multiplied by ``W``
    in one GEMM; everything is made of dbr functions, so it is differentiable twice in ``x``,
    ``offset``, ``W`` and ``b`` (the offsets' gradient is one-sided where a sample sits exactly
    on a pixel row or column, where bilinear interpolation has a kink).

    Args:
        x: Input ``(n, c, h, w)``.
        offset: Offsets ``(n, 2 * kh * kw, out_h, out_w)``, same dtype as ``x``, with
            ``out_h = (h + 2 * ph - kh) // sy + 1`` and likewise ``out_w``.
        W: Weight ``(out_c, c, kh, kw)``.
        b: Optional bias ``(out_c,)``.
        stride (int or pair of ints): Stride ``(sy, sx)``.
        pad (int or pair of ints): Zero padding ``(ph, pw)``.

    Returns:
        Variable ``(n, out_c, out_h, out_w)``.

    Example:
        >>> x = numpy.ones((2, 3, 4, 7), 'f'); W = numpy.ones((4, 3, 3, 3), 'f')
        >>> offset = numpy.full((2, 18, 2, 5), 0.5, 'f')
        >>> F.deformable_convolution_2d_sampler(x, offset, W).shape
        (2, 4, 2, 5)
    """
    from dbr.functions.array.reshape import reshape
    from dbr.functions.array.stack import stack
    from dbr.functions.array.transpose import transpose
    from dbr.functions.connection.embed_id import embed_id
    from dbr.functions.connection.linear import linear
    from dbr.functions.math.sum import sum as sum_
    from dbr.variable import as_variable
    x, offset, W = as_variable(x), as_variable(offset), as_variable(W)
    stride, pad, (out_h, out_w) = _check(x, offset, W, b, stride, pad)
    n, c, h, w = x.shape
    out_c, _, kh, kw = W.shape
    kk = kh * kw
    shift_y, shift_x, index, valid = _corners(offset.array, (kh, kw), stride, pad, (h, w))
    off = transpose(offset, (0, 2, 3, 1))
    # Fractional parts of the sample positions, differentiable in the offsets.
    fy = off[..., kk:] + shift_y
    fx = off[..., :kk] + shift_x
    gy, gx = 1 - fy, 1 - fx
    weights = stack([gy * gx, gy * fx, fy * gx, fy * fx]) * valid
    # Pixels as rows (n * h * w, c): one gather reads all four neighbours of every sample.
    rows = reshape(transpose(x, (0, 2, 3, 1)), (n * h * w, c))
    samples = embed_id(index, rows)
    col = sum_(samples * weights[..., None], axis=0)
    # col is (n, out_h, out_w, kh*kw, c): W is permuted to match instead of the larger col.
    Wm = reshape(transpose(W, (0, 2, 3, 1)), (out_c, kk * c))
    y = linear(reshape(col, (n * out_h * out_w, kk * c)), Wm, b)
    return transpose(reshape(y, (n, out_h, out_w, out_c)), (0, 3, 1, 2))
