"""``Maxout``: a fully connected layer followed by a maximum over groups of units."""
import numpy

from dbr import backend
from dbr import initializers
from dbr import link
from dbr.functions.activation.maxout import maxout
from dbr.links.connection.linear import Linear


def _is_array(value):
    return isinstance(value, numpy.ndarray) or backend.is_gpu_array(value)


def _reshaped_initializer(value, shape, flat_shape, name):
    """Turns a Maxout initializer argument into one for the flat Linear parameter.

    An array of the pooled ``shape`` (None for a size not known yet) is flattened; a plain
    callable is handed a pooled-shape view of the flat parameter. Scalars, names and
    :class:`~dbr.initializers.Initializer` objects fill the flat parameter directly.
    """
    if _is_array(value):
        if value.ndim != len(shape) or any(
                n is not None and n != m for n, m in zip(shape, value.shape)):
            expected = tuple('in_size' if n is None else n for n in shape)
            raise ValueError(f'Maxout: {name} must be an array of shape {expected} '
                             f'(out_size, pool_size{", in_size" if len(shape) == 3 else ""}), '
                             f'got shape {value.shape}')
        return value.reshape(flat_shape)
    if callable(value) and not isinstance(value, initializers.Initializer):
        pooled = tuple(-1 if n is None else n for n in shape)

        def fill(array):
            value(array.reshape(pooled))
        return fill
    return value


class Maxout(link.Chain):
    """Fully connected maxout layer: ``y[:, i] = max_j (x W[i, j]^T + b[i, j])``.

    ``W`` has the pooled shape ``(out_size, pool_size, in_size)``; it is stored flat as the
    weight ``(out_size * pool_size, in_size)`` of the child ``linear``, and
    :func:`dbr.functions.maxout` takes the maximum over each group of ``pool_size``
    consecutive outputs.

    Args:
        in_size (int or None): Input size; None defers it to the first call.
        out_size (int): Output size.
        pool_size (int): Number of linear pieces per output unit.
        initialW: Weight initializer, or an array ``(out_size, pool_size, in_size)``. A plain
            callable receives the weight in that shape; an initializer object the flat one.
        initial_bias: Bias initializer, or an array ``(out_size, pool_size)``; None for no
            bias.

    Attributes:
        linear (Linear): The fully connected layer.
        out_size (int): Output size.
        pool_size (int): Pieces per unit.

    Example:
        >>> layer = L.Maxout(3, 2, 4)
        >>> layer(numpy.zeros((5, 3), 'f')).shape
        (5, 2)
    """

    def __init__(self, in_size, out_size, pool_size, initialW=None, initial_bias=0):
        super().__init__()
        flat = out_size * pool_size
        initialW = _reshaped_initializer(initialW, (out_size, pool_size, in_size), (flat, -1),
                                         'initialW')
        initial_bias = _reshaped_initializer(initial_bias, (out_size, pool_size), (flat,),
                                             'initial_bias')
        with self.init_scope():
            self.linear = Linear(in_size, flat, nobias=initial_bias is None, initialW=initialW,
                                 initial_bias=initial_bias)
        self.out_size = out_size
        self.pool_size = pool_size

    def forward(self, x):
        """Applies the layer.

        Args:
            x: Input ``(B, ...)`` with ``in_size`` values per sample.

        Returns:
            Variable ``(B, out_size)``.

        Example:
            >>> y = layer(x)  # doctest: +SKIP
        """
        return maxout(self.linear(x), self.pool_size)
