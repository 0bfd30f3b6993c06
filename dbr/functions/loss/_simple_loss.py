"""Helpers shared by the regression, metric-learning and likelihood losses."""
import numpy


def check_reduce(label, reduce, valid):
    """Raises ValueError naming ``label`` unless ``reduce`` is one of ``valid``."""
    if reduce not in valid:
        options = ', '.join(repr(v) for v in valid)
        raise ValueError(f'{label}: reduce must be one of {options}, got {reduce!r}')


def check_label_range(label, t, lo, hi, name='t'):
    """Raises ValueError naming ``label`` unless every value of ``t`` is in ``[lo, hi]``."""
    if t.size and (int(t.min()) < lo or int(t.max()) > hi):
        bad = (t < lo) | (t > hi)
        value = int(t[bad].ravel()[0])
        raise ValueError(f'{label}: {name} must be in [{lo}, {hi}], got {value}')


def total(loss, count=1):
    """``loss.sum() / count`` in ``loss.dtype``, accumulated in at least float32.

    A float16 sum (or element count) overflows past 65504 even when the mean is small.
    """
    wide = loss.dtype if loss.dtype.itemsize >= 4 else numpy.dtype(numpy.float32)
    s = loss.sum(dtype=wide)
    if count != 1:
        s = s / wide.type(count)
    return s.astype(loss.dtype, copy=False)


def reduce_elementwise(loss, reduce):
    """Applies ``reduce`` ('sum', 'mean' or 'no') to an elementwise loss array."""
    if reduce == 'sum':
        return total(loss)
    if reduce == 'mean':
        return total(loss, loss.size)
    return loss


def elementwise_grad(gy, reduce, size):
    """The gradient reaching each element: ``gy`` itself, or scaled by ``1 / size`` for 'mean'.

    For 'sum' and 'mean' it stays 0-d; multiplying it into an input-shaped term broadcasts it.
    """
    return gy * (1.0 / size) if reduce == 'mean' else gy
