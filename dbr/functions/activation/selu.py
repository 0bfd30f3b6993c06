"""Scaled exponential linear unit."""
from dbr.functions.activation.elu import ELU


class SELU(ELU):
    """ELU times ``scale`` (its own class so that errors name ``selu``)."""


def selu(x, alpha=1.6732632423543772848170429916717,
         scale=1.0507009873554804934193349852946):
    """Scaled ELU: ``scale * elu(x, alpha)``, self-normalizing with the default constants.

    Args:
        x: Variable or array of floats.
        alpha (float): ELU's ``alpha``.
        scale (float): Factor applied to the whole output.

    Returns:
        Variable of ``x``'s shape and dtype.

    Example:
        >>> F.selu(dbr.Variable(numpy.array([-1., 2.], 'f'))).array
        array([-1.1113307,  2.101402 ], dtype=float32)
    """
    return SELU(float(alpha), float(scale)).apply((x,))[0]
