"""Transpose a list of sequences between batch-major and time-major order."""
import numpy

from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.array._axis import zeros_for_missing
from dbr.functions.array._join import as_inputs
from dbr.functions.array._sequence import check_sequences


class TransposeSequence(FunctionNode):
    """Turns B sequences of non-increasing lengths into T = max length time steps.

    Output ``t`` stacks ``xs[i][t]`` for every sequence longer than ``t``. The batch sizes of
    the outputs are again non-increasing, so the same node maps the gradients back.
    """

    def check_type_forward(self, in_types):
        check_sequences(self, in_types)
        prev = in_types[0].shape[0]
        for i in range(1, len(in_types)):
            n = in_types[i].shape[0]
            if n > prev:
                raise type_check.InvalidType(
                    'sequences sorted by non-increasing length',
                    f'lengths {[x.shape[0] for x in in_types]} (xs[{i}] is longer than '
                    f'xs[{i - 1}]); sort them, e.g. by -len(x), and undo the order afterwards',
                    self.label)
            prev = n

    def forward(self, inputs):
        xp = backend.get_array_module(*inputs)
        x0 = inputs[0]
        lengths = [x.shape[0] for x in inputs]
        self._lengths = lengths
        self._dtype = x0.dtype
        self._tail = x0.shape[1:]
        steps = lengths[0]
        if lengths[-1] == steps:
            self._sizes = [len(inputs)] * steps
            # Equal lengths: output t is column t of the stacked (T, B, ...) array.
            return tuple(xp.stack(inputs, axis=1)) if steps else ()
        n = numpy.array(lengths)
        start = numpy.cumsum(n) - n
        time = numpy.arange(steps)[:, None]
        alive = time < n
        sizes = alive.sum(axis=1)
        self._sizes = sizes.tolist()
        # Row order of the time-major result in the concatenated (sum L_i, ...) input.
        rows = (start + time)[alive]
        y = xp.concatenate(inputs).take(xp.asarray(rows), axis=0)
        ends = numpy.cumsum(sizes).tolist()
        return tuple([y[a:b] for a, b in zip([0] + ends[:-1], ends)])

    def backward(self, indexes, grad_outputs):
        xp = backend.get_array_module(*[g for g in grad_outputs if g is not None])
        gys = zeros_for_missing(grad_outputs, [(s,) + self._tail for s in self._sizes],
                                self._dtype, xp)
        gxs = TransposeSequence().apply(gys)
        empty = len(self._lengths) - len(gxs)
        if empty:  # sequences of length 0 appear in no time step
            gxs += tuple([xp.zeros((0,) + self._tail, self._dtype)] * empty)
        return tuple([gxs[i] for i in indexes])


def transpose_sequence(xs):
    """Transposes a list of sequences from batch-major to time-major order (and back).

    ``xs[i]`` has shape ``(L_i, ...)`` with ``L_0 >= L_1 >= ...``. The result has one
    Variable per time step ``t < L_0``, of shape ``(B_t, ...)`` where ``B_t`` is the number
    of sequences longer than ``t``, holding ``xs[i][t]`` in row ``i``. The lengths of the
    result are again non-increasing, so applying the function twice gives ``xs`` back.

    Args:
        xs (list or tuple): Variables or arrays sorted by non-increasing length, with one
            dtype and equal shapes after the first axis.

    Returns:
        tuple of Variables: One per time step (empty when ``xs`` is empty or all its
        sequences are empty).

    Example:
        >>> xs = [numpy.array([1., 2., 3.], 'f'), numpy.array([4.], 'f')]
        >>> [y.array.tolist() for y in F.transpose_sequence(xs)]
        [[1.0, 4.0], [2.0], [3.0]]
    """
    xs = as_inputs(xs, 'transpose_sequence')
    if not xs:
        return ()
    return TransposeSequence().apply(xs)
