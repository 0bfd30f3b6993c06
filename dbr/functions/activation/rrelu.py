"""Randomized leaky rectified linear unit."""
from dbr import backend
from dbr import type_check
from dbr.configuration import config
from dbr.function_node import FunctionNode
from dbr.functions.activation._elementwise import Scale
from dbr.functions.noise._random import draw


class RReLU(FunctionNode):
    """``x`` where ``x >= 0``, ``r * x`` elsewhere, for an array of slopes ``r`` of ``x``'s shape.

    In training ``r`` is drawn from ``U(lower, upper)`` unless given; in test mode it is the
    constant ``(lower + upper) / 2``. ``self.r`` holds the slopes used.
    """

    label = 'rrelu'

    check_type_forward = type_check.expects(
        'x', "x.dtype.kind == 'f'",
        'self.r is None or self.r.shape == x.shape',
        'self.r is None or self.r.dtype == x.dtype')

    def __init__(self, lower, upper, r=None):
        self.lower = lower
        self.upper = upper
        self.r = r

    def forward(self, inputs):
        self.retain_inputs((0,))
        x, = inputs
        xp = backend.get_array_module(x)
        if not config.train:
            self.r = xp.full(x.shape, (self.lower + self.upper) / 2, x.dtype)
        elif self.r is None:
            u = draw(xp, 'random_sample', x.shape, x.dtype)
            self.r = u * x.dtype.type(self.upper - self.lower) + x.dtype.type(self.lower)
        return xp.where(x >= 0, x, x * self.r),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        xp = backend.get_array_module(x.array)
        return Scale(xp.where(x.array >= 0, x.dtype.type(1), self.r)).apply(grad_outputs)


def rrelu(x, l=1. / 8, u=1. / 3, **kwargs):
    """Randomized leaky ReLU: ``x`` for ``x >= 0`` and ``r * x`` below, elementwise.

    In training (``dbr.config.train``), each element's slope ``r`` is drawn from the uniform
    distribution ``U(l, u)`` (or taken from ``r``); in test mode it is ``(l + u) / 2``.

    Args:
        x: Variable or array of floats.
        l (float): Lower bound of the slopes, in ``[0, 1)``.
        u (float): Upper bound of the slopes, in ``(l, 1)``.
        r: Keyword only. An array of slopes of ``x``'s shape and dtype to use in training
            instead of drawing them (ignored in test mode).
        return_r (bool): Keyword only. Also return the slopes used.

    Returns:
        The output Variable, or ``(output, r)`` when ``return_r`` is True.

    Example:
        >>> x = numpy.array([[-1., 0.], [2., -3.]], 'f')
        >>> with dbr.using_config('train', False):
        ...     F.rrelu(x).array
        array([[-0.22916667,  0.        ],
               [ 2.        , -0.6875    ]], dtype=float32)
    """
    r = kwargs.pop('r', None)
    return_r = kwargs.pop('return_r', False)
    if 'train' in kwargs:
        raise ValueError("rrelu: the train argument is not supported anymore; use "
                         "dbr.using_config('train', ...) instead")
    if kwargs:
        raise TypeError(f'rrelu: unexpected keyword arguments {sorted(kwargs)}')
    if not 0.0 <= l < 1.0:
        raise ValueError(f'rrelu: l must be in [0, 1), got {l!r}')
    if not 0.0 <= u < 1.0:
        raise ValueError(f'rrelu: u must be in [0, 1), got {u!r}')
    if not l < u:
        raise ValueError(f'rrelu: l must be less than u, got l={l!r}, u={u!r}')
    node = RReLU(float(l), float(u), r if config.train else None)
    y = node.apply((x,))[0]
    return (y, node.r) if return_r else y
