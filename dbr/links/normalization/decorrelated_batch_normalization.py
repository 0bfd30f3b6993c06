"""``DecorrelatedBatchNormalization``: group ZCA whitening with population statistics."""
import numbers

import numpy

from dbr import link
from dbr.configuration import config
from dbr.functions.normalization.decorrelated_batch_normalization import (
    decorrelated_batch_normalization, fixed_decorrelated_batch_normalization)

_LABEL = 'DecorrelatedBatchNormalization'


def _positive(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise TypeError(f'{_LABEL}: {name} must be a positive int, got {value!r}')
    return int(value)


class DecorrelatedBatchNormalization(link.Link):
    """Decorrelated batch normalization layer (ZCA whitening of channel groups).

    In training mode the input is whitened with the statistics of the batch
    (:func:`~dbr.functions.decorrelated_batch_normalization`) and the population statistics
    ``avg_mean (groups, C)`` and ``avg_projection (groups, C, C)`` are updated: moving averages
    with ``decay``, or, with ``finetune=True``, cumulative averages over the batches since
    :meth:`start_finetuning`. In test mode the input is normalized with them
    (:func:`~dbr.functions.fixed_decorrelated_batch_normalization`). The layer has no
    parameters; ``avg_mean``, ``avg_projection`` and ``N`` are persistents (saved, loaded and
    moved with the link).

    Args:
        size (int): Number of channels (axis 1 of the input).
        groups (int or None): Number of channel groups whitened separately.
        decay (float): Weight of the old value in the moving averages.
        eps (float): Added to the diagonal of the covariances.
        dtype: Dtype of the statistics (float32 by default, as in Chainer).
        group_size (int or None): Keyword only. Channels per group, instead of ``groups``
            (16 when both are None).

    Attributes:
        avg_mean: Population mean ``(groups, C)``, zeros at first.
        avg_projection: Population whitening matrices ``(groups, C, C)``, identities at first.
        N (int): Number of batches seen in fine-tuning mode.
        groups (int): Number of groups.
        decay (float): Moving-average decay.
        eps (float): Added to the covariances.

    Example:
        >>> dbn = L.DecorrelatedBatchNormalization(8, groups=2)
        >>> x = numpy.random.randn(16, 8, 3, 3).astype('f')
        >>> y = dbn(x)  # batch statistics; avg_mean / avg_projection updated
        >>> with dbr.using_config('train', False):
        ...     y = dbn(x)  # population statistics
        >>> dbn.avg_projection.shape
        (2, 4, 4)
    """

    def __init__(self, size, groups=16, decay=0.9, eps=2e-5, dtype=numpy.float32, *,
                 group_size=None):
        super().__init__()
        size = _positive(size, 'size')
        if groups is None and group_size is None:
            group_size = 16
        if group_size is None:
            groups = _positive(groups, 'groups')
            group_size, rest = divmod(size, groups)
        else:
            group_size = _positive(group_size, 'group_size')
            if groups is None:
                groups, rest = divmod(size, group_size)
            else:
                groups = _positive(groups, 'groups')
                rest = size - groups * group_size
        if rest or group_size == 0:
            raise ValueError(f'{_LABEL}: size must equal groups * group_size, got size={size}, '
                             f'groups={groups}, group_size={group_size}')
        self.groups = groups
        self.decay = decay
        self.eps = eps
        dtype = numpy.dtype(dtype)
        projection = numpy.zeros((groups, group_size, group_size), dtype)
        projection[:, numpy.arange(group_size), numpy.arange(group_size)] = 1
        self.add_persistent('avg_mean', numpy.zeros((groups, group_size), dtype))
        self.add_persistent('avg_projection', projection)
        self.add_persistent('N', 0)

    def forward(self, x, finetune=False):
        """Whitens ``x`` with batch statistics (training) or population ones (test).

        Args:
            x: Variable or array ``(b, size, ...)``.
            finetune (bool): In training mode, accumulate exact averages of the batch
                statistics since :meth:`start_finetuning` instead of moving averages.

        Returns:
            Variable: Output of ``x``'s shape.

        Example:
            >>> y = dbn(x, finetune=True)  # doctest: +SKIP
        """
        if not config.train:
            return fixed_decorrelated_batch_normalization(
                x, self.avg_mean.astype(x.dtype, copy=False),
                self.avg_projection.astype(x.dtype, copy=False), self.groups)
        if finetune:
            self.N += 1
            decay = 1.0 - 1.0 / self.N
        else:
            decay = self.decay
        mean, projection = self.avg_mean, self.avg_projection
        if getattr(config, 'in_recomputing', False):
            # forget's rerun: the output does not depend on the statistics; update them once.
            if finetune:
                self.N -= 1
            mean = projection = None
        return decorrelated_batch_normalization(
            x, groups=self.groups, eps=self.eps, running_mean=mean,
            running_projection=projection, decay=decay)

    def start_finetuning(self):
        """Resets the fine-tuning batch count ``N``, restarting the cumulative averages.

        Example:
            >>> dbn.start_finetuning()  # doctest: +SKIP
        """
        self.N = 0
