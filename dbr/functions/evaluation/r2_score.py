"""Coefficient of determination R^2 (not differentiable)."""
from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.variable import as_array

_MULTIOUTPUT = ('uniform_average', 'raw_values')


class R2Score(FunctionNode):
    """``1 - SS_res / SS_tot`` per output column (0 where the target is constant)."""

    check_type_forward = type_check.expects(
        'pred, true', "pred.dtype.kind == 'f'", 'pred.dtype == true.dtype',
        'pred.shape == true.shape', 'pred.ndim >= 1', 'pred.shape[0] > 0')

    def __init__(self, multioutput):
        if multioutput not in _MULTIOUTPUT:
            raise ValueError(f"r2_score: multioutput must be 'uniform_average' or 'raw_values', "
                             f'got {multioutput!r}')
        self.multioutput = multioutput

    def forward(self, inputs):
        pred, true = inputs
        xp = backend.get_array_module(pred)
        ss_res = ((pred - true) ** 2).sum(axis=0)
        ss_tot = ((true - true.mean(axis=0)) ** 2).sum(axis=0)
        constant = ss_tot == 0
        r2 = 1 - ss_res / xp.where(constant, ss_tot.dtype.type(1), ss_tot)
        r2 = xp.where(constant, r2.dtype.type(0), r2).astype(pred.dtype, copy=False)
        if self.multioutput == 'uniform_average':
            return xp.asarray(r2.mean()),
        return r2,


def r2_score(pred, true, sample_weight=None, multioutput='uniform_average'):
    """R^2 of a regression, computed over axis 0 for every output.

    An output whose true values are all equal scores 0.

    Args:
        pred: Float Variable or array of predictions, shape ``(N, ...)``.
        true: Array of true values, same shape and dtype.
        sample_weight: Not supported; must be None.
        multioutput (str): ``'uniform_average'`` (mean over outputs, a 0-d result) or
            ``'raw_values'`` (one score per output).

    Returns:
        A Variable of ``pred``'s dtype with no gradient.

    Example:
        >>> true = numpy.array([1., 2., 3.], 'f')
        >>> F.r2_score(true, true).array
        array(1., dtype=float32)
    """
    if sample_weight is not None:
        raise NotImplementedError('r2_score: sample_weight is not supported')
    return R2Score(multioutput).apply((as_array(pred), as_array(true)))[0]
