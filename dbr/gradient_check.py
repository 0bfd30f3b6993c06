"""Numerical gradient checks: ``numerical_grad``, ``check_backward``, ``check_double_backward``.

``check_backward`` compares the analytic gradient with a central finite difference along one
random direction through all inputs at once (a directional derivative), which costs two
forward passes instead of two per element and still catches a wrong gradient anywhere.
"""
import numpy

from dbr import backend
from dbr.configuration import force_backprop_mode, no_backprop_mode
from dbr.variable import Variable


def numerical_grad(f, inputs, grad_outputs, eps=1e-3):
    """Elementwise central-difference gradient of ``sum(f(inputs) * grad_outputs)``.

    Args:
        f: Function of no arguments returning a tuple of arrays; it reads ``inputs``.
        inputs: Tuple of arrays that are perturbed in place (restored afterwards).
        grad_outputs: Tuple of arrays (or None) weighting each output of ``f``.
        eps (float): Step size.

    Returns:
        tuple: One gradient array per input, in float64 on the inputs' device.

    Example:
        >>> x = numpy.array([1., 2.])
        >>> dbr.gradient_check.numerical_grad(lambda: (x * x,), (x,), (numpy.ones(2),))
        (array([2., 4.]),)
    """
    if eps <= 0:
        raise ValueError(f'numerical_grad: eps must be positive, got {eps}')
    grads = []
    for x in inputs:
        xp = backend.get_array_module(x)
        gx = xp.zeros(x.shape, numpy.float64)
        if not x.flags.c_contiguous:
            raise ValueError('numerical_grad: inputs must be C-contiguous so they can be '
                             'perturbed in place')
        flat = x.reshape(-1)
        gflat = gx.reshape(-1)
        for i in range(flat.size):
            orig = flat[i].copy()
            flat[i] = orig + eps
            plus = _weighted_sum(f(), grad_outputs)
            flat[i] = orig - eps
            minus = _weighted_sum(f(), grad_outputs)
            flat[i] = orig
            gflat[i] = (plus - minus) / (2 * eps)
        grads.append(gx)
    return tuple(grads)


def _weighted_sum(ys, gys):
    total = 0.0
    for y, gy in zip(ys, gys):
        if gy is None or y is None:
            continue
        y = getattr(y, '_data', y)
        total += float((y.astype(numpy.float64) * gy.astype(numpy.float64)).sum())
    return total


def _as_tuple(x):
    if isinstance(x, (tuple, list)):
        return tuple(x)
    return (x,)


def check_backward(func, x_data, y_grad, params=(), eps=1e-3, atol=1e-5, rtol=1e-4,
                   no_grads=None, dtype=None):
    """Checks ``func``'s backward against a numerical directional derivative.

    Args:
        func: Function of Variables returning a Variable or a tuple of Variables.
        x_data: Array or tuple of arrays, the inputs.
        y_grad: Array or tuple of arrays (None entries allowed), the output gradients; None
            for a function returning a scalar.
        params: Parameters (Variables) used inside ``func`` whose gradients are checked too.
        eps (float): Finite-difference step.
        atol, rtol (float): Tolerances of the comparison.
        no_grads: Sequence of bools, True for inputs not to check (integer inputs never are).
        dtype: Dtype used for the numerical side (e.g. ``numpy.float64`` for float32 ops).

    Raises:
        AssertionError: When the analytic and numerical derivatives disagree, or a gradient has
            the wrong shape or dtype.

    Example:
        >>> x = numpy.random.randn(3, 4)
        >>> dbr.gradient_check.check_backward(F.tanh, x, numpy.random.randn(3, 4))
    """
    x_data = _as_tuple(x_data)
    params = _as_tuple(params)
    if no_grads is None:
        no_grads = [x.dtype.kind != 'f' for x in x_data]
    elif len(no_grads) != len(x_data):
        raise ValueError(f'check_backward: expected {len(x_data)} no_grads entries, '
                         f'got {len(no_grads)}')
    xs = [Variable(x, requires_grad=not ng) for x, ng in zip(x_data, no_grads)]
    ys = _as_tuple(func(*xs))
    if y_grad is None:
        if len(ys) != 1 or ys[0].size != 1:
            raise ValueError('check_backward: y_grad may be None only for a scalar output')
        y_grad = (backend.get_array_module(ys[0].array).ones_like(ys[0].array),)
    y_grad = _as_tuple(y_grad)
    if len(y_grad) != len(ys):
        raise ValueError(f'check_backward: func returned {len(ys)} outputs but {len(y_grad)} '
                         f'y_grad were given')
    for i, (y, gy) in enumerate(zip(ys, y_grad)):
        if gy is not None and gy.shape != y.shape:
            raise ValueError(f'check_backward: y_grad[{i}] has shape {gy.shape}, output has '
                             f'{y.shape}')
    targets = [x for x, ng in zip(xs, no_grads) if not ng] + list(params)
    if not targets:
        raise ValueError('check_backward: nothing to check (every input is in no_grads)')
    from dbr import _backprop
    # An output whose y_grad is None receives no gradient, as in Chainer.
    weighted = [(y, gy) for y, gy in zip(ys, y_grad) if gy is not None]
    if not weighted:
        raise ValueError('check_backward: every y_grad entry is None; nothing flows back')
    grads = _backprop.grad([y for y, _ in weighted], targets, [gy for _, gy in weighted], None,
                           False, False, False, None)
    for v, g in zip(targets, grads):
        if g is not None and (g.shape != v.shape or g.dtype != v.dtype):
            raise AssertionError(f'check_backward: gradient has shape {g.shape} and dtype '
                                 f'{g.dtype}, its variable has shape {v.shape} and dtype {v.dtype}')

    directions = []
    norm = 0.0
    for v in targets:
        d = numpy.random.normal(size=v.shape)
        norm += float((d * d).sum())
        directions.append(d)
    norm = numpy.sqrt(norm) or 1.0
    directions = [backend.get_device_from_array(v.array).send(d / norm)
                  for v, d in zip(targets, directions)]

    analytic = 0.0
    for g, d in zip(grads, directions):
        if g is not None:
            analytic += float((g.array.astype(numpy.float64) * d).sum())

    num_dtype = None if dtype is None else numpy.dtype(dtype)
    originals = [v.array for v in targets]

    def evaluate(sign):
        for v, x0, d in zip(targets, originals, directions):
            work = x0.astype(num_dtype or x0.dtype)
            v.array = (work + (sign * eps) * d).astype(work.dtype)
        others = [Variable(x.astype(num_dtype) if num_dtype is not None and x.dtype.kind == 'f'
                           else x, requires_grad=False) for x, ng in zip(x_data, no_grads) if ng]
        it = iter(others)
        args = [v if not ng else next(it) for v, ng in zip(xs, no_grads)]
        with no_backprop_mode():
            out = _as_tuple(func(*args))
        gys = [gy.astype(num_dtype) if num_dtype is not None and gy is not None else gy
               for gy in y_grad]
        return _weighted_sum(out, gys)

    try:
        numerical = (evaluate(1) - evaluate(-1)) / (2 * eps)
    finally:
        for v, x0 in zip(targets, originals):
            v.array = x0
    if not abs(analytic - numerical) <= atol + rtol * abs(numerical):
        raise AssertionError(
            f'check_backward: analytic and numerical directional derivatives differ:\n'
            f'  analytic:  {analytic!r}\n  numerical: {numerical!r}\n'
            f'  |diff| = {abs(analytic - numerical):.3g} > atol + rtol*|numerical| = '
            f'{atol + rtol * abs(numerical):.3g}\n'
            f'  input shapes: {[v.shape for v in targets]}, dtypes: {[str(v.dtype) for v in targets]}')


