"""Tests of dbr.functions.evaluation: accuracy, binary_accuracy, r2_score, classification_summary.

Each metric against a plain NumPy reference, its output dtype and the absence of a gradient,
edge cases (ignored labels, empty batches, constant targets) and bad inputs.
"""
import numpy
import pytest

import dbr
import dbr.functions as F
from dbr import testing
from dbr.type_check import InvalidType

FLOATS16 = [numpy.float64, numpy.float32, numpy.float16]


def _scores(shape, dtype):
    # distinct values: no argmax ties
    return numpy.random.permutation(numpy.prod(shape, dtype=int)).reshape(shape).astype(dtype)


def _host(v):
    return dbr.backend.to_cpu(v.array)


# ----- accuracy ---------------------------------------------------------------------------------

def _accuracy_ref(y, t, ignore_label=None):
    pred = y.argmax(axis=1).reshape(t.shape)
    valid = numpy.ones(t.shape, bool) if ignore_label is None else t != ignore_label
    total = valid.sum()
    return 0.0 if total == 0 else ((pred == t) & valid).sum() / total


@pytest.mark.parametrize('dtype', FLOATS16)
@pytest.mark.parametrize('yshape,tshape', [
    ((10, 3), (10,)), ((4, 5, 6), (4, 6)), ((3, 4, 2, 2), (3, 2, 2)), ((6, 3, 1), (6,)),
    ((1, 1), (1,)),
])
@pytest.mark.parametrize('ignore_label', [None, -1])
def test_accuracy_forward(xp, yshape, tshape, dtype, ignore_label):
    y = _scores(yshape, numpy.float64)
    t = numpy.random.randint(0, yshape[1], tshape).astype(numpy.int32)
    if ignore_label is not None:
        t[numpy.random.uniform(size=tshape) < 0.3] = ignore_label
    acc = F.accuracy(xp.asarray(y.astype(dtype)), xp.asarray(t), ignore_label=ignore_label)
    assert isinstance(acc, dbr.Variable) and not acc.requires_grad
    assert acc.shape == () and acc.dtype == dtype
    testing.assert_allclose(acc.array, _accuracy_ref(y, t, ignore_label),
                            atol=1e-3 if dtype == numpy.float16 else 1e-7)


def test_accuracy_example_values():
    y = numpy.array([[0.1, 0.7, 0.2], [8.0, 1.0, 2.0], [-8.0, 1.0, 2.0], [-8.0, -1.0, -2.0]])
    assert float(F.accuracy(y, numpy.array([1, 0, 2, 1], 'i')).array) == 1.0
    assert float(F.accuracy(y, numpy.array([1, 0, 0, 0], 'i')).array) == 0.5
    assert float(F.accuracy(y, numpy.array([1, 0, 0, 0], 'i'), ignore_label=0).array) == 1.0


def test_accuracy_all_ignored_and_empty(xp):
    y = xp.asarray(_scores((3, 4), numpy.float32))
    acc = F.accuracy(y, xp.full((3,), 5, numpy.int32), ignore_label=5)
    assert float(acc.array) == 0.0
    acc = F.accuracy(xp.zeros((0, 4), numpy.float32), xp.zeros((0,), numpy.int32))
    assert acc.dtype == numpy.float32 and float(acc.array) == 0.0


def test_accuracy_of_variables_has_no_gradient(xp):
    y = dbr.Variable(xp.asarray(_scores((5, 3), numpy.float32)))
    t = numpy.random.randint(0, 3, 5).astype(numpy.int32)
    acc = F.accuracy(y, dbr.Variable(xp.asarray(t)))
    assert not acc.requires_grad and acc.creator is None
    testing.assert_allclose(acc.array, _accuracy_ref(dbr.backend.to_cpu(y.array), t))


def test_accuracy_transposed_scores(xp):
    y = _scores((3, 6), numpy.float32)
    t = numpy.random.randint(0, 3, 6).astype(numpy.int32)
    acc = F.accuracy(xp.asarray(y).T, xp.asarray(t))
    testing.assert_allclose(acc.array, _accuracy_ref(y.T, t))


