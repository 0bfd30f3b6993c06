"""``BatchRenormalization``: batch normalization corrected towards its running statistics."""
from dbr.configuration import config
from dbr.functions.normalization.batch_renormalization import batch_renormalization
from dbr.functions.normalization.fixed_batch_normalization import fixed_batch_normalization
from dbr.links.normalization.batch_normalization import BatchNormalization


class BatchRenormalization(BatchNormalization):
    """Batch renormalization layer: training outputs that depend less on the batch.

    In training mode the input is normalized with the batch statistics, then corrected towards
    the running ones by ``r`` (clipped to ``[1/rmax, rmax]``) and ``d`` (clipped to
    ``[-dmax, dmax]``), see :func:`~dbr.functions.batch_renormalization`; ``avg_mean`` and
    ``avg_var`` are updated as in :class:`BatchNormalization` (moving averages, or cumulative
    ones with ``finetune=True``). In test mode the input is normalized with ``avg_mean`` and
    ``avg_var`` (:func:`~dbr.functions.fixed_batch_normalization`). Parameters and persistents
    (``gamma``, ``beta``, ``avg_mean``, ``avg_var``, ``N``) are those of
    :class:`BatchNormalization`, so saved files have the same keys.

    Inside :func:`~dbr.functions.forget` the running statistics are updated by the first call
    only; the rerun in backward uses the statistics the first call saw, so both compute the
    same output.

    Args:
        size (int, tuple of ints or None): Shape of the channel axes (None: from the first
            input, its axis 1).
        rmax (float): Bound of the scale correction ``r``; 1 disables it.
        dmax (float): Bound of the shift correction ``d``; 0 disables it.
        decay (float): Weight of the old value in the moving averages.
        eps (float): Added to the variances.
        dtype: Dtype of the parameters and statistics (``config.dtype`` when None).
        use_gamma (bool): Learn a scale ``gamma``.
        use_beta (bool): Learn a shift ``beta``.
        initial_gamma: Initializer of ``gamma``; 1 by default.
        initial_beta: Initializer of ``beta``; 0 by default.
        initial_avg_mean: Initializer of ``avg_mean``; 0 by default.
        initial_avg_var: Initializer of ``avg_var``; 1 by default.
        freeze_running_statistics (bool): Keyword only. Never update ``avg_mean`` and
            ``avg_var`` (Chainer v3/v4's option, absent from v7).

    Attributes:
        rmax (float): As given.
        dmax (float): As given.
        freeze_running_statistics (bool): As given; may be changed between calls.

    Example:
        >>> brn = L.BatchRenormalization(3, rmax=3., dmax=5.)
        >>> x = numpy.random.randn(8, 3, 4, 4).astype('f')
        >>> y = brn(x)  # batch statistics, corrected; avg_mean / avg_var updated
        >>> with dbr.using_config('train', False):
        ...     y = brn(x)  # avg_mean / avg_var
        >>> y.shape
        (8, 3, 4, 4)
    """

    _prev_avg_mean = None
    _prev_avg_var = None

    def __init__(self, size, rmax=1, dmax=0, decay=0.9, eps=2e-5, dtype=None, use_gamma=True,
                 use_beta=True, initial_gamma=None, initial_beta=None, initial_avg_mean=None,
                 initial_avg_var=None, *, freeze_running_statistics=False):
        super().__init__(size, decay, eps, dtype, use_gamma, use_beta, initial_gamma,
                         initial_beta, None, initial_avg_mean, initial_avg_var)
        self.rmax = rmax
        self.dmax = dmax
        self.freeze_running_statistics = freeze_running_statistics

    def forward(self, x, finetune=False):
        """Normalizes ``x`` with corrected batch statistics (training) or the running ones.

        Args:
            x: Variable or array ``(N, C, ...)``.
            finetune (bool): In training mode, accumulate the exact average of the batch
                statistics since :meth:`start_finetuning` instead of a moving average.

        Returns:
            Variable: Output of ``x``'s shape.

        Example:
            >>> y = brn(x, finetune=True)  # doctest: +SKIP
        """
        gamma, beta = self._scale_and_shift(x)
        if not config.train:
            return fixed_batch_normalization(x, gamma, beta, self.avg_mean, self.avg_var,
                                             self.eps)
        if finetune:
            self.N += 1
            decay = 1.0 - 1.0 / self.N
        else:
            decay = self.decay
        avg_mean = self.avg_mean
        avg_var = self.avg_var
        update = not self.freeze_running_statistics
        if getattr(config, 'in_recomputing', False):
            # forget's rerun: same statistics as the first call, and no second update.
            if finetune:
                self.N -= 1
            if self._prev_avg_mean is not None:
                avg_mean, avg_var = self._prev_avg_mean, self._prev_avg_var
            update = False
        elif getattr(config, '_will_recompute', False):
            self._prev_avg_mean = avg_mean.copy()
            self._prev_avg_var = avg_var.copy()
        return batch_renormalization(x, gamma, beta, self.rmax, self.dmax, self.eps, avg_mean,
                                     avg_var, decay, update_statistics=update)
