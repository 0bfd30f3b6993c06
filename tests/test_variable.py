import numpy
import pytest

import dbr
import dbr.functions as F
from dbr import testing


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
def test_array_and_data_are_synonyms(xp, dtype):
    a = xp.arange(6, dtype=dtype).reshape(2, 3)
    v = dbr.Variable(a)
    assert v.array is a and v.data is a
    b = xp.zeros((2, 3), dtype)
    v.data = b
    assert v.array is b


def test_array_like_attributes(xp):
    a = xp.arange(24, dtype=numpy.float32).reshape(2, 3, 4)
    v = dbr.Variable(a, name='v')
    assert v.shape == (2, 3, 4) and v.ndim == 3 and v.size == 24 and len(v) == 2
    assert v.dtype == numpy.float32 and v.xp is xp and v.name == 'v'
    assert v.T.shape == (4, 3, 2)
    testing.assert_allclose(v.T.array, a.transpose())
    testing.assert_allclose(v.reshape(6, 4).array, a.reshape(6, 4))
    testing.assert_allclose(v.reshape((4, 6)).array, a.reshape(4, 6))
    testing.assert_allclose(v.transpose(1, 0, 2).array, a.transpose(1, 0, 2))
    testing.assert_allclose(v.transpose((2, 0, 1)).array, a.transpose(2, 0, 1))


def test_len_of_0d_raises():
    with pytest.raises(TypeError, match='0-d'):
        len(dbr.Variable(numpy.array(1.0)))


def test_item():
    assert dbr.Variable(numpy.array([2.5])).item() == 2.5


def test_truth_value_follows_the_array():
    assert dbr.Variable(numpy.array(1.0))
    assert not dbr.Variable(numpy.array([0.0]))
    with pytest.raises(ValueError, match='ambiguous'):
        bool(dbr.Variable(numpy.ones(3)))


def test_constructor_rejects_non_arrays():
    with pytest.raises(TypeError, match=r'dbr.Variable: expected a NumPy or CuPy array, got list'):
        dbr.Variable([1.0, 2.0])
    with pytest.raises(TypeError, match='got str'):
        dbr.Variable('abc')


def test_numpy_scalar_becomes_0d_array():
    v = dbr.Variable(numpy.float32(3))
    assert isinstance(v.array, numpy.ndarray) and v.shape == ()


def test_requires_grad_default_and_off():
    x = dbr.Variable(numpy.ones(3))
    assert x.requires_grad
    c = dbr.Variable(numpy.ones(3), requires_grad=False)
    y = F.sum(x * c)
    y.backward()
    assert c.grad is None
    testing.assert_allclose(x.grad, numpy.ones(3))


def test_grad_setter_checks_shape_and_dtype():
    x = dbr.Variable(numpy.ones((2, 3), numpy.float32))
    x.grad = numpy.full((2, 3), 2, numpy.float32)
    assert isinstance(x.grad_var, dbr.Variable)
    testing.assert_allclose(x.grad_var.array, 2)
    with pytest.raises(ValueError, match=r'expected shape \(2, 3\) and dtype float32, got shape '
                                         r'\(3,\) and dtype float32'):
        x.grad = numpy.ones(3, numpy.float32)
    with pytest.raises(ValueError, match='dtype float64'):
        x.grad = numpy.ones((2, 3))
    with pytest.raises(TypeError, match='Variable.grad_var: expected a Variable'):
        x.grad_var = numpy.ones((2, 3), numpy.float32)
    x.grad = None
    assert x.grad is None and x.grad_var is None


def test_cleargrad_and_zerograd():
    x = dbr.Variable(numpy.ones(3))
    F.sum(x * 2).backward()
    x.zerograd()
    testing.assert_allclose(x.grad, numpy.zeros(3))
    x.cleargrad()
    assert x.grad is None


def test_addgrad():
    a = dbr.Variable(numpy.ones(2))
    b = dbr.Variable(numpy.ones(2))
    b.grad = numpy.array([1.0, 2.0])
    a.addgrad(b)
    testing.assert_allclose(a.grad, [1.0, 2.0])
    a.addgrad(b)
    testing.assert_allclose(a.grad, [2.0, 4.0])
    assert a.grad is not b.grad


def test_setitem_raises_clear_error():
    x = dbr.Variable(numpy.zeros(3))
    with pytest.raises(TypeError, match='does not support item assignment'):
        x[0] = 1.0


def test_comparisons_return_plain_arrays():
    x = dbr.Variable(numpy.array([1.0, 2.0, 3.0]))
    y = dbr.Variable(numpy.array([3.0, 2.0, 1.0]))
    for result, expected in [(x < 2, [True, False, False]), (x <= 2, [True, True, False]),
                             (x > y, [False, False, True]), (x >= y, [False, True, True]),
                             (x == y, [False, True, False]), (x != 2.0, [True, False, True])]:
        assert isinstance(result, numpy.ndarray) and not isinstance(result, dbr.Variable)
        numpy.testing.assert_array_equal(result, expected)


