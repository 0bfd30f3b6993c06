"""``WalkerAlias``: constant-time sampling from a fixed discrete distribution."""
import numpy

from dbr import backend


class WalkerAlias:
    """Samples indices ``i`` with probability ``probs[i] / sum(probs)`` by Walker's alias method.

    The table splits the distribution into ``n`` equally likely columns, column ``i`` holding
    index ``i`` with probability ``threshold[i]`` and ``alias[i]`` otherwise; a sample costs one
    uniform number (its integer part picks the column, its fraction the side), so sampling is
    a few vectorized array operations on NumPy or CuPy.

    Args:
        probs: 1-D sequence of non-negative weights (not necessarily normalized), not all zero.

    Attributes:
        threshold (array): Float64 ``(n,)``, the probability of keeping a column's own index.
        alias (array): Int32 ``(n,)``, the index a column gives otherwise.
        device: The :class:`dbr.backend.Device` holding the table (samples are made there).

    Example:
        >>> sampler = dbr.utils.WalkerAlias([5, 3, 2])
        >>> s = sampler.sample((2, 4))
        >>> s.shape, s.dtype
        ((2, 4), dtype('int32'))
    """

    def __init__(self, probs):
        if backend.is_gpu_array(probs):
            probs = probs.get()
        p = numpy.array(probs, dtype=numpy.float64)
        if p.ndim != 1 or p.size == 0:
            raise ValueError(f'WalkerAlias: probs must be a non-empty 1-D sequence, got shape '
                             f'{p.shape}')
        if not numpy.isfinite(p).all() or (p < 0).any():
            raise ValueError('WalkerAlias: probs must be finite and non-negative')
        total = p.sum()
        if total <= 0:
            raise ValueError('WalkerAlias: probs must not all be zero')
        n = p.size
        # Vose's construction: pair each under-full column (scaled weight < 1) with an over-full
        # one that tops it up. Plain Python floats keep this O(n) loop fast.
        scaled = (p * (n / total)).tolist()
        threshold = [1.0] * n
        alias = list(range(n))
        small = [i for i, q in enumerate(scaled) if q < 1.0]
        large = [i for i, q in enumerate(scaled) if q >= 1.0]
        while small and large:
            s = small.pop()
            g = large[-1]
            threshold[s] = scaled[s]
            alias[s] = g
            scaled[g] -= 1.0 - scaled[s]
            if scaled[g] < 1.0:
                small.append(large.pop())
        # Columns left in either list are full up to rounding error: they keep their index.
        self.threshold = numpy.array(threshold)
        self.alias = numpy.array(alias, dtype=numpy.int32)
        self.device = backend.CpuDevice()

    @property
    def use_gpu(self):
        """True when the table lives on a GPU."""
        return self.device.xp is not numpy

    def to_device(self, device):
        """Moves the table to ``device`` (a :class:`dbr.backend.Device` or a spec). Returns self.

        Example:
            >>> sampler.to_device('@cupy:0')  # doctest: +SKIP
        """
        device = backend.get_device(device)
        self.threshold = device.send(self.threshold)
        self.alias = device.send(self.alias)
        self.device = device
        return self

    def to_cpu(self):
        """Moves the table to the host. Returns self."""
        return self.to_device(backend.CpuDevice())

    def to_gpu(self, device=None):
        """Moves the table to a GPU (the current one when ``device`` is None). Returns self.

        Example:
            >>> sampler.to_gpu(0)  # doctest: +SKIP
        """
        if device is None:
            device = backend._import_cupy('WalkerAlias.to_gpu').cuda.Device().id
        return self.to_device(device if isinstance(device, backend.Device) else int(device))

    def sample(self, shape):
        """Draws an int32 array of ``shape`` on the table's device.

        Uses ``numpy.random`` (or ``cupy.random``), so seeding it makes the samples repeat.

        Example:
            >>> sampler.sample(5)  # doctest: +SKIP
            array([0, 0, 2, 1, 0], dtype=int32)
        """
        xp = self.device.xp
        n = self.threshold.shape[0]
        u = xp.random.uniform(0, n, shape)
        # uniform(0, n) may round up to n itself; such a draw belongs to the last column.
        column = xp.minimum(u.astype(numpy.int32), n - 1)
        keep = u - column < self.threshold[column]
        return xp.where(keep, column, self.alias[column])
