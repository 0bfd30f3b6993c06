"""Python operators on Variables: ``+ - * / // ** @``, unary ``-``/``abs``, ``[]``, comparisons.

Installed onto :class:`dbr.Variable` when ``dbr`` is imported. Comparisons return plain
arrays, as they have no gradient.
"""
from dbr import functions as F
from dbr.functions.math._binary import SCALAR_TYPES, as_scalar
from dbr.functions.math.add import AddConstant
from dbr.functions.math.mul import MulConstant
from dbr.variable import Variable


def _add(self, other):
    # The scalar case is the hot path of elementwise chains: go straight to the node.
    if other.__class__ is float or other.__class__ is int:
        return AddConstant(other).apply((self,))[0]
    return F.add(self, other)


def _mul(self, other):
    if other.__class__ is float or other.__class__ is int:
        return MulConstant(other).apply((self,))[0]
    return F.mul(self, other)


def _rsub(self, other):
    if isinstance(other, SCALAR_TYPES):
        return AddConstant(as_scalar(other)).apply((F.negative(self),))[0]
    return F.sub(other, self)


def _compare(op):
    def compare(self, other):
        other = other._data if isinstance(other, Variable) else other
        return op(self._data, other)
    return compare


def _setup():
    import operator
    V = Variable
    V.__add__ = V.__radd__ = _add
    V.__sub__ = lambda self, other: F.sub(self, other)
    V.__rsub__ = _rsub
    V.__mul__ = V.__rmul__ = _mul
    V.__truediv__ = lambda self, other: F.div(self, other)
    V.__rtruediv__ = lambda self, other: F.div(other, self)
    V.__floordiv__ = lambda self, other: F.floor_divide(self, other)
    V.__rfloordiv__ = lambda self, other: F.floor_divide(other, self)
    V.__pow__ = lambda self, other: F.pow(self, other)
    V.__rpow__ = lambda self, other: F.pow(other, self)
    V.__matmul__ = lambda self, other: F.matmul(self, other)
    V.__rmatmul__ = lambda self, other: F.matmul(other, self)
    V.__neg__ = lambda self: F.negative(self)
    V.__pos__ = lambda self: self
    V.__abs__ = lambda self: F.absolute(self)
    V.__getitem__ = lambda self, slices: F.get_item(self, slices)
    for name in ('lt', 'le', 'gt', 'ge', 'eq', 'ne'):
        setattr(V, f'__{name}__', _compare(getattr(operator, name)))
    V.__hash__ = object.__hash__


_setup()
