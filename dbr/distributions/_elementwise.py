"""Shared intake of the distributions with scalar events and broadcasting parameters."""
from dbr import backend
from dbr.distributions import utils
from dbr.distributions.distribution import Distribution


class ElementwiseDistribution(Distribution):
    """A distribution whose parameters broadcast into ``batch_shape`` and whose events are
    scalars. ``_setup(label, name=value, ...)`` takes the parameters (as Variables of one
    dtype, available as ``self._p[name]``), and ``_input(x, method)`` turns the argument of a
    probability function into a checked Variable.
    """

    def _setup(self, **params):
        label = type(self).__name__
        values = utils.as_params(label, **params)
        self._p = dict(zip(params, values))
        self._batch_shape = utils.broadcast_shapes(
            label, **{n: v.shape for n, v in self._p.items()})
        self._first = values[0]

    @property
    def batch_shape(self):
        return self._batch_shape

    @property
    def event_shape(self):
        return ()

    @property
    def params(self):
        return dict(self._p)

    @property
    def xp(self):
        return backend.get_array_module(self._first)

    def _input(self, x, method):
        x = utils.as_input(x, self._first)
        self._check_x(x, method)
        return x

    def _full(self, v):
        """``v`` broadcast to ``batch_shape``."""
        return utils.broadcast_to(v, self._batch_shape)

    def _draw(self, name, n):
        """``n`` standard draws of ``xp.random.<name>``, shaped ``(n,) + batch_shape``."""
        from dbr.functions.noise._random import draw
        return draw(self.xp, name, (n,) + self._batch_shape, self._first.dtype)


def param(name, doc):
    """A read-only property returning the parameter ``name`` that ``_setup`` took."""
    return property(lambda self: self._p[name], doc=doc)


def where_inside(inside, value, outside=-float('inf')):
    """``value`` where the boolean array ``inside`` holds, ``outside`` elsewhere."""
    from dbr.functions.math.where import where
    return where(inside, value, outside)


def inside_only(x, inside, fill=1.0):
    """``x`` with the elements outside the support replaced by ``fill``, so that functions of
    it (a log, a power) stay finite there and their gradient is zero."""
    from dbr.functions.math.where import where
    return where(inside, x, fill)
