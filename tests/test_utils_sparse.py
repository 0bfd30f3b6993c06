"""Tests of dbr.utils.CooMatrix, to_coo and get_order."""
import numpy
import pytest

import dbr
from dbr.backend import to_cpu
from dbr.utils import CooMatrix, get_order, to_coo


def _sparse(shape, density=0.4):
    a = numpy.random.uniform(0.5, 1.5, shape)
    return a * (numpy.random.uniform(size=shape) < density)


@pytest.mark.parametrize('dtype', [numpy.float64, numpy.float32])
def test_to_coo_2d(xp, dtype):
    x = numpy.array([[0, 2, 0], [-1, 0, 3]], dtype)
    c = to_coo(xp.asarray(x))
    assert isinstance(c.data, dbr.Variable) and not c.data.requires_grad
    assert c.data.dtype == dtype and c.row.dtype == numpy.int32 and c.col.dtype == numpy.int32
    numpy.testing.assert_array_equal(to_cpu(c.data.array), [2, -1, 3])
    numpy.testing.assert_array_equal(to_cpu(c.row), [0, 1, 1])
    numpy.testing.assert_array_equal(to_cpu(c.col), [1, 0, 2])
    assert c.shape == (2, 3) and c.order == 'C'
    numpy.testing.assert_array_equal(to_cpu(c.to_dense()), x)


def test_to_coo_ldnz_padding_and_requires_grad(xp):
    x = numpy.array([[0.0, 2.0], [1.0, 0.0]])
    c = to_coo(xp.asarray(x), ldnz=4, requires_grad=True)
    assert c.data.requires_grad
    numpy.testing.assert_array_equal(to_cpu(c.data.array), [2, 1, 0, 0])
    numpy.testing.assert_array_equal(to_cpu(c.row), [0, 1, -1, -1])
    numpy.testing.assert_array_equal(to_cpu(c.col), [1, 0, -1, -1])
    # ldnz smaller than nnz is raised to nnz
    assert to_coo(xp.asarray(x), ldnz=1).data.shape == (2,)
    numpy.testing.assert_array_equal(to_cpu(c.to_dense()), x)


def test_to_coo_batched(xp):
    x = _sparse((3, 4, 5))
    x[1] = 0  # an all-zero matrix in the batch
    c = to_coo(xp.asarray(x))
    nnz = (x != 0).reshape(3, -1).sum(1)
    assert c.data.shape == (3, nnz.max()) and c.shape == (4, 5)
    for i in range(3):
        r, q = numpy.nonzero(x[i])
        numpy.testing.assert_array_equal(to_cpu(c.row)[i, :nnz[i]], r)
        numpy.testing.assert_array_equal(to_cpu(c.col)[i, :nnz[i]], q)
        numpy.testing.assert_array_equal(to_cpu(c.data.array)[i, :nnz[i]], x[i][r, q])
        assert (to_cpu(c.row)[i, nnz[i]:] == -1).all()
        assert (to_cpu(c.data.array)[i, nnz[i]:] == 0).all()
    numpy.testing.assert_array_equal(to_cpu(c.to_dense()), x)
    assert to_coo(xp.asarray(x), ldnz=30).data.shape == (3, 30)


def test_to_coo_non_contiguous_and_all_zero(xp):
    x = _sparse((4, 3)).T
    numpy.testing.assert_array_equal(to_cpu(to_coo(xp.asarray(x)).to_dense()), x)
    c = to_coo(xp.zeros((2, 2)))
    assert c.data.shape == (0,)
    numpy.testing.assert_array_equal(to_cpu(c.to_dense()), numpy.zeros((2, 2)))


def test_to_dense_adds_duplicates_and_skips_padding(xp):
    c = CooMatrix(xp.asarray(numpy.array([1.0, 2.0, 9.0])), xp.asarray(numpy.array([1, 1, -1])),
                  xp.asarray(numpy.array([0, 0, -1])), (2, 2))
    numpy.testing.assert_array_equal(to_cpu(c.to_dense()), [[0, 0], [3, 0]])


def test_coomatrix_accepts_variable_data(xp):
    v = dbr.Variable(xp.asarray(numpy.array([1.0, 2.0])))
    c = CooMatrix(v, xp.asarray(numpy.array([0, 1])), xp.asarray(numpy.array([1, 0])), (2, 2))
    assert c.data is v


def test_get_order(xp):
    a = lambda *v: xp.asarray(numpy.array(v))  # noqa: E731
    assert get_order(a(0, 0, 1, -1), a(0, 2, 1, -1)) == 'C'
    assert get_order(a(0, 1, 0), a(0, 0, 1)) == 'F'
    assert get_order(a(1, 0, 1), a(1, 0, 0)) == 'other'
    assert get_order(a(0), a(0)) == 'C'
    assert get_order(a(0, -1, 1), a(2, -1, 0)) == 'C'  # padding anywhere is skipped
    # batched: every matrix must be sorted
    assert get_order(xp.asarray(numpy.array([[0, 1], [0, 0]])),
                     xp.asarray(numpy.array([[0, 0], [0, 1]]))) == 'C'
    assert get_order(xp.asarray(numpy.array([[0, 1], [1, 0]])),
                     xp.asarray(numpy.array([[0, 0], [0, 1]]))) == 'F'
    assert CooMatrix(xp.ones(3), a(1, 0, 1), a(1, 0, 0), (2, 2)).order == 'other'
    assert CooMatrix(xp.ones(3), a(1, 0, 1), a(1, 0, 0), (2, 2), order='C').order == 'C'
    with pytest.raises(ValueError, match='get_order: an entry has a negative index in only one'):
        get_order(a(0, -1), a(0, 1))
    with pytest.raises(ValueError, match=r'get_order: row and col must have one shape, got '
                                         r'\(2,\) and \(3,\)'):
        get_order(a(0, 1), a(0, 1, 2))


def test_coomatrix_errors(xp):
    d, r = xp.ones(2), xp.asarray(numpy.array([0, 1]))
    with pytest.raises(ValueError, match='CooMatrix: data must be 1-D or 2-D, got ndim=3'):
        CooMatrix(xp.ones((1, 1, 2)), r, r, (2, 2))
    with pytest.raises(ValueError, match=r'CooMatrix: data, row and col must have one shape'):
        CooMatrix(d, r, xp.asarray(numpy.array([0])), (2, 2))
    with pytest.raises(ValueError, match='CooMatrix: row and col must be integer arrays'):
        CooMatrix(d, xp.ones(2), r, (2, 2))
    with pytest.raises(ValueError, match=r'CooMatrix: shape must be two positive ints, got '
                                         r'\(2, 0\)'):
        CooMatrix(d, r, r, (2, 0))
    with pytest.raises(ValueError, match=r"CooMatrix: order must be 'C', 'F', 'other' or None"):
        CooMatrix(d, r, r, (2, 2), order='X')
    with pytest.raises(ValueError, match=r'CooMatrix: an index .* out of the shape \(1, 2\)'):
        CooMatrix(d, r, r, (1, 2))
    with pytest.raises(ValueError, match=r'to_coo: x must be 2-D or 3-D, got shape \(3,\)'):
        to_coo(xp.ones(3))
