"""Checks shared by the variable-length sequence functions (pad_sequence, transpose_sequence)."""
from dbr import type_check


def check_sequences(node, xs):
    """Raises InvalidType unless ``xs`` are arrays of ndim >= 1 with one dtype and equal
    shapes after the first (length) axis."""
    x0 = xs[0]
    if x0.ndim == 0:
        raise type_check.InvalidType('sequences of at least one axis', 'xs[0].shape=()',
                                     node.label)
    tail = x0.shape[1:]
    for i in range(1, len(xs)):
        x = xs[i]
        if x.dtype != x0.dtype or x.shape[1:] != tail:
            raise type_check.InvalidType(
                'sequences of one dtype with equal shapes after the first axis',
                f'xs[0]: shape={x0.shape}, dtype={x0.dtype}; xs[{i}]: shape={x.shape}, '
                f'dtype={x.dtype}', node.label)
