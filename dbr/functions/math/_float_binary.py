"""Base of the float-only broadcasting functions of two operands (maximum, minimum, arctan2)."""
from dbr import type_check
from dbr.functions.math._binary import BinaryElementwise

_check_operands = type_check.expects('x1, x2', "x1.dtype.kind == 'f'", 'x1.dtype == x2.dtype')


class FloatBinary(BinaryElementwise):
    """A :class:`BinaryElementwise` whose operands, named ``x1``/``x2`` in errors as in
    Chainer's signatures, must be floats."""

    def check_type_forward(self, in_types):
        _check_operands(self, in_types)
        x1, x2 = in_types
        if x1.shape != x2.shape:
            type_check.expect_broadcastable(self, x1.shape, x2.shape)
