"""Group normalization: standardize each sample over groups of channels."""
import numpy

from dbr import type_check
from dbr.functions.array.reshape import reshape
from dbr.functions.normalization._standardize import Standardize


class GroupNormalization(Standardize):
    """Statistics per sample and channel group; ``gamma``/``beta`` per channel."""


def group_normalization(x, groups, gamma, beta, eps=1e-5):
    """Group normalization.

    The ``C`` channels of ``x`` (``(N, C, ...)``) are split into ``groups`` groups of
    consecutive channels; each sample is standardized over each group together with the
    spatial axes, then scaled and shifted per channel:
    ``y = gamma * (x - mean) / sqrt(var + eps) + beta``. Statistics of float16 inputs are
    computed in float32.

    Args:
        x: Variable or array of shape ``(N, C, ...)``.
        groups (int): Number of groups; must divide ``C``.
        gamma: Scale of shape ``(C,)``.
        beta: Shift of shape ``(C,)``.
        eps (float): Added to the variance.

    Returns:
        Variable: Output of ``x``'s shape and dtype.

    Example:
        >>> x = numpy.random.randn(2, 6, 4, 4).astype('f')
        >>> F.group_normalization(x, 3, numpy.ones(6, 'f'), numpy.zeros(6, 'f')).shape
        (2, 6, 4, 4)
    """
    label = 'group_normalization'
    shape = tuple(x.shape)
    if len(shape) < 2:
        raise type_check.InvalidType('x.ndim >= 2 (batch and channel axes)', f'x.shape={shape}',
                                     label)
    if not isinstance(groups, (int, numpy.integer)) or isinstance(groups, bool) or groups < 1:
        raise ValueError(f'{label}: groups must be a positive integer, got {groups!r}')
    n, c = shape[:2]
    if c % groups:
        raise type_check.InvalidType('x.shape[1] divisible by groups',
                                     f'x.shape={shape}, groups={groups}', label)
    for name, p in (('gamma', gamma), ('beta', beta)):
        if tuple(p.shape) != (c,):
            raise type_check.InvalidType(f'{name}.shape == (x.shape[1],)',
                                         f'{name}.shape={tuple(p.shape)}, x.shape={shape}',
                                         label)
    spatial = 1
    for s in shape[2:]:
        spatial *= s
    groups = int(groups)
    grouped = (n, groups, c // groups, spatial)
    node = GroupNormalization((2, 3), (1, groups, c // groups, 1), eps)
    y = node.apply((reshape(x, grouped), gamma, beta))[0]
    return reshape(y, shape)
