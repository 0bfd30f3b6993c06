"""Broadcast several arrays against each other."""
from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.variable import as_variable


class Broadcast(FunctionNode):
    """Broadcasts all inputs to their common shape; each gradient is summed back."""

    def check_type_forward(self, in_types):
        if not in_types:
            raise type_check.InvalidType('at least one input', 'no inputs', self.label)
        type_check.expect_broadcastable(self, *[x.shape for x in in_types])

    def forward(self, inputs):
        self._shapes = [x.shape for x in inputs]
        return tuple(backend.get_array_module(*inputs).broadcast_arrays(*inputs))

    def backward(self, indexes, grad_outputs):
        from dbr.functions.math.sum_to import sum_to
        return tuple([None if grad_outputs[i] is None else
                      sum_to(grad_outputs[i], self._shapes[i]) for i in indexes])


def broadcast(*args):
    """Broadcasts Variables or arrays against each other (NumPy's rules).

    Args:
        *args: Variables or arrays whose shapes broadcast together.

    Returns:
        tuple of Variables of the common shape, one per argument; with a single argument,
        that argument as a Variable (as in Chainer).

    Example:
        >>> a, b = F.broadcast(numpy.zeros((2, 1), 'f'), numpy.zeros(3, 'f'))
        >>> a.shape, b.shape
        ((2, 3), (2, 3))
    """
    if len(args) == 1:
        return as_variable(args[0])
    return Broadcast().apply(args)
