"""Pooling-window geometry and the per-offset window loops shared by the pooling functions.

Along one spatial axis, a window of size ``k`` at stride ``s`` with padding ``p`` reads input
positions ``o*s + j - p`` for output ``o`` and offset ``j < k``. For a fixed offset these are
one strided view ``xpad[..., j : j + s*(out-1) + 1 : s, ...]`` of the padded input, so every
operation here is a few vectorized array operations per window offset (``prod(ksize)`` of
them), never a loop over output pixels. Offsets are numbered in row-major order, which is
also the flat position inside the window that ``max_pooling_*(return_indices=True)`` returns.

A window that covers the whole input (global pooling) takes a single-reduction path instead.

Arrays allocated here follow the memory order of the array they derive from (``order``,
see :func:`memory_order`): convolutions on the CPU return batch-last views, and an elementwise
pass between operands in different memory orders costs as much as a transposing copy.
"""
import functools
import itertools
import operator

import numpy

_LEAD = (slice(None), slice(None))


def _as_tuple(value, nd, name, label, minimum):
    try:
        values = ((operator.index(value),) * nd if numpy.ndim(value) == 0
                  else tuple(operator.index(v) for v in value))
    except TypeError:
        raise TypeError(f'{label}: {name} must be an int or a tuple of {nd} ints, '
                        f'got {value!r}') from None
    if len(values) != nd:
        raise ValueError(f'{label}: {name} must be an int or a tuple of {nd} ints, '
                         f'got {value!r}')
    if any(v < minimum for v in values):
        what = 'positive' if minimum > 0 else 'non-negative'
        raise ValueError(f'{label}: {name} must be {what}, got {value!r}')
    return values


def _hashable(value):
    if isinstance(value, numpy.ndarray):
        value = value.tolist()
    return tuple(value) if isinstance(value, list) else value


def memory_order(a):
    """Axes of ``a`` from outermost to innermost in memory; None for C order."""
    st = a.strides
    order = sorted(range(a.ndim), key=lambda i: -st[i])
    return None if order == list(range(a.ndim)) else tuple(order)


def allocate(shape, dtype, order, xp, fill=None):
    """An array of ``shape`` laid out in memory ``order``, uninitialized or filled."""
    if order is not None:
        buf = allocate(tuple(shape[i] for i in order), dtype, None, xp, fill)
        return buf.transpose(tuple(order.index(i) for i in range(len(order))))
    if fill is None:
        return xp.empty(shape, dtype)
    return xp.zeros(shape, dtype) if fill == 0 else xp.full(shape, fill, dtype)


def pooled_size(size, k, s, p, cover_all):
    """Output length of a pooling window along one axis (Chainer's conv outsize)."""
    if cover_all:
        return (size + 2 * p - k + s - 1) // s + 1
    return (size + 2 * p - k) // s + 1


def unpooled_size(size, k, s, p, cover_all):
    """Input length that pools to ``size`` (Chainer's deconv outsize)."""
    if cover_all:
        return s * (size - 1) + k - s + 1 - 2 * p
    return s * (size - 1) + k - 2 * p


def geometry(label, shape, nd, ksize, stride, pad, cover_all):
    """Validated, cached :class:`Geometry` for pooling an array of ``shape``.

    Args:
        label (str): Name of the public function, used in error messages.
        shape (tuple): Full input shape ``(n, c, d_1, ..., d_nd)``.
        nd (int or None): Number of spatial axes; None infers it from ``shape``.
        ksize, stride, pad: Ints or tuples; ``stride=None`` means ``ksize``.
        cover_all (bool): Chainer's cover_all output-size rule.
    """
    return _geometry(label, tuple(shape), nd, _hashable(ksize), _hashable(stride),
                     _hashable(pad), bool(cover_all))


def _spatial_ndim(label, shape, nd):
    if nd is None:
        if len(shape) < 3:
            raise ValueError(f'{label}: x must have shape (n, c, d_1, ...) with at least one '
                             f'spatial axis, got shape {shape}')
        return len(shape) - 2
    if len(shape) != nd + 2:
        raise ValueError(f'{label}: x must be {nd + 2}-dimensional (n, c and {nd} spatial '
                         f'axes), got shape {shape}')
    return nd


def _parameters(label, nd, ksize, stride, pad):
    ksize = _as_tuple(ksize, nd, 'ksize', label, 1)
    stride = ksize if stride is None else _as_tuple(stride, nd, 'stride', label, 1)
    return ksize, stride, _as_tuple(pad, nd, 'pad', label, 0)


@functools.lru_cache(maxsize=512)
def _geometry(label, shape, nd, ksize, stride, pad, cover_all):
    nd = _spatial_ndim(label, shape, nd)
    ksize, stride, pad = _parameters(label, nd, ksize, stride, pad)
    spatial = shape[2:]
    out = tuple(pooled_size(d, k, s, p, cover_all)
                for d, k, s, p in zip(spatial, ksize, stride, pad))
    if any(o < 1 for o in out):
        raise ValueError(f'{label}: ksize {ksize} does not fit the input: spatial shape '
                         f'{spatial} with pad {pad}, stride {stride} and cover_all={cover_all} '
                         f'gives output size {out}')
    return Geometry(shape, ksize, stride, pad, out)


