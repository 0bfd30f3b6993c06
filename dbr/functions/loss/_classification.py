"""Checks shared by the classification losses: label ranges and the ``reduce`` option."""
import numpy

from dbr import backend


def check_reduce(reduce, allowed, label):
    """Raises ValueError naming ``label`` unless ``reduce`` is one of ``allowed``."""
    if reduce not in allowed:
        options = ' or '.join(repr(a) for a in allowed)
        raise ValueError(f'{label}: reduce must be {options}, got {reduce!r}')


def check_labels(xp, t, n_class, ignore_label, label):
    """Checks that every label is in ``[0, n_class)`` or equals ``ignore_label``.

    Only the minimum and maximum are read on the common path (all labels valid), so the check
    costs two reductions over ``t``, never a pass over the scores.

    Args:
        xp: Array module of ``t``.
        t: Integer label array.
        n_class (int): Number of classes.
        ignore_label (int or None): Label value that marks an ignored position (None: none).
        label (str): Function name for the error message.

    Returns:
        bool: Whether some label may equal ``ignore_label`` (so the caller needs a mask).

    Raises:
        ValueError: Naming ``label`` and the offending label values.
    """
    if t.size == 0:
        return False
    if xp is numpy:
        lo = int(t.min())
        hi = int(t.max())
    else:
        # One device-to-host transfer instead of two.
        lo, hi = (int(v) for v in backend.to_cpu(xp.stack((t.min(), t.max()))))
    if 0 <= lo and hi < n_class:
        return ignore_label is not None and lo <= ignore_label <= hi
    valid = (t >= 0) & (t < n_class)
    if ignore_label is not None:
        valid |= t == ignore_label
    bad = backend.to_cpu(t[~valid])
    if bad.size:
        allowed = f'[0, {n_class})'
        if ignore_label is not None:
            allowed += f' or equal to ignore_label={ignore_label}'
        shown = ', '.join(str(v) for v in numpy.unique(bad)[:5])
        raise ValueError(f'{label}: labels must be in {allowed}; got {shown} '
                         f'(t.shape={tuple(t.shape)})')
    return True


def mean_coeff(xp, mask, normalize, n_labels, n_batch, dtype):
    """``1 / count`` for ``reduce='mean'``: the count of non-ignored labels, or the batch size.

    Args:
        xp: Array module.
        mask: Array that is nonzero at non-ignored labels, or None when none is ignored.
        normalize (bool): Count the labels (True) or use ``n_batch`` (False).
        n_labels (int): Number of labels, used when ``mask`` is None.
        n_batch (int): Batch size.
        dtype: Dtype of the result when it stays on a GPU.

    Returns:
        A Python float, or a 0-d CuPy array of ``dtype`` (counting on the device avoids a
        synchronization). The count is at least 1, so an all-ignored batch has loss 0.
    """
    if not normalize:
        count = n_batch
    elif mask is None:
        count = n_labels
    elif xp is numpy:
        count = int(mask.sum())
    else:
        return (1.0 / xp.maximum(mask.sum(), 1)).astype(dtype)
    return 1.0 / max(count, 1)
