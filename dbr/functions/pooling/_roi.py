"""What the ROI pooling and align functions share: argument checks, bin geometry, and the two
linear operators (with their transposes) that every one of them reduces to.

Each ROI is cut into an ``outh x outw`` grid of bins. Along one axis the bins of all ROIs are
described by small tables of shape ``(R, out, ...)``, computed in float64 with one vectorized
expression per table, so no Python loop runs over ROIs or bins.

* Averages (``roi_average_pooling_2d``, ``roi_average_align_2d``) are separable: the weight of
  input pixel ``(h, w)`` in bin ``(p, q)`` of ROI ``r`` is ``rows[r, p, h] * cols[r, q, w]``.
  :class:`SeparableROI` applies that as one GEMM over the stacked batch (the row weights are
  placed in the column block of the ROI's image) and one batched GEMM per ROI for the columns.
* Maxima (``roi_max_pooling_2d``, ``roi_pooling_2d``, ``roi_max_align_2d``) choose, per output
  element, a few input elements and weights (one pixel, or the four corners of a bilinear
  sample). :class:`GatherROI` reads them through flat indices; its transpose
  :class:`ScatterROI` adds gradients back with ``add.at``.
"""
import numbers

import numpy

from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode

# The (x, rois, roi_indices) form of roi_max_pooling_2d, roi_average_pooling_2d and the aligns.
check_indexed_rois = type_check.expects(
    'x, rois, roi_indices', "x.dtype.kind == 'f'", 'x.ndim == 4',
    'x.shape[2] > 0 and x.shape[3] > 0', "rois.dtype.kind == 'f'", 'rois.ndim == 2',
    'rois.shape[1] == 4', "roi_indices.dtype.kind in 'iu'", 'roi_indices.ndim == 1',
    'roi_indices.shape[0] == rois.shape[0]')


def _positive_int(value):
    return (not isinstance(value, bool) and isinstance(value, numbers.Integral)
            and value > 0)


def check_pair(value, name, label, allow_none=False):
    """``value`` (a positive int or a pair of them; None where allowed) as a pair."""
    pair = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(pair) != 2 or not all(_positive_int(v) or (allow_none and v is None) for v in pair):
        what = 'a positive int' + (' or None' if allow_none else '')
        raise ValueError(f'{label}: {name} must be {what}, or a pair of them; got {value!r}')
    return tuple(None if v is None else int(v) for v in pair)


def check_spatial_scale(value, label):
    """``spatial_scale`` as a positive float."""
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not value > 0 or not numpy.isfinite(value)):
        raise ValueError(f'{label}: spatial_scale must be a positive number, got {value!r}')
    return float(value)


def check_batch_indices(indices, batch, label, name='roi_indices'):
    """Raises unless every ROI's image index lies in ``[0, batch)`` (one host sync)."""
    if indices.size == 0:
        return
    lo, hi = int(indices.min()), int(indices.max())
    if lo < 0 or hi >= batch:
        raise ValueError(f'{label}: {name} must lie in [0, {batch}) (the batch size of x), '
                         f'got values in [{lo}, {hi}]')


def round_half_away(v, xp):
    """Rounds to the nearest integer, halves away from zero (C's ``round``)."""
    return xp.copysign(xp.floor(xp.abs(v) + 0.5), v)


class IndexedROI:
    """Mixin (before :class:`SeparableROI` or :class:`GatherROI`) of the functions of
    ``(x, rois, roi_indices)``: their parameters, type check and boxes.

    ``rounded`` says whether the box edges snap to whole pixels (the poolings) or not (the
    aligns).
    """

    check_type_forward = check_indexed_rois
    rounded = False

    def __init__(self, outsize, spatial_scale, sampling_ratio=None):
        super().__init__()
        self.outsize = outsize
        self.spatial_scale = spatial_scale
        self.sampling_ratio = sampling_ratio

    def boxes(self, inputs):
        """``(x, indices, box, xp)``: the inputs with checked image indices, and the boxes
        ``(y_min, x_min, y_max, x_max)`` in ``x``'s pixels (float64, ``(R, 4)``)."""
        x, rois, indices = inputs
        xp = backend.get_array_module(x)
        check_batch_indices(indices, x.shape[0], self.label)
        box = rois.astype(numpy.float64) * self.spatial_scale
        if self.rounded:
            box = round_half_away(box, xp)
        return x, indices, box, xp


