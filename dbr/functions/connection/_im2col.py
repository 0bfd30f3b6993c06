"""N-D im2col / col2im, column layouts and output-size arithmetic shared by the convolutions.

Columns come in two layouts, picked per call by :func:`use_batch_last`:

* batch-first ``(N, C, *ksize, *out_size)``: one GEMM per sample against ``W (O, C*K)``,
  outputs land directly in ``(N, O, *out)``. Window copies move runs of ``out_w`` elements,
  and NumPy's per-run overhead makes that slow when ``out_w`` is small or strided.
* batch-last ``(C, *ksize, *out_size, N)``: runs of ``out_w * N`` elements and one GEMM for
  the whole batch. Its results come out in ``(C, *S, N)`` memory order. On the CPU they are
  returned as they are, as a transposed view of shape ``(N, C, *S)`` (see :func:`finish`):
  elementwise functions and pooling keep that memory order, so the next convolution finds its
  input already batch-last and gathers its windows without a transposing copy, and its output
  gradient usually arrives batch-last too. That is the channels-last idea with the batch as
  the innermost axis, which suits NumPy's strided copies. On a GPU results are made
  C-contiguous.
"""
import itertools
import math
import numbers

import numpy

from dbr import backend
from dbr import type_check


def get_conv_outsize(size, k, s, p, cover_all=False, d=1):
    """Output length of a convolution along one axis.

    ``cover_all`` adds the windows that start inside the padded input but hang over its end.

    Example:
        >>> get_conv_outsize(28, 5, 1, 0)
        24
    """
    dk = k + (k - 1) * (d - 1)
    if cover_all:
        return (size + p * 2 - dk + s - 1) // s + 1
    return (size + p * 2 - dk) // s + 1


def get_deconv_outsize(size, k, s, p, cover_all=False, d=1):
    """Output length of a deconvolution along one axis (inverse of :func:`get_conv_outsize`).

    Example:
        >>> get_deconv_outsize(24, 5, 1, 0)
        28
    """
    dk = (k - 1) * d + 1
    if cover_all:
        return s * (size - 1) + dk - s + 1 - 2 * p
    return s * (size - 1) + dk - 2 * p


def as_tuple(value, n, name, label, minimum):
    """``value`` (an int or a sequence of ``n`` ints, each >= ``minimum``) as a tuple."""
    if isinstance(value, (tuple, list)):
        t = tuple(int(v) for v in value)
        if len(t) != n:
            raise ValueError(f'{label}: {name} must be an int or a sequence of {n} ints, '
                             f'got {value!r}')
    else:
        t = (int(value),) * n
    if any(v < minimum for v in t):
        raise ValueError(f'{label}: {name} must be >= {minimum}, got {value!r}')
    return t


def as_groups(groups, label):
    """``groups`` checked to be a positive int."""
    if isinstance(groups, bool) or not isinstance(groups, numbers.Integral) or groups < 1:
        raise ValueError(f'{label}: groups must be a positive int, got {groups!r}')
    return int(groups)


def conv_out_size(node, x_shape, ksize, cover_all, w_shape=None):
    """Output spatial size of ``node`` (a convolution), with a readable error if it is empty.

    ``node`` supplies ``stride``, ``pad``, ``dilate`` and ``label``; ``w_shape`` (the weight's
    shape, where there is one) is shown in the error instead of ``ksize``.
    """
    out = tuple(get_conv_outsize(size, k, s, p, c, d) for size, k, s, p, c, d in zip(
        x_shape[2:], ksize, node.stride, node.pad, cover_all, node.dilate))
    if min(out, default=1) <= 0:
        kernel = f'ksize={tuple(ksize)}' if w_shape is None else f'W.shape={tuple(w_shape)}'
        raise type_check.InvalidType(
            'the dilated kernel (k - 1) * dilate + 1 to fit in the padded input '
            'size + 2 * pad on every spatial axis',
            f'x.shape={tuple(x_shape)}, {kernel}, pad={node.pad}, dilate={node.dilate}',
            node.label)
    return out