def test_accuracy_errors():
    y = numpy.zeros((4, 3), numpy.float32)
    with pytest.raises(InvalidType, match=r'^accuracy: expected t.shape == .*t.shape=\(5,\)'):
        F.accuracy(y, numpy.zeros(5, numpy.int32))
    with pytest.raises(InvalidType, match=r"^accuracy: expected t.dtype.kind in 'iu', got "
                                          r"t.dtype=float32"):
        F.accuracy(y, numpy.zeros(4, numpy.float32))
    with pytest.raises(InvalidType, match=r"^accuracy: expected y.dtype.kind == 'f'"):
        F.accuracy(y.astype(numpy.int32), numpy.zeros(4, numpy.int32))
    with pytest.raises(InvalidType, match=r'^accuracy: expected y.ndim >= 2, got y.ndim=1'):
        F.accuracy(numpy.zeros(4, numpy.float32), numpy.zeros(4, numpy.int32))
    with pytest.raises(InvalidType, match=r'^accuracy: expected all\(s == 1'):
        F.accuracy(numpy.zeros((4, 3, 2), numpy.float32), numpy.zeros(4, numpy.int32))
    with pytest.raises(ValueError, match=r'^accuracy: labels must be \[0, 3\), got 3$'):
        F.accuracy(y, numpy.array([0, 1, 3, 2], numpy.int32))
    with pytest.raises(ValueError, match=r'^accuracy: labels must be \[0, 3\), got -1 '
                                         r'\(pass ignore_label=-1 to skip such entries\)'):
        F.accuracy(y, numpy.array([0, -1, 1, 2], numpy.int32))
    with pytest.raises(ValueError, match=r'^accuracy: labels must be \[0, 3\) or equal to '
                                         r'ignore_label=-1, got -2'):
        F.accuracy(y, numpy.array([0, -1, -2, 2], numpy.int32), ignore_label=-1)


# ----- binary_accuracy --------------------------------------------------------------------------

@pytest.mark.parametrize('dtype', FLOATS16)
@pytest.mark.parametrize('shape', [(10,), (4, 5), (1,)])
def test_binary_accuracy_forward(xp, shape, dtype):
    y = numpy.random.uniform(-1, 1, shape)
    t = numpy.random.randint(-1, 2, shape).astype(numpy.int32)
    acc = F.binary_accuracy(xp.asarray(y.astype(dtype)), xp.asarray(t))
    valid = t != -1
    expected = ((y >= 0) == t)[valid].sum() / max(valid.sum(), 1)
    assert acc.dtype == dtype and acc.shape == () and not acc.requires_grad
    testing.assert_allclose(acc.array, expected, atol=1e-3 if dtype == numpy.float16 else 1e-7)


def test_binary_accuracy_zero_is_positive_and_all_ignored(xp):
    acc = F.binary_accuracy(xp.asarray(numpy.array([0.0, -0.5], 'f')),
                            xp.asarray(numpy.array([1, 0], 'i')))
    assert float(acc.array) == 1.0
    acc = F.binary_accuracy(xp.zeros(3, numpy.float32), xp.full(3, -1, numpy.int32))
    assert float(acc.array) == 0.0


def test_binary_accuracy_errors():
    with pytest.raises(InvalidType, match=r'^binary_accuracy: expected y.shape == t.shape, got '
                                          r'y.shape=\(3,\), t.shape=\(4,\)'):
        F.binary_accuracy(numpy.zeros(3, 'f'), numpy.zeros(4, 'i'))
    with pytest.raises(InvalidType, match=r"^binary_accuracy: expected t.dtype.kind == 'i'"):
        F.binary_accuracy(numpy.zeros(3, 'f'), numpy.zeros(3, 'f'))
    with pytest.raises(ValueError, match=r'^binary_accuracy: labels must be 0, 1 or -1 '
                                         r'\(ignored\), got 2'):
        F.binary_accuracy(numpy.zeros(3, 'f'), numpy.array([0, 2, 1], 'i'))


# ----- r2_score ---------------------------------------------------------------------------------

def _r2_ref(pred, true):
    pred = pred.astype(numpy.float64)
    true = true.astype(numpy.float64)
    ss_res = ((true - pred) ** 2).sum(axis=0)
    ss_tot = ((true - true.mean(axis=0)) ** 2).sum(axis=0)
    with numpy.errstate(divide='ignore', invalid='ignore'):
        return numpy.where(ss_tot == 0, 0.0, 1 - ss_res / ss_tot)


