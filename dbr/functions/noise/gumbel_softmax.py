"""Gumbel-softmax: a differentiable relaxation of sampling from a categorical distribution."""
from dbr import backend
from dbr import type_check
from dbr.functions.activation.softmax import softmax
from dbr.functions.noise._random import draw
from dbr.variable import Variable


def gumbel_softmax(log_pi, tau=0.1, axis=1):
    """Softmax of ``(log_pi + g) / tau`` along ``axis`` with Gumbel noise ``g``.

    As ``tau`` goes to 0 the output approaches a one-hot sample of the categorical
    distribution with log-probabilities ``log_pi``; the noise is drawn anew on every call.

    Args:
        log_pi: Float Variable or array of (unnormalized) log-probabilities.
        tau (float): Positive temperature.
        axis (int): Axis holding the categories.

    Returns:
        Variable of the shape of ``log_pi``; a 0-d input gives 1.

    Example:
        >>> y = F.gumbel_softmax(numpy.log(numpy.full((2, 3), 1 / 3, 'f')))
        >>> numpy.allclose(y.array.sum(axis=1), 1)
        True
    """
    data = log_pi.array if isinstance(log_pi, Variable) else log_pi
    if data.dtype.kind != 'f':
        raise type_check.InvalidType("log_pi.dtype.kind == 'f'", f'log_pi.dtype={data.dtype}',
                                     'gumbel_softmax')
    if not tau > 0:
        raise ValueError(f'gumbel_softmax: tau must be positive, got {tau!r}')
    xp = backend.get_array_module(data)
    if data.ndim == 0:
        # one category: the sample is certain
        return Variable(xp.ones((), data.dtype), requires_grad=False)
    if not -data.ndim <= axis < data.ndim:
        raise type_check.InvalidType(f'axis in [{-data.ndim}, {data.ndim})',
                                     f'axis={axis}, log_pi.shape={data.shape}', 'gumbel_softmax')
    g = draw(xp, 'gumbel', data.shape, data.dtype)
    if isinstance(log_pi, Variable):
        return softmax((log_pi + g) * (1.0 / tau), axis)
    return softmax((data + g) * data.dtype.type(1.0 / tau), axis)