def apply_indexed(node_class, inputs, outsize, spatial_scale, *sampling_ratio):
    """Checks the parameters of the :class:`IndexedROI` ``node_class`` (``sampling_ratio`` only
    for the aligns) and applies it to ``inputs = (x, rois, roi_indices)``."""
    label = node_class.label
    params = [check_pair(outsize, 'outsize', label), check_spatial_scale(spatial_scale, label)]
    params += [check_pair(r, 'sampling_ratio', label, allow_none=True) for r in sampling_ratio]
    return node_class(*params).apply(inputs)[0]


def quantized_bins(start, end, out, size, xp):
    """Integer bin edges ``[lo, hi)`` of shape ``(R, out)``, clipped to ``[0, size]``.

    ``start`` and ``end`` are the ROIs' integer edges (float64, shape ``(R,)``); an ROI shorter
    than one pixel counts as one. Bin ``p`` covers ``[floor(p * b), ceil((p + 1) * b))`` past
    ``start``, with ``b = length / out``, so neighbouring bins may share a pixel and a bin may
    be empty once clipped.
    """
    bin_size = (xp.maximum(end - start, 1.0) / out)[:, None]
    p = xp.arange(out, dtype=numpy.float64)
    lo = xp.floor(p * bin_size) + start[:, None]
    hi = xp.ceil((p + 1) * bin_size) + start[:, None]
    return (xp.clip(lo, 0, size).astype(numpy.intp), xp.clip(hi, 0, size).astype(numpy.intp))


def align_samples(start, end, out, size, ratio, xp):
    """Bilinear sample points of ROI align along one axis.

    Each bin of an ROI from ``start`` to ``end`` (float64, ``(R,)``, an ROI shorter than one
    pixel counting as one) holds ``g`` evenly spaced samples: ``ratio``, or
    ``ceil(length / out)`` per ROI when ``ratio`` is None. Tables have shape ``(R, out, G)``
    with ``G`` the largest ``g``; samples past an ROI's own ``g`` are invalid. A sample farther
    than one pixel outside ``[0, size]`` is invalid too; the others are clamped into the input
    and read from pixels ``low`` and ``high`` with weights ``1 - frac`` and ``frac``.

    Returns:
        ``(low, high, frac, valid, g)``: intp, intp, float64 and bool tables, and the float64
        number of samples per bin of each ROI, shape ``(R, 1, 1)``.
    """
    length = xp.maximum(end - start, 1.0)
    bin_size = length / out
    if ratio is None:
        g = xp.ceil(bin_size)
        n = int(g.max()) if g.size else 1
    else:
        g = xp.full(bin_size.shape, float(ratio))
        n = ratio
    bin_size = bin_size[:, None, None]
    g = g[:, None, None]
    p = xp.arange(out, dtype=numpy.float64)[:, None]
    i = xp.arange(n, dtype=numpy.float64)
    pos = start[:, None, None] + p * bin_size + (i + 0.5) * (bin_size / g)
    valid = (i < g) & (pos >= -1.0) & (pos <= size)
    pos = xp.maximum(pos, 0.0)
    low = xp.floor(pos)
    top = low >= size - 1
    low = xp.where(top, size - 1.0, low)
    frac = xp.where(top, 0.0, pos - low)
    low = low.astype(numpy.intp)
    return low, xp.where(top, low, low + 1), frac, valid, g


def sample_weights(low, high, frac, size, xp):
    """Dense interpolation weights of each sample over the ``size`` pixels of its axis:
    ``low.shape + (size,)``."""
    cells = xp.arange(size)
    return ((1 - frac)[..., None] * (low[..., None] == cells)
            + frac[..., None] * (high[..., None] == cells))


def sample_profile(low, high, frac, valid, g, size, xp):
    """Dense ``(R, out, size)`` weights of the mean over a bin's samples along one axis."""
    return ((valid / g)[..., None] * sample_weights(low, high, frac, size, xp)).sum(axis=2)


