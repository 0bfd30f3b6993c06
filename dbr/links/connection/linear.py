"""``Linear``: the fully connected layer."""
import math

from dbr import initializers
from dbr import link
from dbr import type_check
from dbr.functions.connection.linear import linear
from dbr.links.connection._params import check_size, get_initializer
from dbr.variable import Parameter


class Linear(link.Link):
    """Fully connected layer ``y = x W^T + b`` holding ``W (out_size, in_size)`` and ``b``.

    ``Linear(out_size)`` and ``Linear(None, out_size)`` defer ``W``'s creation to the first
    call, which takes ``in_size`` from the input (its axes after the batch axes, flattened).

    Args:
        in_size (int or None): Input size; None for a lazy ``W``. With a single argument it
            is the output size instead (Chainer's ``Linear(out_size)`` form).
        out_size (int): Output size.
        nobias (bool): No bias (``b`` is None).
        initialW: Initializer, scalar, array or initializer name for ``W``; LeCunNormal
            (std ``1 / sqrt(in_size)``) by default.
        initial_bias: Same for ``b``; zeros by default.

    Attributes:
        W (Parameter): Weight ``(out_size, in_size)``.
        b (Parameter or None): Bias ``(out_size,)``.
        in_size (int or None): As given (None for a lazy ``W``).
        out_size (int): Output size.

    Example:
        >>> l = L.Linear(3, 2)
        >>> l(numpy.ones((4, 3), 'f')).shape
        (4, 2)
        >>> L.Linear(5)(numpy.ones((4, 2, 3), 'f')).shape  # in_size 6, from the first call
        (4, 5)
    """

    def __init__(self, in_size, out_size=None, nobias=False, initialW=None, initial_bias=None):
        super().__init__()
        if out_size is None:
            in_size, out_size = None, in_size
        self.in_size = check_size(in_size, 'in_size', 'Linear', allow_none=True)
        self.out_size = check_size(out_size, 'out_size', 'Linear')
        w_shape = None if self.in_size is None else (self.out_size, self.in_size)
        with self.init_scope():
            self.W = Parameter(get_initializer(initialW, initializers.LeCunNormal(), 'Linear',
                                               'initialW', w_shape), w_shape)
            if nobias:
                self.b = None
            else:
                self.b = Parameter(get_initializer(initial_bias, initializers.Zero(), 'Linear',
                                                   'initial_bias', (self.out_size,)),
                                   self.out_size)

    def _initialize_from(self, x, n_batch_axes):
        """Creates ``W`` for the first input ``x``: ``in_size`` is the size of its features."""
        ok = (not isinstance(n_batch_axes, bool) and isinstance(n_batch_axes, int)
              and 1 <= n_batch_axes < x.ndim)
        if not ok:
            raise type_check.InvalidType(
                'x.ndim > n_batch_axes >= 1 (batch axes, then the feature axes that give '
                'in_size)', f'x.shape={tuple(x.shape)}, n_batch_axes={n_batch_axes!r}', 'Linear')
        self.W.initialize((self.out_size, math.prod(x.shape[n_batch_axes:])))

    def forward(self, x, n_batch_axes=1):
        """Applies the layer.

        Args:
            x: Variable or array ``(s_1, ..., s_B, ...)``; the axes after the first
                ``n_batch_axes`` are flattened into ``in_size`` features.
            n_batch_axes (int): Number of leading batch axes kept in the output.

        Returns:
            Variable ``(s_1, ..., s_B, out_size)``.

        Example:
            >>> L.Linear(4, 2)(numpy.ones((5, 3, 4), 'f'), n_batch_axes=2).shape
            (5, 3, 2)
        """
        if self.W.array is None:
            self._initialize_from(x, n_batch_axes)
        return linear(x, self.W, self.b, n_batch_axes)
