"""Zoneout: randomly keep the previous hidden state instead of the new one."""
from dbr import backend
from dbr import type_check
from dbr.configuration import config
from dbr.function_node import FunctionNode
from dbr.functions.noise._random import draw
from dbr.variable import as_variable


class Zoneout(FunctionNode):
    """``h * (1 - keep) + x * keep`` with a 0/1 mask ``keep`` drawn once in forward.

    The node is linear in ``h`` and ``x``, so its gradients are the output gradient times the
    two masks, written with dbr functions (differentiable to any order).
    """

    check_type_forward = type_check.expects(
        'h, x', "x.dtype.kind == 'f'", 'h.dtype == x.dtype', 'h.shape == x.shape')

    def __init__(self, ratio):
        self.ratio = ratio

    def forward(self, inputs):
        h, x = inputs
        xp = backend.get_array_module(x)
        keep = draw(xp, 'random_sample', x.shape) >= self.ratio
        self.flag_x = keep.astype(x.dtype)
        self.flag_h = (~keep).astype(x.dtype)
        return xp.where(keep, x, h),

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        return tuple([gy * (self.flag_h if i == 0 else self.flag_x) for i in indexes])


def zoneout(h, x, ratio=.5, **kwargs):
    """Keeps each element of the previous state ``h`` with probability ``ratio``, else ``x``.

    In training mode (``dbr.config.train``) every element of the output is ``h``'s with
    probability ``ratio`` and ``x``'s otherwise (no rescaling). In test mode ``x`` is returned
    unchanged. The masks drawn in forward are reused by backward.

    See: `Zoneout: Regularizing RNNs by Randomly Preserving Hidden Activations
    <https://arxiv.org/abs/1606.01305>`_.

    Args:
        h: Float Variable or array, the previous state.
        x: Variable or array of ``h``'s shape and dtype, the new state.
        ratio (float): Probability of keeping the previous state, ``0 <= ratio <= 1``.

    Returns:
        Variable of ``x``'s shape.

    Example:
        >>> h = numpy.zeros((2, 3), 'f')
        >>> x = numpy.ones((2, 3), 'f')
        >>> y = F.zoneout(h, x, ratio=0.3)
        >>> set(numpy.unique(y.array)) <= {0.0, 1.0}
        True
        >>> with dbr.using_config('train', False):
        ...     float(F.zoneout(h, x).array.sum())
        6.0
    """
    if 'train' in kwargs:
        raise ValueError("zoneout: the train argument is not supported anymore; use "
                         "dbr.using_config('train', ...) instead")
    if kwargs:
        raise TypeError(f'zoneout: unexpected keyword arguments {sorted(kwargs)}')
    if not 0.0 <= ratio <= 1.0:
        raise ValueError(f'zoneout: ratio must be in [0, 1], got {ratio!r}')
    if config.train:
        return Zoneout(ratio).apply((h, x))[0]
    return as_variable(x)
