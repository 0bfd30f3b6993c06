"""``LayerNormalization``: per-sample normalization over the feature axes."""
from dbr import link
from dbr import type_check
from dbr.configuration import get_dtype
from dbr.functions.normalization.layer_normalization import layer_normalization
from dbr.links.normalization._initializer import typed_initializer
from dbr.variable import Parameter

_LABEL = 'LayerNormalization'


class LayerNormalization(link.Link):
    """Layer normalization with a learned per-feature scale and shift.

    Each sample is standardized over its features, then scaled by ``gamma`` and shifted by
    ``beta`` (see :func:`dbr.functions.layer_normalization`). The features are the trailing
    axes of the input whose shape is ``gamma``'s, so ``LayerNormalization(d)`` also
    normalizes every position of a ``(batch, time, d)`` input.

    Args:
        size (int, tuple of ints or None): Shape of the features. None defers the creation
            of ``gamma`` and ``beta`` to the first call, which takes the shape of every axis
            of the input but the first (the input's features are all its non-batch axes).
        eps (float): Added to the variance.
        initial_gamma: Initializer (or scalar, array, name) of ``gamma``; 1 by default.
        initial_beta: Initializer of ``beta``; 0 by default.

    Attributes:
        gamma (Parameter): Scale.
        beta (Parameter): Shift.
        eps (float): Added to the variance.

    Example:
        >>> ln = L.LayerNormalization(10)
        >>> y = ln(numpy.random.randn(4, 10).astype('f'))
        >>> numpy.allclose(y.array.mean(axis=1), 0, atol=1e-5)
        True
    """

    def __init__(self, size=None, eps=1e-6, initial_gamma=None, initial_beta=None):
        super().__init__()
        self.eps = eps
        dtype = get_dtype()
        with self.init_scope():
            self.gamma = Parameter(typed_initializer(initial_gamma, 1, dtype))
            self.beta = Parameter(typed_initializer(initial_beta, 0, dtype))
        if size is not None:
            self._initialize_params(size)

    def _initialize_params(self, size):
        self.gamma.initialize(size)
        self.beta.initialize(size)

    def forward(self, x):
        """Normalizes ``x`` over its trailing feature axes.

        Args:
            x: Variable or array whose trailing axes have ``gamma``'s shape.

        Returns:
            Variable: Output of ``x``'s shape.

        Example:
            >>> y = ln(x)  # doctest: +SKIP
        """
        shape = tuple(x.shape)
        gamma = self.gamma
        if gamma.array is None:
            if len(shape) < 2:
                raise type_check.InvalidType('x.ndim >= 2 (a batch axis and feature axes)',
                                             f'x.shape={shape}', _LABEL)
            self._initialize_params(shape[1:])
        else:
            k = gamma.ndim
            if len(shape) <= k or shape[len(shape) - k:] != gamma.shape:
                raise type_check.InvalidType(
                    'x with more axes than gamma, its trailing axes of the shape of gamma',
                    f'x.shape={shape}, gamma.shape={gamma.shape}', _LABEL)
        return layer_normalization(x, self.gamma, self.beta, self.eps)
