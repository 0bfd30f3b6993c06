"""Shared plumbing of the location-scale families on the real line."""
from dbr.distributions._elementwise import ElementwiseDistribution, param


class LocScaleDistribution(ElementwiseDistribution):
    """The distribution of ``loc + scale * eps``, ``eps`` drawn by ``xp.random.<_standard>``.

    Subclasses set ``_standard`` and write the probability functions, mostly in terms of
    ``_z(x, method)``, the standardized and checked argument.
    """

    _standard = None

    def __init__(self, loc, scale):
        self._setup(loc=loc, scale=scale)

    loc = param('loc', 'Variable: The location.')
    scale = param('scale', 'Variable: The scale.')

    @property
    def support(self):
        return 'real'

    def _z(self, x, method):
        return (self._input(x, method) - self.loc) / self.scale

    def sample_n(self, n):
        return self.loc + self.scale * self._draw(self._standard, n)