def box_profile(lo, hi, size, xp):
    """Dense ``(R, out, size)`` weights of the mean over each integer bin ``[lo, hi)``."""
    cells = xp.arange(size)
    inside = (lo[..., None] <= cells) & (cells < hi[..., None])
    return inside / xp.maximum(hi - lo, 1)[..., None]


def batched_rows(rows, indices, batch, dtype, xp):
    """``rows (R, P, H)`` placed in the column block of each ROI's image: ``(R, P, B * H)``."""
    r, p, h = rows.shape
    own = indices.astype(numpy.intp)[:, None, None, None] == xp.arange(batch)[:, None]
    return (rows[:, :, None, :] * own).reshape(r, p, batch * h).astype(dtype, copy=False)


def separable(x, rows, cols, xp):
    """``y[r, c, p, q] = sum over h, w of rows[r, p, i_r * H + h] * cols[r, q, w] *
    x[i_r, c, h, w]`` for batched ``rows`` (:func:`batched_rows`); a transposed view."""
    b, c, h, w = x.shape
    r, p = rows.shape[:2]
    q = cols.shape[1]
    # Rows first, for all ROIs at once against the stacked batch; then each ROI's columns.
    t = rows.reshape(r * p, b * h) @ x.transpose(0, 2, 1, 3).reshape(b * h, c * w)
    y = xp.matmul(t.reshape(r, p * c, w), cols.transpose(0, 2, 1))
    return y.reshape(r, p, c, q).transpose(0, 2, 1, 3)


class SeparableROI(FunctionNode):
    """``y[r, c, p, q] = sum over h, w of rows[r, p, h] * cols[r, q, w] * x[i_r, c, h, w]``.

    ``rows`` is given already batched (:func:`batched_rows`), ``cols`` as ``(R, Q, W)``, both
    of ``x``'s dtype. Subclasses that take the ROIs as inputs compute both tables in
    :meth:`tables`; the transpose is :class:`SeparableROIGrad`.
    """

    def __init__(self, rows=None, cols=None):
        self.rows = rows
        self.cols = cols

    def tables(self, inputs):
        """Returns ``(rows, cols)`` for the ROIs among ``inputs`` (subclasses)."""
        raise NotImplementedError

    def forward(self, inputs):
        x = inputs[0]
        if self.rows is None:
            self.rows, self.cols = self.tables(inputs)
        self._x_shape = x.shape
        xp = backend.get_array_module(x)
        return xp.ascontiguousarray(separable(x, self.rows, self.cols, xp)),

    def backward(self, indexes, grad_outputs):
        gx, = SeparableROIGrad(self.rows, self.cols, self._x_shape).apply(grad_outputs)
        return (gx,) + (None,) * (len(self.inputs) - 1)


class SeparableROIGrad(FunctionNode):
    """The transpose of :class:`SeparableROI`: spreads each bin's gradient over its pixels."""

    def __init__(self, rows, cols, x_shape):
        self.rows = rows
        self.cols = cols
        self.x_shape = x_shape

    def forward(self, inputs):
        gy, = inputs
        xp = backend.get_array_module(gy)
        b, c, h, w = self.x_shape
        r, c, p, q = gy.shape
        t = xp.matmul(gy.transpose(0, 2, 1, 3).reshape(r, p * c, q), self.cols)
        gx = self.rows.reshape(r * p, b * h).T @ t.reshape(r * p, c * w)
        return xp.ascontiguousarray(gx.reshape(b, h, c, w).transpose(0, 2, 1, 3)),

    def backward(self, indexes, grad_outputs):
        return SeparableROI(self.rows, self.cols).apply(grad_outputs)


