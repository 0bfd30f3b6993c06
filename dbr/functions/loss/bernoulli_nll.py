"""Negative log-likelihood of a Bernoulli distribution given by logits."""
from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.loss._simple_loss import check_reduce, elementwise_grad, reduce_elementwise


class BernoulliNLL(FunctionNode):
    """``softplus(y) - x * y`` elementwise, then reduced; softplus is computed stably."""

    check_type_forward = type_check.expects(
        'x, y', "x.dtype.kind == 'f'", 'x.dtype == y.dtype', 'x.shape == y.shape',
        "self.reduce != 'mean' or x.size > 0")

    def __init__(self, reduce):
        check_reduce('bernoulli_nll', reduce, ('sum', 'mean', 'no'))
        self.reduce = reduce

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x, y = inputs
        xp = backend.get_array_module(y)
        # softplus(y) = max(y, 0) + log1p(exp(-|y|)): no overflow for logits of any size
        loss = xp.log1p(xp.exp(-abs(y)))
        loss += xp.maximum(y, 0, dtype=y.dtype)
        loss -= x * y
        return reduce_elementwise(loss, self.reduce),

    def backward(self, indexes, grad_outputs):
        from dbr.functions.activation.sigmoid import sigmoid
        x, y = self.get_retained_inputs()
        g = elementwise_grad(grad_outputs[0], self.reduce, x.size)
        ret = []
        for i in indexes:
            if i == 0:
                ret.append(-g * y)
            else:
                ret.append(g * (sigmoid(y) - x))
        return tuple(ret)


def bernoulli_nll(x, y, reduce='sum'):
    """Negative log-likelihood of ``x`` under Bernoulli distributions with logits ``y``.

    Elementwise ``-(x log p + (1 - x) log(1 - p))`` with ``p = sigmoid(y)``, computed as
    ``softplus(y) - x * y`` so that large logits neither overflow nor lose precision; ``y`` can
    be the raw output of a linear layer.

    Args:
        x: Float Variable or array of targets (usually in [0, 1]).
        y: Logits, same shape and dtype.
        reduce (str): ``'sum'``, ``'mean'`` (0-d results) or ``'no'`` (elementwise).

    Example:
        >>> F.bernoulli_nll(numpy.array([1., 0.], 'f'), numpy.zeros(2, 'f')).array
        array(1.3862944, dtype=float32)
    """
    return BernoulliNLL(reduce).apply((x, y))[0]