def unpooling_geometry(label, shape, nd, ksize, stride, pad, cover_all, outsize):
    """:func:`geometry` of the pooling that unpooling an array of ``shape`` inverts.

    Args:
        outsize (tuple or None): Spatial shape of the unpooled result; None picks the
            smallest one that pools back to ``shape`` (Chainer's deconv outsize).
    """
    shape = tuple(shape)
    nd = _spatial_ndim(label, shape, nd)
    ksize, stride, pad = _parameters(label, nd, ksize, stride, pad)
    if outsize is None:
        outsize = tuple(unpooled_size(d, k, s, p, cover_all)
                        for d, k, s, p in zip(shape[2:], ksize, stride, pad))
        if any(o < 1 for o in outsize):
            raise ValueError(f'{label}: spatial shape {shape[2:]} with ksize {ksize}, stride '
                             f'{stride} and pad {pad} gives an empty output size {outsize}')
    else:
        outsize = _as_tuple(outsize, nd, 'outsize', label, 1)
    geo = geometry(label, shape[:2] + outsize, nd, ksize, stride, pad, cover_all)
    if geo.out_shape != shape:
        raise ValueError(f'{label}: outsize {outsize} pools back to spatial shape '
                         f'{geo.out_shape[2:]}, not to the input\'s {shape[2:]} (ksize {ksize}, '
                         f'stride {stride}, pad {pad}, cover_all={cover_all})')
    return geo


class Geometry:
    """Where each pooling window of one call reads its input (see the module docstring).

    Attributes:
        in_shape, out_shape (tuple): Full shapes of the pooled array and of the result.
        ksize, stride, pad (tuple): Per spatial axis.
        size (int): Number of window offsets, ``prod(ksize)``.
        index_dtype: Smallest integer dtype holding an offset number.
    """

    def __init__(self, in_shape, ksize, stride, pad, out):
        self.in_shape = in_shape
        self.out_shape = in_shape[:2] + out
        self.ksize = ksize
        self.stride = stride
        self.pad = pad
        self.size = int(numpy.prod(ksize))
        self.index_dtype = numpy.dtype(numpy.int8 if self.size <= 127 else
                                       numpy.int16 if self.size <= 32767 else numpy.int32)
        spatial = in_shape[2:]
        # Padded extent actually read along each axis; it may stop short of the input's end.
        extent = tuple((o - 1) * s + k for o, s, k in zip(out, stride, ksize))
        used = tuple(max(0, min(d, e - p)) for d, e, p in zip(spatial, extent, pad))
        self.padded_shape = in_shape[:2] + extent
        self._inner = _LEAD + tuple(slice(p, p + u) for p, u in zip(pad, used))
        self._used = _LEAD + tuple(slice(0, u) for u in used)
        self._uses_all = used == spatial
        # No padding needed: the windows can read the input itself.
        self.direct = not any(pad) and all(e <= d for e, d in zip(extent, spatial))
        self.disjoint = all(s >= k for s, k in zip(stride, ksize))
        # Every input element lies in exactly one window.
        self.tiles = self.direct and stride == ksize and extent == spatial
        self.is_global = not any(pad) and ksize == spatial
        # Each input element lies in at most one window, and no padding: the max pooling
        # gradient can be written window offset by window offset (see first_max_scatter).
        self.first_max_ok = self.direct and self.disjoint and not self.is_global
        self.slices = [_LEAD + tuple(slice(j, j + s * (o - 1) + 1, s)
                                     for j, s, o in zip(offset, stride, out))
                       for offset in itertools.product(*[range(k) for k in ksize])]
        self._counts = None

    def padded(self, x, value, xp):
        """``x`` padded with ``value`` to the extent the windows read (``x`` itself if none)."""
        if self.direct:
            return x
        buf = allocate(self.padded_shape, x.dtype, memory_order(x), xp, value)
        buf[self._inner] = x[self._used]
        return buf

    def unpadded(self, buf, xp):
        """The inverse of :meth:`padded` for gradients: crops, and zero-fills unread input."""
        if self.direct:
            return buf
        out = allocate(self.in_shape, buf.dtype, memory_order(buf), xp,
                       None if self._uses_all else 0)
        out[self._used] = buf[self._inner]
        return out

    def counts(self):
        """Host array (broadcastable to ``out_shape``) of how many real inputs each window reads."""
        if self._counts is None:
            counts = numpy.ones((1, 1) + (1,) * len(self.ksize))
            for axis, (d, k, s, p) in enumerate(zip(self.in_shape[2:], self.ksize,
                                                    self.stride, self.pad)):
                start = numpy.arange(self.out_shape[2 + axis]) * s - p
                c = numpy.minimum(start + k, d) - numpy.maximum(start, 0)
                shape = [1] * counts.ndim
                shape[2 + axis] = c.size
                counts = counts * c.reshape(shape)
            # A window lying wholly in the padding averages nothing; it yields 0, not 0/0.
            self._counts = numpy.maximum(counts, 1)
        return self._counts


