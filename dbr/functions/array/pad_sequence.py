"""Pad variable-length sequences into one batch array."""
import numpy

from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.array._join import as_inputs
from dbr.functions.array._sequence import check_sequences


class PadSequence(FunctionNode):
    """Stacks sequences ``(L_i, ...)`` into ``(B, length, ...)``, filling with ``padding``."""

    def __init__(self, length, padding):
        self.length = length
        self.padding = padding

    def check_type_forward(self, in_types):
        check_sequences(self, in_types)
        if self.length is not None:
            longest = max([x.shape[0] for x in in_types])
            if longest > self.length:
                raise type_check.InvalidType(
                    'length >= the longest sequence',
                    f'length={self.length}, longest sequence={longest}', self.label)

    def forward(self, inputs):
        xp = backend.get_array_module(*inputs)
        lengths = [x.shape[0] for x in inputs]
        self._lengths = lengths
        longest = max(lengths)
        length = longest if self.length is None else self.length
        if length == longest and min(lengths) == length:
            self._index = None
            return xp.stack(inputs),
        x0 = inputs[0]
        tail = x0.shape[1:]
        y = xp.full((len(inputs), length) + tail, self.padding, dtype=x0.dtype)
        # One scatter of the concatenated rows, instead of one copy per sequence.
        mask = numpy.arange(length) < numpy.array(lengths)[:, None]
        index = xp.asarray(numpy.flatnonzero(mask))
        self._index = index
        y.reshape((len(inputs) * length,) + tail)[index] = xp.concatenate(inputs)
        return y,

    def backward(self, indexes, grad_outputs):
        from dbr.functions.array.get_item import get_item
        from dbr.functions.array.reshape import reshape
        from dbr.functions.array.separate import separate
        from dbr.functions.array.split_axis import split_axis
        gy, = grad_outputs
        if self._index is None:
            gxs = separate(gy, 0)
        else:
            rows = get_item(reshape(gy, (gy.shape[0] * gy.shape[1],) + gy.shape[2:]),
                            self._index)
            gxs = split_axis(rows, numpy.cumsum(self._lengths[:-1]).tolist(), 0)
        return tuple([gxs[i] for i in indexes])


def pad_sequence(xs, length=None, padding=0):
    """Pads a list of variable-length sequences into one batch array.

    Args:
        xs (list or tuple): Variables or arrays ``(L_i, ...)`` with one dtype and equal
            shapes after the first axis.
        length (int): Length of the padded axis; None uses the longest sequence. It may not
            be shorter than the longest sequence.
        padding (scalar): Value filling the positions past each sequence's end.

    Returns:
        Variable: Array of shape ``(len(xs), length, ...)``; ``y[i, :L_i] == xs[i]``.

    Example:
        >>> xs = [numpy.ones(3, 'f'), numpy.ones(1, 'f')]
        >>> F.pad_sequence(xs, padding=-1).array
        array([[ 1.,  1.,  1.],
               [ 1., -1., -1.]], dtype=float32)
    """
    xs = as_inputs(xs, 'pad_sequence')
    if not xs:
        raise ValueError('pad_sequence: xs must contain at least one sequence')
    return PadSequence(length, padding).apply(xs)[0]