def cover_all_for(in_size, out_size, ksize, stride, pad, dilate):
    """Per-axis ``cover_all`` flags under which a convolution maps ``in_size`` to ``out_size``."""
    return tuple(o != get_conv_outsize(i, k, s, p, False, d)
                 for i, o, k, s, p, d in zip(in_size, out_size, ksize, stride, pad, dilate))


def _reach(out, k, s, d):
    # Number of input positions (padding included) that `out` windows touch.
    return (out - 1) * s + (k - 1) * d + 1


def _batch_last_axes(ndim):
    return tuple(range(1, ndim)) + (0,)


def is_batch_last(x):
    """Whether ``x (N, C, *S)`` lies in memory as a C-contiguous ``(C, *S, N)`` array."""
    return x.transpose(_batch_last_axes(x.ndim)).flags.c_contiguous


def use_batch_last(x, col_channels, other_channels, ksize, col_size, image_size, stride):
    """Whether the batch-last column layout is the cheaper one for this convolution.

    Args:
        x: The array whose windows are gathered (its module and memory order are read).
        col_channels: Channels of the image side (``C`` of a convolution's input).
        other_channels: Channels of the other side (``O`` of a convolution's output).
        ksize, stride: Kernel size and stride.
        col_size: Spatial size of the window grid (a convolution's output size).
        image_size: Spatial size of the image side.
    """
    if backend.get_array_module(x) is not numpy:
        return True  # on a GPU, run length does not matter and one big GEMM does
    if is_batch_last(x):
        return True  # no copy in or out, long runs and one GEMM: nothing to weigh
    k = math.prod(ksize)
    p = math.prod(col_size)
    run = col_size[-1] if stride[-1] == 1 else 1
    # Rough per-sample costs in ns, measured with NumPy on one core: a strided copy or add
    # costs ~8 ns per contiguous run (twice: im2col and col2im), and the batch-first weight
    # gradient sums per-sample products of other_channels * col_channels * k elements; the
    # batch-last layout pays ~2 ns per element for transposing the input (its output stays
    # batch-last, and so, through the layers that follow, does its gradient).
    batch_first = 16 * col_channels * k * p / run + other_channels * col_channels * k / 2
    batch_last = 2 * col_channels * math.prod(image_size)
    return batch_last < batch_first


def to_batch_last(x):
    """``(N, C, *S)`` -> C-contiguous ``(C, *S, N)`` (no copy if ``x`` is batch-last)."""
    xp = backend.get_array_module(x)
    return xp.ascontiguousarray(x.transpose(_batch_last_axes(x.ndim)))


def finish(y, bias, batch_last):
    """The result ``(N, C, *S)`` of a convolution, from ``y`` plus ``bias`` over ``C``.

    ``y`` is a fresh array ``(N, C, *S)``, or ``(C, *S, N)`` if ``batch_last``, with any
    strides, and may be overwritten. Batch-last results on the CPU stay in that memory order
    (a transposed view, see the module docstring); all others are made C-contiguous.
    """
    xp = backend.get_array_module(y)
    nd = y.ndim - 2
    if batch_last:
        if xp is numpy:
            if bias is not None:
                y += bias.reshape((bias.shape[0],) + (1,) * (nd + 1))
            return y.transpose((nd + 1,) + tuple(range(nd + 1)))
        y = y.transpose((nd + 1,) + tuple(range(nd + 1)))
    if y.flags.c_contiguous:
        if bias is not None:
            y += bias.reshape((bias.shape[0],) + (1,) * nd)
        return y
    if bias is None:
        return xp.ascontiguousarray(y)
    out = xp.empty(y.shape, y.dtype)
    # The bias is added while copying, saving a pass over the output.
    xp.add(y, bias.reshape((bias.shape[0],) + (1,) * nd), out=out)
    return out


