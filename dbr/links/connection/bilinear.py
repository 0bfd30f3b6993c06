"""``Bilinear``: the bilinear layer over two inputs."""
from dbr import initializers
from dbr import link
from dbr.functions.connection.bilinear import bilinear
from dbr.links.connection._params import check_size, get_initializer
from dbr.variable import Parameter

_LABEL = 'Bilinear'


def _parameter(value, default, arg, shape):
    return Parameter(get_initializer(value, default, _LABEL, arg, shape), shape)


class Bilinear(link.Link):
    """Bilinear layer over two inputs, with linear terms in each and a bias.

    ``y[n, l] = e1[n] W[:, :, l] e2[n] + e1[n] V1[:, l] + e2[n] V2[:, l] + b[l]``.

    Args:
        left_size (int): Size of ``e1``'s features.
        right_size (int): Size of ``e2``'s features.
        out_size (int): Output size.
        nobias (bool): Only the bilinear term (``V1``, ``V2`` and ``b`` are None).
        initialW: Initializer, scalar, array or name for ``W``; LeCunNormal by default.
        initial_bias: A tuple ``(initialV1, initialV2, initialb)`` of the same kinds, or None
            for LeCunNormal ``V1`` and ``V2`` and a zero ``b``.

    Attributes:
        W (Parameter): ``(left_size, right_size, out_size)``.
        V1 (Parameter or None): ``(left_size, out_size)``.
        V2 (Parameter or None): ``(right_size, out_size)``.
        b (Parameter or None): ``(out_size,)``.

    Example:
        >>> bl = L.Bilinear(3, 4, 5)
        >>> bl(numpy.ones((2, 3), 'f'), numpy.ones((2, 4), 'f')).shape
        (2, 5)
    """

    def __init__(self, left_size, right_size, out_size, nobias=False, initialW=None,
                 initial_bias=None):
        super().__init__()
        left = check_size(left_size, 'left_size', _LABEL)
        right = check_size(right_size, 'right_size', _LABEL)
        out = check_size(out_size, 'out_size', _LABEL)
        self.in_sizes = (left, right)
        self.nobias = bool(nobias)
        if not self.nobias:
            if initial_bias is None:
                initial_bias = (None, None, None)
            elif not isinstance(initial_bias, tuple) or len(initial_bias) != 3:
                raise ValueError(f'{_LABEL}: initial_bias must be None or a tuple (initialV1, '
                                 f'initialV2, initialb), got {type(initial_bias).__name__}')
        with self.init_scope():
            self.W = _parameter(initialW, initializers.LeCunNormal(), 'initialW',
                                (left, right, out))
            if self.nobias:
                self.V1 = self.V2 = self.b = None
            else:
                v1, v2, b = initial_bias
                self.V1 = _parameter(v1, initializers.LeCunNormal(), 'initial_bias[0]',
                                     (left, out))
                self.V2 = _parameter(v2, initializers.LeCunNormal(), 'initial_bias[1]',
                                     (right, out))
                self.b = _parameter(b, initializers.Zero(), 'initial_bias[2]', (out,))

    def forward(self, e1, e2):
        """Applies the layer to ``e1`` ``(N, left_size)`` and ``e2`` ``(N, right_size)``.

        Returns:
            Variable ``(N, out_size)``.

        Example:
            >>> y = bl(e1, e2)  # doctest: +SKIP
        """
        if self.nobias:
            return bilinear(e1, e2, self.W)
        return bilinear(e1, e2, self.W, self.V1, self.V2, self.b)