@pytest.mark.parametrize('dtype', FLOATS16)
@pytest.mark.parametrize('shape', [(20,), (15, 3), (10, 2, 2), (1, 3)])
@pytest.mark.parametrize('multioutput', ['uniform_average', 'raw_values'])
def test_r2_score_forward(xp, shape, dtype, multioutput):
    true = numpy.random.uniform(-1, 1, shape).astype(dtype)
    pred = (true + numpy.random.uniform(-0.3, 0.3, shape)).astype(dtype)
    r2 = F.r2_score(xp.asarray(pred), xp.asarray(true), multioutput=multioutput)
    expected = _r2_ref(pred, true)
    if multioutput == 'uniform_average':
        expected = expected.mean()
    assert r2.dtype == dtype and r2.shape == numpy.shape(expected) and not r2.requires_grad
    tol = dict(atol=2e-2, rtol=2e-2) if dtype == numpy.float16 else dict(atol=1e-5, rtol=1e-5)
    testing.assert_allclose(r2.array, expected, **tol)


def test_r2_score_constant_target_and_perfect_fit(xp):
    true = xp.asarray(numpy.array([[1.0, 2.0], [1.0, 3.0], [1.0, 4.0]]))
    r2 = F.r2_score(true + 0.5, true, multioutput='raw_values')
    testing.assert_allclose(r2.array, numpy.array([0.0, 1 - 0.75 / 2.0]))
    assert float(F.r2_score(true[:, 1], true[:, 1]).array) == 1.0


def test_r2_score_transposed_input(xp):
    true = numpy.random.uniform(size=(3, 8))
    pred = numpy.random.uniform(size=(3, 8))
    r2 = F.r2_score(xp.asarray(pred).T, xp.asarray(true).T, multioutput='raw_values')
    testing.assert_allclose(r2.array, _r2_ref(pred.T, true.T))


def test_r2_score_errors():
    a = numpy.zeros((4, 2), numpy.float32)
    with pytest.raises(NotImplementedError, match='^r2_score: sample_weight is not supported'):
        F.r2_score(a, a, sample_weight=numpy.ones(4, numpy.float32))
    with pytest.raises(ValueError, match="^r2_score: multioutput must be 'uniform_average' or "
                                         "'raw_values', got 'variance_weighted'"):
        F.r2_score(a, a, multioutput='variance_weighted')
    with pytest.raises(InvalidType, match=r'^r2_score: expected pred.shape == true.shape, got '
                                          r'pred.shape=\(4, 2\), true.shape=\(2, 4\)'):
        F.r2_score(a, a.T)
    with pytest.raises(InvalidType, match='^r2_score: expected pred.dtype == true.dtype'):
        F.r2_score(a, a.astype(numpy.float64))
    with pytest.raises(InvalidType, match=r'^r2_score: expected pred.shape\[0\] > 0'):
        F.r2_score(a[:0], a[:0])


# ----- classification_summary, precision, recall, f1_score --------------------------------------

def _summary_ref(y, t, label_num, beta, ignore_label):
    pred = y.argmax(axis=1).ravel()
    t = t.ravel()
    keep = t != ignore_label
    pred, t = pred[keep], t[keep]
    p, r, f, s = [], [], [], []
    for c in range(label_num):
        tp = numpy.sum((pred == c) & (t == c))
        n_pred = numpy.sum(pred == c)
        n_true = numpy.sum(t == c)
        pc = tp / n_pred if n_pred else numpy.nan
        rc = tp / n_true if n_true else numpy.nan
        if numpy.isnan(pc) or numpy.isnan(rc):
            fc = numpy.nan
        elif pc == 0 and rc == 0:
            fc = 0.0
        else:
            fc = (1 + beta ** 2) * pc * rc / (beta ** 2 * pc + rc)
        p.append(pc)
        r.append(rc)
        f.append(fc)
        s.append(n_true)
    return numpy.array(p), numpy.array(r), numpy.array(f), numpy.array(s)