class GatherROI(FunctionNode):
    """``y = sum over k of weights[k] * x.flat[positions[k]]``: each output element reads a few
    fixed input elements (``positions`` and ``weights`` of shape ``(K,) + y.shape``).

    Subclasses that take the ROIs as inputs find the positions (and the output) in
    :meth:`select`; the transpose is :class:`ScatterROI`.
    """

    def __init__(self, positions=None, weights=None):
        self.positions = positions
        self.weights = weights

    def select(self, inputs):
        """Returns ``(positions, weights, y)`` for the ROIs among ``inputs`` (subclasses)."""
        raise NotImplementedError

    def forward(self, inputs):
        x = inputs[0]
        self._x_shape = x.shape
        if self.positions is None:
            self.positions, self.weights, y = self.select(inputs)
            return y,
        picked = x.reshape(-1)[self.positions]
        return (picked * self.weights).sum(axis=0),

    def backward(self, indexes, grad_outputs):
        gx, = ScatterROI(self.positions, self.weights, self._x_shape).apply(grad_outputs)
        return (gx,) + (None,) * (len(self.inputs) - 1)


class ScatterROI(FunctionNode):
    """The transpose of :class:`GatherROI`: adds ``weights[k] * gy`` at ``positions[k]``."""

    def __init__(self, positions, weights, x_shape):
        self.positions = positions
        self.weights = weights
        self.x_shape = x_shape

    def forward(self, inputs):
        gy, = inputs
        xp = backend.get_array_module(gy)
        gx = xp.zeros(int(numpy.prod(self.x_shape)), gy.dtype)
        xp.add.at(gx, self.positions.reshape(-1), (self.weights * gy).reshape(-1))
        return gx.reshape(self.x_shape),

    def backward(self, indexes, grad_outputs):
        return GatherROI(self.positions, self.weights).apply(grad_outputs)


def channel_offsets(indices, shape, xp):
    """Flat offset of channel ``c`` of ROI ``r``'s image in ``x``: shape ``(R, C, 1, 1)``."""
    _, c, h, w = shape
    first = indices.astype(numpy.intp)[:, None, None, None] * (c * h * w)
    return first + xp.arange(c)[:, None, None] * (h * w)


def bin_max(x, indices, top, left, bottom, right, outsize, xp):
    """Max over the integer bins of each ROI, for :class:`GatherROI`.

    ``top``, ``left``, ``bottom``, ``right`` (float64, ``(R,)``) are the ROIs' integer edges,
    bottom and right exclusive. The maximum is searched offset by offset inside the largest
    bin, all bins at once; a bin smaller than that reads its last row or column again, which
    never displaces the first maximal element (row-major) that is kept. An empty bin gives 0
    and no gradient.

    Returns:
        ``(positions, weights, y)`` with ``positions`` and ``weights`` of shape
        ``(1,) + y.shape``.
    """
    _, _, h, w = x.shape
    hlo, hhi = quantized_bins(top, bottom, outsize[0], h, xp)
    wlo, whi = quantized_bins(left, right, outsize[1], w, xp)
    filled = ((hhi > hlo)[:, None, :, None]) & ((whi > wlo)[:, None, None, :])
    # An empty bin reads one pixel inside the image, however often, and is zeroed below.
    last_row = xp.maximum(hhi - hlo - 1, 0)[:, None, :, None]
    last_col = xp.maximum(whi - wlo - 1, 0)[:, None, None, :]
    base = (channel_offsets(indices, x.shape, xp)
            + (xp.minimum(hlo, h - 1) * w)[:, None, :, None]
            + xp.minimum(wlo, w - 1)[:, None, None, :])
    flat = x.reshape(-1)
    best = flat[base]
    step = xp.zeros(base.shape, numpy.int32)
    n_rows = int(last_row.max()) + 1 if last_row.size else 0
    n_cols = int(last_col.max()) + 1 if last_col.size else 0
    for i in range(n_rows):
        row = xp.minimum(i, last_row) * w
        for j in range(1 if i == 0 else 0, n_cols):
            v = flat[base + (row + xp.minimum(j, last_col))]
            better = v > best
            best = xp.where(better, v, best)
            step = xp.where(better, i * n_cols + j, step)
    positions = base + (step // max(n_cols, 1)) * w + step % max(n_cols, 1)
    weights = xp.broadcast_to(filled, base.shape).astype(x.dtype)
    return positions[None], weights[None], xp.where(filled, best, 0).astype(x.dtype, copy=False)
