"""The identity function, as a node of the graph."""
from dbr.function_node import FunctionNode


class Identity(FunctionNode):
    """Returns its inputs unchanged; gradients pass through."""

    def forward(self, inputs):
        return inputs

    def backward(self, indexes, grad_outputs):
        return tuple([grad_outputs[i] for i in indexes])


def identity(*inputs):
    """Returns its inputs as new Variables, joined to the graph through one node.

    Args:
        *inputs: Variables or arrays.

    Returns:
        A Variable for one input, else a tuple of Variables.

    Example:
        >>> x = dbr.Variable(numpy.ones(2, 'f'))
        >>> y = F.identity(x)
        >>> y is x, y.creator is not None
        (False, True)
    """
    ret = Identity().apply(inputs)
    return ret[0] if len(ret) == 1 else ret