def test_variables_are_hashable_by_identity():
    x = dbr.Variable(numpy.ones(2))
    y = dbr.Variable(numpy.ones(2))
    assert len({x, y, x}) == 2
    assert {x: 1}[x] == 1


def test_numpy_array_on_the_left_defers_to_variable():
    x = dbr.Variable(numpy.array([1.0, 2.0]))
    a = numpy.array([3.0, 4.0])
    for y, ref in [(a + x, a + x.array), (a - x, a - x.array), (a * x, a * x.array),
                   (a / x, a / x.array), (a @ x, a @ x.array), (a ** x, a ** x.array)]:
        assert isinstance(y, dbr.Variable)
        testing.assert_allclose(y.array, ref)


def test_repr_and_str():
    x = dbr.Variable(numpy.array([1.0, 2.0], numpy.float32), name='w')
    assert repr(x) == 'variable w([1., 2.], dtype=float32)'
    assert repr(dbr.Variable(numpy.array([1.0, 2.0]))) == 'variable([1., 2.])'
    assert str(x) == str(x.array)
    assert repr(dbr.Variable()) == 'variable(None)'


def test_creator_and_rank():
    x = dbr.Variable(numpy.ones(2))
    assert x.creator is None and x.creator_node is None and x.rank == 0
    y = F.tanh(x * 2)
    assert isinstance(y.creator, dbr.FunctionNode) and y.creator is y.creator_node
    assert y.creator.label == 'tanh'
    assert y.rank == 2
    assert y.node.creator is y.creator


def test_unchain_cuts_one_edge():
    x = dbr.Variable(numpy.ones(2))
    h = x * 2
    y = h * 3
    h.unchain()
    assert h.creator is None
    F.sum(y).backward()
    assert x.grad is None
    testing.assert_allclose(h.grad, [3.0, 3.0])


def test_unchain_backward_frees_the_history():
    x = dbr.Variable(numpy.ones(2))
    h1 = x * 2
    h2 = F.tanh(h1)
    f1, f2 = h1.creator, h2.creator
    h2.unchain_backward()
    assert h2.creator is None and h1.creator is None
    assert f1.inputs is None and f2.inputs is None
    y = h2 * 3
    F.sum(y).backward()
    assert x.grad is None and h1.grad is None
    testing.assert_allclose(h2.grad, [3.0, 3.0])


def test_as_variable_and_as_array():
    a = numpy.zeros(3)
    v = dbr.as_variable(a)
    assert isinstance(v, dbr.Variable) and v.array is a and not v.requires_grad
    assert dbr.as_variable(v) is v
    assert dbr.as_array(v) is a and dbr.as_array(a) is a


def test_parameter_with_initializer_and_shape():
    p = dbr.Parameter(dbr.initializers.Constant(2.0), (2, 3), name='W')
    assert p.shape == (2, 3) and p.dtype == numpy.float32 and p.name == 'W'
    testing.assert_allclose(p.array, numpy.full((2, 3), 2.0))
    assert p.grad is None and p.update_rule is None and p.is_initialized


def test_parameter_lazy_shape():
    p = dbr.Parameter(dbr.initializers.One())
    assert not p.is_initialized and p.array is None and p.dtype == numpy.float32
    assert repr(p) == 'parameter(uninitialized)'
    p.initialize((3,))
    testing.assert_allclose(p.array, numpy.ones(3))
    assert p.grad is None


def test_parameter_from_array_scalar_and_default():
    a = numpy.arange(3.0)
    p = dbr.Parameter(a)
    assert p.array is a and p.dtype == numpy.float64
    q = dbr.Parameter(0.5, (2,))
    testing.assert_allclose(q.array, [0.5, 0.5])
    r = dbr.Parameter(shape=(2,))
    assert numpy.isnan(r.array).all()
    with pytest.raises(TypeError, match='expected an initializer'):
        dbr.Parameter(object(), (2,))


def test_parameter_is_a_variable_in_graphs():
    p = dbr.Parameter(numpy.array([1.0, 2.0]))
    F.sum(p * p).backward()
    testing.assert_allclose(p.grad, [2.0, 4.0])
    assert repr(p).startswith('parameter(')


def test_to_cpu_and_to_device_keep_data_and_grad():
    x = dbr.Variable(numpy.arange(3.0))
    x.grad = numpy.ones(3)
    x.to_cpu()
    x.to_device('@numpy')
    testing.assert_allclose(x.array, numpy.arange(3.0))
    testing.assert_allclose(x.grad, numpy.ones(3))
    assert x.device == dbr.get_device('@numpy')


@pytest.mark.gpu
def test_to_gpu_round_trip():
    import cupy
    x = dbr.Variable(numpy.arange(3.0))
    x.grad = numpy.ones(3)
    x.to_gpu()
    assert isinstance(x.array, cupy.ndarray) and isinstance(x.grad, cupy.ndarray)
    y = F.sum(x * x)
    x.cleargrad()
    y.backward()
    testing.assert_allclose(x.grad, 2 * numpy.arange(3.0))
    x.to_cpu()
    assert isinstance(x.array, numpy.ndarray) and isinstance(x.grad, numpy.ndarray)
