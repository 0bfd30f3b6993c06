"""``BatchNormalization``: batch normalization with running statistics."""
import numpy

from dbr import initializers
from dbr import link
from dbr import type_check
from dbr.configuration import config, get_dtype
from dbr.functions.math._axes import normalize_axes
from dbr.functions.normalization.batch_normalization import batch_normalization
from dbr.functions.normalization.fixed_batch_normalization import fixed_batch_normalization
from dbr.links.normalization._initializer import typed_initializer
from dbr.variable import Parameter

_LABEL = 'BatchNormalization'


class BatchNormalization(link.Link):
    """Batch normalization layer with population statistics for inference.

    In training mode (``config.train`` True) the input is normalized with the statistics of
    the batch, and the moving averages ``avg_mean`` and ``avg_var`` (unbiased) are updated:
    ``avg = decay * avg + (1 - decay) * batch_stat``. With ``finetune=True`` the averages are
    cumulative instead (``decay = 1 - 1/N``, ``N`` counting the fine-tuning batches), so that a
    pass over the training set gives the exact population statistics. In test mode
    (``config.train`` False) the input is normalized with ``avg_mean`` and ``avg_var``, which
    stay unchanged. ``avg_mean``, ``avg_var`` and ``N`` are persistents: they are saved,
    loaded, copied and moved between devices with the link.

    Args:
        size (int, tuple of ints or None): Shape of the channel axes. None defers the creation
            of the parameters and statistics to the first call, which takes their shape from
            the input: the axes not in ``axis``, or axis 1 when ``axis`` is None as well.
        decay (float): Weight of the old value in the moving averages.
        eps (float): Added to the variance.
        dtype: Dtype of the parameters and statistics (``config.dtype`` when None).
        use_gamma (bool): Learn a scale ``gamma``; otherwise the scale is 1 and no ``gamma``
            parameter exists.
        use_beta (bool): Learn a shift ``beta``; otherwise the shift is 0 and no ``beta``
            parameter exists.
        initial_gamma: Initializer (or scalar, array, name) of ``gamma``; 1 by default.
        initial_beta: Initializer of ``beta``; 0 by default.
        axis (int, tuple of ints or None): Axes the statistics are taken over. None means
            the batch axis and the axes after the channel axes (which start at axis 1).
        initial_avg_mean: Initializer of ``avg_mean``; 0 by default.
        initial_avg_var: Initializer of ``avg_var``; 1 by default.

    Attributes:
        gamma (Parameter or None): Scale.
        beta (Parameter or None): Shift.
        avg_mean: Population mean (None until initialized).
        avg_var: Population variance (None until initialized).
        N (int): Number of batches seen in fine-tuning mode.
        decay (float): Moving-average decay.
        eps (float): Added to the variance.

    Example:
        >>> bn = L.BatchNormalization(3)
        >>> x = numpy.random.randn(8, 3, 4, 4).astype('f')
        >>> y = bn(x)  # normalizes with batch statistics, updates avg_mean / avg_var
        >>> with dbr.using_config('train', False):
        ...     y = bn(x)  # normalizes with avg_mean / avg_var
        >>> bn.avg_mean.shape
        (3,)
    """

    gamma = None
    beta = None

    def __init__(self, size=None, decay=0.9, eps=2e-5, dtype=None, use_gamma=True,
                 use_beta=True, initial_gamma=None, initial_beta=None, axis=None,
                 initial_avg_mean=None, initial_avg_var=None):
        super().__init__()
        self.decay = decay
        self.eps = eps
        self.axis = (axis,) if isinstance(axis, (int, numpy.integer)) else axis
        self._dtype = dtype = get_dtype(dtype)
        self._initial_avg_mean = typed_initializer(initial_avg_mean, 0, dtype)
        self._initial_avg_var = typed_initializer(initial_avg_var, 1, dtype)
        self.add_persistent('avg_mean', None)
        self.add_persistent('avg_var', None)
        self.add_persistent('N', 0)
        with self.init_scope():
            if use_gamma:
                self.gamma = Parameter(typed_initializer(initial_gamma, 1, dtype))
            if use_beta:
                self.beta = Parameter(typed_initializer(initial_beta, 0, dtype))
        if size is not None:
            self._initialize_params(size)

    def _initialize_params(self, shape):
        shape = (int(shape),) if isinstance(shape, (int, numpy.integer)) else tuple(shape)
        with self.device:
            self.avg_mean = initializers.generate_array(self._initial_avg_mean, shape, self.xp)
            self.avg_var = initializers.generate_array(self._initial_avg_var, shape, self.xp)
        if self.gamma is not None:
            self.gamma.initialize(shape)
        if self.beta is not None:
            self.beta.initialize(shape)

    def _channel_shape(self, x):
        """The shape of ``x``'s channel axes, checked against the statistics' shape."""
        shape = tuple(x.shape)
        mean = self.avg_mean
        if self.axis is None:
            k = 1 if mean is None else mean.ndim
            if len(shape) <= k:
                raise type_check.InvalidType(
                    f'x.ndim >= {k + 1} (a batch axis and {k} channel axes)',
                    f'x.shape={shape}', _LABEL)
            channels = shape[1:1 + k]
        else:
            axes = normalize_axes(self.axis, shape, _LABEL)
            channels = tuple([d for i, d in enumerate(shape) if i not in axes])
        if mean is not None and channels != mean.shape:
            raise type_check.InvalidType(
                'the channel axes of x to have the shape of avg_mean',
                f'x.shape={shape} (channel shape {channels}), avg_mean.shape={mean.shape}, '
                f'axis={self.axis}', _LABEL)
        return channels

    def _scale_and_shift(self, x):
        """``(gamma, beta)`` for ``x``, after checking its channel shape and initializing the
        statistics on the first call; ones or zeros of ``x``'s dtype for an unused one."""
        channels = self._channel_shape(x)
        if self.avg_mean is None:
            self._initialize_params(channels)
        gamma = self.gamma
        beta = self.beta
        if gamma is None or beta is None:
            with self.device:
                if gamma is None:
                    gamma = self.xp.ones(channels, dtype=x.dtype)
                if beta is None:
                    beta = self.xp.zeros(channels, dtype=x.dtype)
        return gamma, beta

    def forward(self, x, finetune=False):
        """Normalizes ``x`` with batch statistics (training) or population ones (test).

        Args:
            x: Variable or array.
            finetune (bool): In training mode, accumulate the exact average of the batch
                statistics since :meth:`start_finetuning` instead of a moving average.

        Returns:
            Variable: Output of ``x``'s shape.

        Example:
            >>> y = bn(x, finetune=True)  # doctest: +SKIP
        """
        gamma, beta = self._scale_and_shift(x)
        if config.train:
            avg_mean, avg_var = self.avg_mean, self.avg_var
            if config.in_recomputing:
                # F.forget reruns this forward in backward: the statistics were updated once.
                avg_mean = avg_var = None
                decay = self.decay
            elif finetune:
                self.N += 1
                decay = 1.0 - 1.0 / self.N
            else:
                decay = self.decay
            return batch_normalization(x, gamma, beta, self.eps, avg_mean, avg_var, decay,
                                       self.axis)
        return fixed_batch_normalization(x, gamma, beta, self.avg_mean, self.avg_var, self.eps,
                                         self.axis)

    def start_finetuning(self):
        """Resets the fine-tuning batch count ``N``, restarting the cumulative averages.

        Example:
            >>> bn.start_finetuning()  # doctest: +SKIP
        """
        self.N = 0
