"""``Parameter``: a link holding one array as its parameter ``W``."""
import numpy

from dbr import backend
from dbr import link
from dbr.functions.math.identity import identity
from dbr.variable import Parameter as _Param


class Parameter(link.Link):
    """A link that holds one parameter ``W`` and returns it when called.

    A relic of Chainer v1 (parameters can be held directly since then), kept for old code.
    ``W`` takes ``array`` itself as its data (no copy), with its dtype; a GPU array puts the
    link on that array's device.

    Args:
        array: NumPy or CuPy array, the initial value of ``W``.

    Attributes:
        W (Parameter): The parameter.

    Example:
        >>> p = L.Parameter(numpy.ones((2, 3), 'f'))
        >>> y = p()
        >>> y.shape, y is p.W
        ((2, 3), False)
    """

    def __init__(self, array):
        if not (hasattr(array, 'shape') and hasattr(array, 'dtype')):
            raise TypeError(f'Parameter: expected a NumPy or CuPy array, got '
                            f'{type(array).__name__}')
        super().__init__()
        device = backend.get_device_from_array(array)
        if device.xp is not numpy:
            self.to_device(device)
        with self.init_scope():
            self.W = _Param(array)

    def forward(self):
        """Returns ``W`` through an identity node (a new Variable whose gradient reaches ``W``).

        Example:
            >>> w = p()  # doctest: +SKIP
        """
        return identity(self.W)