def im2col(x, ksize, stride, pad, dilate, out_size, batch_last):
    """Gathers the convolution windows of ``x``.

    Args:
        x: Array ``(N, C, *S)``.
        ksize, stride, pad, dilate, out_size: Tuples with one entry per spatial axis.
        batch_last (bool): Column layout (see the module docstring).

    Returns:
        C-contiguous ``(N, C, *ksize, *out_size)``, or ``(C, *ksize, *out_size, N)`` if
        ``batch_last``; the entry at ``n, c, k..., o...`` is
        ``x[n, c, o * stride + k * dilate - pad]`` (zero in the padding).
    """
    xp = backend.get_array_module(x)
    n, c = x.shape[:2]
    size = x.shape[2:]
    nd = len(size)
    reach = [_reach(o, k, s, d) for o, k, s, d in zip(out_size, ksize, stride, dilate)]
    # Image axes as (batch/channel, spatial..., channel/batch) in the order of the columns.
    lead, trail = ((c,), (n,)) if batch_last else ((n, c), ())
    img = x.transpose(tuple(range(1, nd + 2)) + (0,)) if batch_last else x
    if not any(pad) and all(r <= sz for r, sz in zip(reach, size)):
        buf = xp.ascontiguousarray(img)
    else:
        # Pad (only as far as the windows reach), and transpose, in one copy.
        buf = xp.zeros(lead + tuple(reach) + trail, x.dtype)
        dst = [slice(None)] * len(lead)
        src = [slice(None)] * len(lead)
        for p, r, sz in zip(pad, reach, size):
            m = max(0, min(sz, r - p))
            dst.append(slice(p, p + m))
            src.append(slice(0, m))
        buf[tuple(dst)] = img[tuple(src)]
    st = buf.strides
    sp = st[len(lead):len(lead) + nd]
    view = xp.lib.stride_tricks.as_strided(
        buf, lead + tuple(ksize) + tuple(out_size) + trail,
        st[:len(lead)] + tuple(t * d for t, d in zip(sp, dilate))
        + tuple(t * s for t, s in zip(sp, stride)) + st[len(lead) + nd:])
    return xp.ascontiguousarray(view)


def col2im(col, size, stride, pad, dilate, batch_last, bias=None):
    """Sums the windows of ``col`` back into an image: the adjoint of :func:`im2col`.

    Args:
        col: Batch-first columns ``(N, C, *ksize, *out_size)``, or if ``batch_last``
            offset-major ones ``(G, *ksize, C / G, *out_size, N)`` for ``G`` channel groups
            (any strides). Offset-major, each kernel offset's windows are one contiguous block
            per group, so every strided add reads a block and writes runs of ``out_w * N``.
        size: Spatial size of the image (tuple).
        stride, pad, dilate: Tuples with one entry per spatial axis.
        batch_last (bool): Column layout.
        bias: Optional ``(C,)`` array added to every position.

    Returns:
        Array ``(N, C, *size)``, laid out as :func:`finish` lays out results.
    """
    xp = backend.get_array_module(col)
    nd = len(size)
    if batch_last:
        g, ksize, cg = col.shape[0], col.shape[1:1 + nd], col.shape[1 + nd]
        out_size = col.shape[2 + nd:2 + 2 * nd]
        lead, trail, n_lead = (g, cg), col.shape[-1:], 1
    else:
        lead, n_lead = col.shape[:2], 2
        ksize = col.shape[2:2 + nd]
        out_size = col.shape[2 + nd:2 + 2 * nd]
        trail = ()
    reach = tuple(max(_reach(o, k, s, d), p + sz) for o, k, s, d, p, sz in zip(
        out_size, ksize, stride, dilate, pad, size))
    buf = xp.zeros((math.prod(lead),) + reach + trail, col.dtype)
    view = buf.reshape(lead + reach + trail)
    spans = [(o - 1) * s + 1 for o, s in zip(out_size, stride)]
    whole = (slice(None),) * n_lead
    # One strided add per kernel offset; each moves all windows at once.
    for offset in itertools.product(*[range(k) for k in ksize]):
        target = view[(slice(None),) * 2 + tuple(slice(j * d, j * d + span, s) for j, d, span, s
                                                  in zip(offset, dilate, spans, stride))]
        xp.add(target, col[whole + offset], out=target)
    image = buf[(slice(None),) + tuple(slice(p, p + sz) for p, sz in zip(pad, size))]
    if not batch_last:
        image = image.reshape(lead + image.shape[1:])
    return finish(image, bias, batch_last)
