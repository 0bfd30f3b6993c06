"""``GroupNormalization``: per-sample normalization over groups of channels."""
import numpy

from dbr import link
from dbr import type_check
from dbr.configuration import get_dtype
from dbr.functions.normalization.group_normalization import group_normalization
from dbr.links.normalization._initializer import typed_initializer
from dbr.variable import Parameter

_LABEL = 'GroupNormalization'


class GroupNormalization(link.Link):
    """Group normalization with a learned per-channel scale and shift.

    The channels (axis 1) of each sample are split into ``groups`` groups standardized
    separately together with the spatial axes, then scaled by ``gamma`` and shifted by
    ``beta`` (see :func:`dbr.functions.group_normalization`).

    Args:
        groups (int): Number of channel groups; must divide the number of channels.
        size (int or None): Number of channels. None defers the creation of ``gamma`` and
            ``beta`` to the first call, which takes it from the input's axis 1.
        eps (float): Added to the variance.
        initial_gamma: Initializer (or scalar, array, name) of ``gamma``; 1 by default.
        initial_beta: Initializer of ``beta``; 0 by default.

    Attributes:
        groups (int): Number of groups.
        gamma (Parameter): Scale, one per channel.
        beta (Parameter): Shift, one per channel.
        eps (float): Added to the variance.

    Example:
        >>> gn = L.GroupNormalization(2, 6)
        >>> gn(numpy.random.randn(4, 6, 5, 5).astype('f')).shape
        (4, 6, 5, 5)
    """

    def __init__(self, groups, size=None, eps=1e-5, initial_gamma=None, initial_beta=None):
        super().__init__()
        if not isinstance(groups, (int, numpy.integer)) or isinstance(groups, bool) or groups < 1:
            raise ValueError(f'{_LABEL}: groups must be a positive integer, got {groups!r}')
        self.groups = int(groups)
        self.eps = eps
        dtype = get_dtype()
        with self.init_scope():
            self.gamma = Parameter(typed_initializer(initial_gamma, 1, dtype))
            self.beta = Parameter(typed_initializer(initial_beta, 0, dtype))
        if size is not None:
            self._initialize_params(size)

    def _initialize_params(self, size):
        if size % self.groups:
            raise ValueError(f'{_LABEL}: the number of channels ({size}) must be divisible by '
                             f'groups ({self.groups})')
        self.gamma.initialize(size)
        self.beta.initialize(size)

    def forward(self, x):
        """Normalizes ``x`` (``(N, C, ...)``) per sample and channel group.

        Args:
            x: Variable or array with ``C`` channels on axis 1.

        Returns:
            Variable: Output of ``x``'s shape.

        Example:
            >>> y = gn(x)  # doctest: +SKIP
        """
        shape = tuple(x.shape)
        if len(shape) < 2:
            raise type_check.InvalidType('x.ndim >= 2 (batch and channel axes)',
                                         f'x.shape={shape}', _LABEL)
        gamma = self.gamma
        if gamma.array is None:
            self._initialize_params(shape[1])
        elif shape[1] != gamma.shape[0]:
            raise type_check.InvalidType('x.shape[1] == gamma.shape[0]',
                                         f'x.shape={shape}, gamma.shape={gamma.shape}', _LABEL)
        return group_normalization(x, self.groups, gamma, self.beta, self.eps)
