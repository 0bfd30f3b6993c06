"""Shared plumbing of the discrete distributions given by ``p`` or ``logit``."""
from dbr import backend
from dbr.distributions.distribution import Distribution


class ByLogit(Distribution):
    """A distribution of scalar events whose one parameter, ``p`` or ``logit``, is stored as
    ``self._param``; ``params`` reports it as the ``logit`` property of the subclass."""

    @property
    def event_shape(self):
        return ()

    @property
    def params(self):
        return {'logit': self.logit}

    @property
    def xp(self):
        return backend.get_array_module(self._param)
