"""Autograd-style differentiation of plain Python functions: ``grad`` and ``value_and_grad``.

The function takes arrays (or Python scalars) and may use loops, branches and early exits; it
computes with dbr functions or Variable operators. The returned function gives gradient arrays.

Example:
    >>> def f(x):
    ...     return dbr.functions.sum(x ** 2)
    >>> dbr.functional.grad(f)(numpy.array([1., 2.]))
    array([2., 4.])
"""
import numpy

from dbr import backend
from dbr.configuration import force_backprop_mode
from dbr.variable import Variable


def _argnums(argnums, n_args):
    single = isinstance(argnums, int)
    nums = (argnums,) if single else tuple(argnums)
    for i in nums:
        if not -n_args <= i < n_args:
            raise IndexError(f'dbr.functional.grad: argnums {argnums} out of range for '
                             f'{n_args} positional arguments')
    return single, tuple(i % n_args for i in nums)


def value_and_grad(fun, argnums=0):
    """Returns a function computing ``(fun(*args), gradient of fun w.r.t. args[argnums])``.

    Args:
        fun: Python function returning a scalar (Variable, array or number).
        argnums (int or tuple of ints): Which positional arguments to differentiate.

    Returns:
        A function with ``fun``'s signature returning ``(value, grads)``; ``grads`` is one array
        for an int ``argnums`` and a tuple otherwise. Arguments given as Variables get Variable
        gradients that can be differentiated again (``grad(grad(f))``).

    Example:
        >>> value, g = dbr.functional.value_and_grad(lambda w: (w * w).sum())(numpy.ones(2))
    """
    def wrapped(*args, **kwargs):
        single, nums = _argnums(argnums, len(args))
        args = list(args)
        xs = []
        nested = False
        for i in nums:
            a = args[i]
            if isinstance(a, Variable):
                nested = True
            else:
                if isinstance(a, (int, float)) and not isinstance(a, bool):
                    a = numpy.asarray(float(a))
                elif not (isinstance(a, numpy.ndarray) or backend.is_gpu_array(a)):
                    a = numpy.asarray(a)
                if a.dtype.kind != 'f':
                    raise TypeError(f'dbr.functional.grad: argument {i} must be floating point, '
                                    f'got dtype {a.dtype}')
                a = Variable(a)
            args[i] = a
            xs.append(a)
        with force_backprop_mode():
            y = fun(*args, **kwargs)
        if not isinstance(y, Variable):
            y = Variable(backend.get_array_module(xs[0].array).asarray(y, dtype=xs[0].dtype),
                         requires_grad=False)
        if y.size != 1:
            raise ValueError(f'dbr.functional.grad: fun must return a scalar, got shape {y.shape}')
        from dbr import _backprop
        gs = _backprop.grad([y], xs, None, None, False, False, nested, None)
        out = []
        for x, g in zip(xs, gs):
            if g is None:
                g = Variable(x.xp.zeros_like(x.array), requires_grad=False)
            out.append(g if nested else g.array)
        value = y if nested else y.array
        return value, (out[0] if single else tuple(out))
    return wrapped


def grad(fun, argnums=0):
    """Returns a function computing the gradient of ``fun`` w.r.t. ``args[argnums]``.

    Args:
        fun: Python function returning a scalar.
        argnums (int or tuple of ints): Which positional arguments to differentiate.

    Example:
        >>> dsin = dbr.functional.grad(taylor_sine)  # doctest: +SKIP
        >>> dsin(numpy.array(0.5))  # ~ cos(0.5)  # doctest: +SKIP
    """
    vg = value_and_grad(fun, argnums)

    def wrapped(*args, **kwargs):
        return vg(*args, **kwargs)[1]
    return wrapped
