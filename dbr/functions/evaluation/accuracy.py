"""Classification accuracy (not differentiable)."""
from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.evaluation._labels import check_labels
from dbr.variable import as_array


class Accuracy(FunctionNode):
    """Fraction of non-ignored labels equal to the argmax of ``y`` along axis 1."""

    check_type_forward = type_check.expects(
        'y, t', "y.dtype.kind == 'f'", "t.dtype.kind in 'iu'", 'y.ndim >= 2',
        't.shape == y.shape[:1] + y.shape[2:t.ndim + 1]',
        'all(s == 1 for s in y.shape[t.ndim + 1:])')

    def __init__(self, ignore_label=None):
        self.ignore_label = ignore_label

    def forward(self, inputs):
        y, t = inputs
        xp = backend.get_array_module(y)
        check_labels(self.label, t, y.shape[1], self.ignore_label)
        hit = y.argmax(axis=1).reshape(t.shape) == t
        # no sample left (empty batch, all ignored): accuracy 0, as in Chainer
        if self.ignore_label is None:
            acc = hit.sum() / max(t.size, 1)
        else:
            valid = t != self.ignore_label
            hit &= valid
            acc = hit.sum() / xp.maximum(valid.sum(), 1)
        return xp.asarray(acc, dtype=y.dtype),


def accuracy(y, t, ignore_label=None):
    """Fraction of samples whose highest-scoring class (along axis 1 of ``y``) is ``t``.

    Args:
        y: Float Variable or array of scores, shape ``(N, C, ...)``.
        t: Integer labels in ``[0, C)``, shape ``(N, ...)``.
        ignore_label (int or None): Label whose samples are left out of the count; when every
            sample is left out the accuracy is 0.

    Returns:
        A 0-d Variable of ``y``'s dtype with no gradient.

    Raises:
        ValueError: For a label outside ``[0, C)`` that is not ``ignore_label``.

    Example:
        >>> y = numpy.array([[0.1, 0.9], [0.8, 0.2]], 'f')
        >>> F.accuracy(y, numpy.array([1, 1], 'i')).array
        array(0.5, dtype=float32)
    """
    return Accuracy(ignore_label).apply((as_array(y), as_array(t)))[0]