@pytest.mark.parametrize('dtype', FLOATS16)
@pytest.mark.parametrize('yshape,tshape', [((30, 4), (30,)), ((6, 3, 5), (6, 5)), ((1, 2), (1,))])
@pytest.mark.parametrize('label_num', [None, 4])
@pytest.mark.parametrize('beta', [1.0, 0.5])
def test_classification_summary_forward(xp, yshape, tshape, dtype, label_num, beta):
    y = _scores(yshape, dtype)
    t = numpy.random.randint(-1, yshape[1], tshape).astype(numpy.int32)
    outs = F.classification_summary(xp.asarray(y), xp.asarray(t), label_num, beta)
    n = label_num if label_num is not None else int(t.max()) + 1
    expected = _summary_ref(y, t, n, beta, -1)
    assert len(outs) == 4
    for v, e in zip(outs, expected):
        assert isinstance(v, dbr.Variable) and not v.requires_grad and v.shape == (n,)
        testing.assert_allclose(v.array, e, atol=1e-3 if dtype == numpy.float16 else 1e-6)
    assert all(v.dtype == dtype for v in outs[:3])
    assert outs[3].dtype.kind == 'i'


def test_classification_summary_known_values(xp):
    y = xp.asarray(numpy.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]], 'f'))
    t = xp.asarray(numpy.array([0, 1, 1, -1], 'i'))
    p, r, f, s = F.classification_summary(y, t)
    testing.assert_allclose(p.array, [0.5, 1.0])
    testing.assert_allclose(r.array, [1.0, 0.5])
    testing.assert_allclose(f.array, [2 / 3, 2 / 3])
    testing.assert_allclose(s.array, [1, 2], atol=0, rtol=0)
    # no prediction of class 2 and no sample of it: NaN precision and recall
    p, r, f, s = F.classification_summary(y, t, label_num=3)
    assert numpy.isnan(_host(p)[2]) and numpy.isnan(_host(r)[2]) and numpy.isnan(_host(f)[2])
    assert int(_host(s)[2]) == 0
    # a class predicted but never right: precision = recall = 0 gives F = 0
    t = xp.asarray(numpy.array([1, 0, 1, 0], 'i'))
    p, r, f, s = F.classification_summary(y, t)
    assert float(_host(p)[0]) == 0.0 and float(_host(r)[0]) == 0.0 and float(_host(f)[0]) == 0.0


def test_precision_recall_f1_score(xp):
    y = _scores((20, 3), numpy.float32)
    t = numpy.random.randint(0, 3, 20).astype(numpy.int32)
    p_ref, r_ref, f_ref, s_ref = _summary_ref(y, t, 3, 1.0, -1)
    for func, ref in ((F.precision, p_ref), (F.recall, r_ref), (F.f1_score, f_ref)):
        value, support = func(xp.asarray(y), xp.asarray(t), label_num=3)
        testing.assert_allclose(value.array, ref, atol=1e-6)
        testing.assert_allclose(support.array, s_ref, atol=0, rtol=0)


def test_classification_summary_all_ignored(xp):
    p, r, f, s = F.classification_summary(xp.zeros((3, 2), 'f'), xp.full(3, -1, numpy.int32))
    assert p.shape == r.shape == f.shape == s.shape == (0,)


def test_classification_summary_errors():
    y = numpy.zeros((4, 3), numpy.float32)
    with pytest.raises(ValueError, match=r'^classification_summary: labels must be \[0, 2\) or '
                                         r'equal to ignore_label=-1, got 2'):
        F.classification_summary(y, numpy.array([0, 1, 2, -1], 'i'), label_num=2)
    with pytest.raises(ValueError, match=r'^classification_summary: labels must be non-negative '
                                         r'or equal to ignore_label=-1, got -3'):
        F.classification_summary(y, numpy.array([0, 1, -3, -1], 'i'))
    with pytest.raises(ValueError, match='^classification_summary: beta must be positive, got 0'):
        F.classification_summary(y, numpy.zeros(4, 'i'), beta=0)
    with pytest.raises(ValueError, match='^classification_summary: label_num must be '
                                         'non-negative, got -1'):
        F.classification_summary(y, numpy.zeros(4, 'i'), label_num=-1)
    with pytest.raises(InvalidType, match=r'^classification_summary: expected t.shape == '
                                          r'y.shape\[:1\] \+ y.shape\[2:\]'):
        F.classification_summary(y, numpy.zeros(3, 'i'))
