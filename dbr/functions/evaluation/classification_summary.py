"""Per-class precision, recall, F-beta score and support (not differentiable)."""
from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode
from dbr.functions.evaluation._labels import check_labels
from dbr.variable import as_array


class ClassificationSummary(FunctionNode):
    """Counts per class with ``bincount``; ignored samples go to an extra, dropped bin."""

    check_type_forward = type_check.expects(
        'y, t', "y.dtype.kind == 'f'", "t.dtype.kind in 'iu'", 'y.ndim >= 2',
        't.shape == y.shape[:1] + y.shape[2:]')

    def __init__(self, label_num, beta, ignore_label):
        if label_num is not None and not label_num >= 0:
            raise ValueError(f'classification_summary: label_num must be non-negative, '
                             f'got {label_num!r}')
        if not beta > 0:
            raise ValueError(f'classification_summary: beta must be positive, got {beta!r}')
        self.label_num = label_num
        self.beta = beta
        self.ignore_label = ignore_label

    def forward(self, inputs):
        y, t = inputs
        xp = backend.get_array_module(y)
        check_labels(self.label, t, self.label_num, self.ignore_label)
        ignored = (t == self.ignore_label).ravel()
        n = self.label_num
        if n is None:
            n = int(t.max()) + 1 if t.size and not bool(ignored.all()) else 0
        true = xp.where(ignored, n, t.ravel())
        # predictions of classes past label_num count for no class
        pred = xp.where(ignored, n, xp.minimum(y.argmax(axis=1).ravel(), n))
        support = xp.bincount(true, minlength=n + 1)[:n]
        relevant = xp.bincount(pred, minlength=n + 1)[:n]
        tp = xp.bincount(xp.where(pred == true, true, n), minlength=n + 1)[:n]
        dtype = y.dtype
        precision = _ratio(xp, tp, relevant, dtype)
        recall = _ratio(xp, tp, support, dtype)
        b2 = self.beta ** 2
        den = precision * dtype.type(b2) + recall
        # p = r = 0 scores 0; an undefined p or r (NaN) stays NaN
        fbeta = precision * recall * dtype.type(1 + b2) / xp.where(den > 0, den, dtype.type(1))
        return precision, recall, fbeta, support


def _ratio(xp, num, den, dtype):
    """``num / den`` in ``dtype``, NaN where ``den`` is 0 (without a warning)."""
    r = (num / xp.maximum(den, 1)).astype(dtype)
    return xp.where(den > 0, r, dtype.type('nan'))


def classification_summary(y, t, label_num=None, beta=1.0, ignore_label=-1):
    """Per-class precision, recall, F-beta score and support of a classifier's predictions.

    The predicted class is the argmax of ``y`` along axis 1. A ratio whose denominator is 0
    (no prediction of, or no sample of, a class) is NaN.

    Args:
        y: Float Variable or array of scores, shape ``(N, C, ...)``.
        t: Integer labels, shape ``(N, ...)``.
        label_num (int or None): Number of classes; None uses ``max(t) + 1``.
        beta (float): Weight of recall in the F-beta score.
        ignore_label (int): Label whose samples are left out.

    Returns:
        tuple: Variables (no gradient) ``precision``, ``recall``, ``fbeta_score`` (``y``'s
        dtype) and ``support`` (number of true samples per class, integer), each of length
        ``label_num``.

    Example:
        >>> y = numpy.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]], 'f')
        >>> p, r, f, s = F.classification_summary(y, numpy.array([0, 1, 1], 'i'))
        >>> p.array, r.array, s.array
        (array([0.5, 1. ], dtype=float32), array([1. , 0.5], dtype=float32), array([1, 2]))
    """
    node = ClassificationSummary(label_num, beta, ignore_label)
    return node.apply((as_array(y), as_array(t)))


def precision(y, t, label_num=None, ignore_label=-1):
    """Per-class precision and support; see :func:`classification_summary`.

    Example:
        >>> p, support = F.precision(numpy.eye(2, dtype='f'), numpy.array([0, 1], 'i'))
        >>> p.array
        array([1., 1.], dtype=float32)
    """
    ret = classification_summary(y, t, label_num, 1.0, ignore_label)
    return ret[0], ret[3]


def recall(y, t, label_num=None, ignore_label=-1):
    """Per-class recall and support; see :func:`classification_summary`.

    Example:
        >>> r, support = F.recall(numpy.eye(2, dtype='f'), numpy.array([0, 0], 'i'), label_num=2)
        >>> r.array
        array([0.5, nan], dtype=float32)
    """
    ret = classification_summary(y, t, label_num, 1.0, ignore_label)
    return ret[1], ret[3]


def f1_score(y, t, label_num=None, ignore_label=-1):
    """Per-class F1 score and support; see :func:`classification_summary`.

    Example:
        >>> f, support = F.f1_score(numpy.eye(2, dtype='f'), numpy.array([0, 1], 'i'))
        >>> f.array
        array([1., 1.], dtype=float32)
    """
    ret = classification_summary(y, t, label_num, 1.0, ignore_label)
    return ret[2], ret[3]