def window_max(x, geo, xp):
    """Maximum over each window (padding reads as -inf)."""
    if geo.is_global:
        return x.reshape(geo.in_shape[:2] + (geo.size,)).max(axis=2).reshape(geo.out_shape)
    xpad = geo.padded(x, -numpy.inf, xp)
    slices = geo.slices
    if len(slices) == 1:
        return xpad[slices[0]].copy()
    y = xp.maximum(xpad[slices[0]], xpad[slices[1]])
    for s in slices[2:]:
        xp.maximum(y, xpad[s], out=y)
    return y


def window_argmax(x, y, geo, xp):
    """Offset number of the first element equal to the window maximum ``y``, per window."""
    if geo.is_global:
        flat = x.reshape(geo.in_shape[:2] + (geo.size,))
        return flat.argmax(axis=2).astype(geo.index_dtype).reshape(geo.out_shape)
    xpad = geo.padded(x, -numpy.inf, xp)
    last = len(geo.slices) - 1
    idx = allocate(y.shape, geo.index_dtype, memory_order(y), xp, last)
    # Going backwards, each hit overwrites later ones, so the first offset wins ties. The
    # update is arithmetic because masked assignment is much slower on the CPU.
    for k in range(last - 1, -1, -1):
        hit = xpad[geo.slices[k]] == y
        idx -= hit * (idx - k)
    return idx


def window_sum(x, idx, geo, xp):
    """Sum over each window (padding reads as 0); with ``idx``, only the element it selects."""
    if geo.is_global:
        if idx is None:
            return x.sum(axis=tuple(range(2, x.ndim)), keepdims=True)
        flat = x.reshape(geo.in_shape[:2] + (geo.size,))
        picked = xp.take_along_axis(flat, idx.reshape(geo.in_shape[:2] + (1,)), axis=2)
        return picked.reshape(geo.out_shape)
    xpad = geo.padded(x, 0, xp)
    slices = geo.slices
    if idx is None:
        if len(slices) == 1:
            return xpad[slices[0]].copy()
        y = xpad[slices[0]] + xpad[slices[1]]
        for s in slices[2:]:
            y += xpad[s]
        return y
    y = xpad[slices[0]] * (idx == 0)
    for k in range(1, len(slices)):
        y += xpad[slices[k]] * (idx == k)
    return y


def window_scatter(g, idx, geo, xp, order=None):
    """Transpose of :func:`window_sum`: adds ``g`` into every window position (with ``idx``,
    into the selected position only) and returns an array of ``geo.in_shape`` laid out in
    memory ``order`` (of the pooled input; None for C order)."""
    if geo.is_global:
        lead = geo.in_shape[:2]
        if idx is None:
            gx = allocate(geo.in_shape, g.dtype, order, xp)
            gx[...] = g
            return gx
        onehot = xp.arange(geo.size, dtype=idx.dtype) == idx.reshape(lead + (1,))
        return (onehot * g.reshape(lead + (1,))).reshape(geo.in_shape)
    if geo.direct:
        buf = allocate(geo.in_shape, g.dtype, order, xp, None if geo.tiles else 0)
    else:
        buf = allocate(geo.padded_shape, g.dtype, order, xp, 0)
    for k, s in enumerate(geo.slices):
        if geo.disjoint:
            if idx is None:
                buf[s] = g
            else:
                xp.multiply(g, idx == k, out=buf[s])
        else:
            buf[s] += g if idx is None else g * (idx == k)
    return geo.unpadded(buf, xp)


def first_max_scatter(x, y, gy, geo, xp):
    """Max pooling's input gradient: each window's ``gy`` to its first element equal to ``y``.

    The result is what :func:`window_scatter` gives with the offsets of
    :func:`window_argmax` (first maximum in row-major order; a window whose maximum matches
    nothing, i.e. NaN, sends its gradient to its last offset), but computed without them:
    walking the offsets in order, a running mask of the windows already served keeps ties
    from receiving the gradient twice. That is a few elementwise passes over ``x``, each
    written straight into its strided slot of the result, which keeps ``x``'s memory layout
    (channels-last inputs stay channels-last). Needs ``geo.first_max_ok``.
    """
    if gy.strides != y.strides:
        # Elementwise passes over operands in different memory orders are several times
        # slower than one copy of the (window-size times smaller) gradient into y's order.
        gy, g = xp.empty_like(y), gy
        gy[...] = g
    gx = (xp.empty_like if geo.tiles else xp.zeros_like)(x)
    slices = geo.slices
    last = len(slices) - 1
    if last == 0:
        gx[slices[0]] = gy
        return gx
    taken = x[slices[0]] == y
    xp.multiply(gy, taken, out=gx[slices[0]])
    for s in slices[1:last]:
        hit = x[s] == y
        # For booleans, hit > taken is "a maximum in a window not served yet".
        xp.greater(hit, taken, out=hit)
        taken |= hit
        xp.multiply(gy, hit, out=gx[s])
    xp.logical_not(taken, out=taken)
    xp.multiply(gy, taken, out=gx[slices[last]])
    return gx
