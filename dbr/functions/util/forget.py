"""``forget``: keep only a function's inputs in forward, and rerun it in backward."""
from dbr import backend
from dbr.configuration import config, force_backprop_mode, no_backprop_mode, using_config
from dbr.function_node import FunctionNode
from dbr.variable import Variable


def _call(func, xs):
    """Calls ``func`` and returns its outputs as a tuple of Variables."""
    outs = func(*xs)
    if isinstance(outs, Variable):
        return (outs,)
    if not isinstance(outs, tuple):
        raise RuntimeError(f'forget: func must return a Variable or a tuple of Variables, got '
                           f'{type(outs).__name__}')
    for i, out in enumerate(outs):
        if not isinstance(out, Variable):
            raise RuntimeError(f'forget: func returned a tuple whose element {i} is a '
                               f'{type(out).__name__}, not a Variable')
    return outs


def _leaf(x):
    return Variable(x, requires_grad=x.dtype.kind == 'f')


class Forget(FunctionNode):
    """Runs ``func`` without recording a graph; backward reruns it with one and backprops.

    Only the inputs are retained. ``dbr.config._will_recompute`` is True during the forward
    call and ``dbr.config.in_recomputing`` during the rerun, so that links with state (running
    statistics) can tell the two calls apart.
    """

    def __init__(self, func):
        if not callable(func):
            raise TypeError(f'forget: func must be callable, got {type(func).__name__}')
        self.func = func

    def forward(self, inputs):
        self.retain_inputs(tuple(range(len(inputs))))
        with no_backprop_mode(), using_config('_will_recompute', True):
            outs = _call(self.func, [_leaf(x) for x in inputs])
        self._shapes = [o.shape for o in outs]
        return tuple([o.array for o in outs])

    def backward(self, indexes, grad_outputs):
        if config.enable_backprop:
            raise RuntimeError('forget: double backpropagation is not supported (the rerun of '
                               'func in backward is not recorded)')
        # Fresh leaves: the rerun graph ends here instead of reaching the outer graph.
        xs = [_leaf(x.array) for x in self.get_retained_inputs()]
        with force_backprop_mode(), using_config('in_recomputing', True):
            outs = _call(self.func, xs)
            if [o.shape for o in outs] != self._shapes:
                raise RuntimeError(
                    f'forget: func gave outputs of shapes {[o.shape for o in outs]} when rerun '
                    f'in backward, {self._shapes} in forward; func must compute the same thing '
                    f'every time it is called')
            seed, = _Seed(grad_outputs).apply(outs)
        # A plain backward through the rerun graph: gradients also reach the parameters func
        # uses, as in an ordinary backward.
        seed.backward()
        return tuple([xs[i].grad_var for i in indexes])


class _Seed(FunctionNode):
    """A scalar whose backward hands the given gradients to its inputs (func's outputs)."""

    def __init__(self, grads):
        self.grads = grads

    def forward(self, inputs):
        # The value is never read; only the backward matters.
        return backend.get_array_module(*inputs).zeros((), inputs[0].dtype),

    def backward(self, indexes, grad_outputs):
        return tuple([self.grads[i] for i in indexes])


def forget(func, *xs):
    """Calls ``func(*xs)`` without storing its intermediate results; backward recomputes them.

    The forward pass runs ``func`` with graph construction off and keeps only ``xs``. The
    backward pass calls ``func`` again on the same inputs, this time recording a graph, and
    backpropagates through it, so memory drops to the inputs and outputs at the cost of a second
    forward pass. Parameters used inside ``func`` receive their gradients in that backward pass
    as usual. Arrays in ``xs`` are wrapped in Variables that require gradients, so the result is
    always connected to the graph.

    Restrictions (as in Chainer): ``func`` must compute the same result each time it is called,
    so it must not draw random numbers (:func:`dropout`, :func:`negative_sampling`, ...);
    double backpropagation through ``forget`` raises RuntimeError; ``loss_scale`` given to the
    outer ``backward`` does not reach the parameters used inside ``func``. During the rerun
    ``dbr.config.in_recomputing`` is True (and ``dbr.config._will_recompute`` during the first
    call), which stateful links such as :class:`~dbr.links.BatchRenormalization` read to update
    their running statistics only once.

    Args:
        func (callable): Takes Variables and returns a Variable or a tuple of Variables.
        *xs: Variables or arrays, the arguments of ``func``.

    Returns:
        Variable, or a tuple of Variables when ``func`` returns more than one.

    Example:
        >>> def f(a, b):
        ...     return F.tanh(a * b) + a
        >>> x = dbr.Variable(numpy.array([1., 2.], 'f'))
        >>> y = dbr.Variable(numpy.array([3., 4.], 'f'))
        >>> z = F.forget(f, x, y)  # a * b and tanh(a * b) are not kept
        >>> F.sum(z).backward()
        >>> x.grad.shape
        (2,)
    """
    xs = tuple([x if isinstance(x, Variable) else _leaf(x) for x in xs])
    ys = Forget(func).apply(xs)
    return ys[0] if len(ys) == 1 else ys
