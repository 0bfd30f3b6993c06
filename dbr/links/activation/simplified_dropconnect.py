"""``SimplifiedDropconnect``: a fully connected layer with randomly dropped weights."""
import math

from dbr import initializers
from dbr import link
from dbr import type_check
from dbr.functions.noise.simplified_dropconnect import simplified_dropconnect
from dbr.links.connection._params import check_size, get_initializer
from dbr.variable import Parameter

_LABEL = 'SimplifiedDropconnect'


class SimplifiedDropconnect(link.Link):
    """Fully connected layer ``y = x (W * mask)^T / (1 - ratio) + b`` (simplified dropconnect).

    Holds ``W (out_size, in_size)`` and ``b (out_size,)``; see
    :func:`~dbr.functions.simplified_dropconnect`. ``SimplifiedDropconnect(None, out_size)``
    defers ``W``'s creation to the first call (``in_size`` from the input's axes after the
    first, flattened).

    Args:
        in_size (int or None): Input size; None for a lazy ``W``.
        out_size (int): Output size.
        ratio (float): Drop probability of each weight.
        nobias (bool): No bias (``b`` is None).
        initialW: Initializer, scalar, array or initializer name for ``W``; by default a
            normal distribution of std ``1 / sqrt(in_size)`` (Chainer's ``HeNormal(1 /
            sqrt(2))``, which is LeCunNormal).
        initial_bias: Same for ``b``; zeros by default.

    Attributes:
        W (Parameter): Weight ``(out_size, in_size)``.
        b (Parameter or None): Bias ``(out_size,)``.
        out_size (int): Output size.
        ratio (float): Drop probability.

    Example:
        >>> layer = L.SimplifiedDropconnect(3, 2, ratio=0.3)
        >>> layer(numpy.ones((4, 3), 'f')).shape
        (4, 2)
        >>> layer(numpy.ones((4, 3), 'f'), train=False).shape  # a plain linear layer
        (4, 2)
    """

    def __init__(self, in_size, out_size, ratio=.5, nobias=False, initialW=None,
                 initial_bias=None):
        super().__init__()
        in_size = check_size(in_size, 'in_size', _LABEL, allow_none=True)
        self.out_size = check_size(out_size, 'out_size', _LABEL)
        if not 0.0 <= ratio < 1.0:
            raise ValueError(f'{_LABEL}: ratio must be in [0, 1), got {ratio!r}')
        self.ratio = ratio
        w_shape = None if in_size is None else (self.out_size, in_size)
        with self.init_scope():
            self.W = Parameter(get_initializer(initialW, initializers.LeCunNormal(), _LABEL,
                                               'initialW', w_shape), w_shape)
            if nobias:
                self.b = None
            else:
                self.b = Parameter(get_initializer(initial_bias, initializers.Zero(), _LABEL,
                                                   'initial_bias', (self.out_size,)),
                                   self.out_size)

    def forward(self, x, train=True, mask=None, use_batchwise_mask=True):
        """Applies the layer.

        Args:
            x: Variable or array ``(n, ...)``; the axes after the first are flattened.
            train (bool): Drop weights (True) or act as a linear layer (False). As in
                Chainer, this argument, not ``dbr.config.train``, decides.
            mask: None to draw a mask, or a boolean array ``(n, out_size, in_size)`` or
                ``(out_size, in_size)`` to use instead.
            use_batchwise_mask (bool): One mask per example (True) or per batch.

        Returns:
            Variable ``(n, out_size)``.

        Example:
            >>> layer(x, use_batchwise_mask=False)  # doctest: +SKIP
        """
        if self.W.array is None:
            if x.ndim < 2:
                raise type_check.InvalidType('x.ndim >= 2 (a batch axis, then features)',
                                             f'x.shape={tuple(x.shape)}', _LABEL)
            self.W.initialize((self.out_size, math.prod(x.shape[1:])))
        return simplified_dropconnect(x, self.W, self.b, self.ratio, train, mask,
                                      use_batchwise_mask)