def check_double_backward(func, x_data, y_grad, x_grad_grad, params=(), params_grad_grad=(),
                          eps=1e-3, atol=1e-4, rtol=1e-3, no_grads=None, dtype=None):
    """Checks the gradient of ``func``'s gradient (second-order derivatives).

    The first-order gradient w.r.t. the inputs (and ``params``), as a function of the inputs
    and of ``y_grad``, is itself checked with :func:`check_backward`, weighted by
    ``x_grad_grad`` (and ``params_grad_grad``).

    Args:
        func: Function of Variables returning a Variable or a tuple of Variables.
        x_data: Inputs.
        y_grad: Output gradients (treated as inputs of the first-order gradient).
        x_grad_grad: Gradients of the first-order input gradients.
        params: Parameters used inside ``func``.
        params_grad_grad: Gradients of the first-order parameter gradients.
        eps, atol, rtol, no_grads, dtype: As in :func:`check_backward`.

    Example:
        >>> x = numpy.random.randn(3)
        >>> dbr.gradient_check.check_double_backward(
        ...     F.tanh, x, numpy.random.randn(3), numpy.random.randn(3))
    """
    x_data = _as_tuple(x_data)
    y_grad = _as_tuple(y_grad)
    x_grad_grad = _as_tuple(x_grad_grad)
    params = _as_tuple(params)
    params_grad_grad = _as_tuple(params_grad_grad)
    n_x = len(x_data)
    if no_grads is None:
        no_grads = [x.dtype.kind != 'f' for x in x_data]
    if len(x_grad_grad) != sum(1 for ng in no_grads if not ng):
        raise ValueError(f'check_double_backward: expected one x_grad_grad per differentiable '
                         f'input ({sum(1 for ng in no_grads if not ng)}), got {len(x_grad_grad)}')
    if len(params_grad_grad) != len(params):
        raise ValueError(f'check_double_backward: expected {len(params)} params_grad_grad, got '
                         f'{len(params_grad_grad)}')
    from dbr import _backprop

    # Outputs whose y_grad is None get no gradient; the others' y_grad are inputs too.
    weighted = [gy is not None for gy in y_grad]
    gy_data = tuple(gy for gy in y_grad if gy is not None)

    def first_order(*args):
        xs, given = args[:n_x], iter(args[n_x:])
        # check_backward evaluates this without a graph; the first-order gradient needs one.
        with force_backprop_mode():
            ys = _as_tuple(func(*xs))
        pairs = [(y, next(given)) for y, w in zip(ys, weighted) if w]
        targets = [x for x, ng in zip(xs, no_grads) if not ng] + list(params)
        grads = _backprop.grad([y for y, _ in pairs], targets, [gy for _, gy in pairs], None,
                               False, False, True, None)
        return tuple(g if g is not None else Variable(t.xp.zeros_like(t.array))
                     for g, t in zip(grads, targets))

    check_backward(first_order, x_data + gy_data, x_grad_grad + params_grad_grad, params,
                   eps=eps, atol=atol, rtol=rtol,
                   no_grads=list(no_grads) + [False] * len(gy_data), dtype=dtype)
