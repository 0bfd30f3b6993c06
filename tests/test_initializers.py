import math

import numpy
import pytest

import dbr
from dbr import initializers as I

SHAPE = (400, 300)
FAN_IN, FAN_OUT = 300, 400


@pytest.mark.parametrize('init, std', [
    (I.Normal(0.02), 0.02),
    (I.Uniform(0.3), 0.3 / math.sqrt(3)),
    (I.LeCunNormal(), math.sqrt(1 / FAN_IN)),
    (I.LeCunUniform(), math.sqrt(1 / FAN_IN)),
    (I.GlorotNormal(), math.sqrt(2 / (FAN_IN + FAN_OUT))),
    (I.GlorotUniform(2.0), 2.0 * math.sqrt(2 / (FAN_IN + FAN_OUT))),
    (I.HeNormal(), math.sqrt(2 / FAN_IN)),
    (I.HeNormal(fan_option='fan_out'), math.sqrt(2 / FAN_OUT)),
    (I.HeUniform(), math.sqrt(2 / FAN_IN)),
])
@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
def test_random_initializers_have_the_documented_spread(xp, init, std, dtype):
    w = xp.empty(SHAPE, dtype)
    init(w)
    w = dbr.backend.to_cpu(w)
    assert w.dtype == dtype
    assert abs(float(w.mean())) < 0.05 * std
    assert float(w.std()) == pytest.approx(std, rel=0.02)


def test_uniform_family_stays_within_its_limit():
    w = numpy.empty(SHAPE)
    I.GlorotUniform()(w)
    assert numpy.abs(w).max() <= math.sqrt(6 / (FAN_IN + FAN_OUT))


def test_get_fans_for_convolution_kernels():
    assert I.get_fans((20, 10, 3, 3)) == (90, 180)
    assert I.get_fans((5, 4)) == (4, 5)
    with pytest.raises(ValueError, match='at least 2 axes, got \\(3,\\)'):
        I.get_fans((3,))


@pytest.mark.parametrize('shape', [(4, 4), (3, 6), (6, 3), (4, 2, 3, 3)])
def test_orthogonal(shape):
    w = numpy.empty(shape)
    I.Orthogonal(scale=2.0)(w)
    m = w.reshape(shape[0], -1)
    if m.shape[0] <= m.shape[1]:
        numpy.testing.assert_allclose(m @ m.T, 4 * numpy.eye(m.shape[0]), atol=1e-10)
    else:
        numpy.testing.assert_allclose(m.T @ m, 4 * numpy.eye(m.shape[1]), atol=1e-10)


def test_identity_and_its_error(xp):
    w = xp.empty((3, 3), numpy.float32)
    I.Identity(2.0)(w)
    numpy.testing.assert_array_equal(dbr.backend.to_cpu(w), 2 * numpy.eye(3))
    with pytest.raises(ValueError, match='square 2-D array, got shape \\(2, 3\\)'):
        I.Identity()(xp.empty((2, 3)))


def test_constants(xp):
    w = xp.empty((2, 2), numpy.float32)
    I.Constant(3.0)(w)
    assert (dbr.backend.to_cpu(w) == 3).all()
    I.Constant(numpy.array([1.0, 2.0]))(w)
    numpy.testing.assert_array_equal(dbr.backend.to_cpu(w), [[1, 2], [1, 2]])
    I.Zero()(w)
    assert (dbr.backend.to_cpu(w) == 0).all()


def test_seeding_numpy_random_reproduces_the_draw():
    a, b = numpy.empty((3, 3)), numpy.empty((3, 3))
    numpy.random.seed(7)
    I.HeNormal()(a)
    numpy.random.seed(7)
    I.HeNormal()(b)
    numpy.testing.assert_array_equal(a, b)
    rng = numpy.random.RandomState(1)
    c = numpy.empty((3, 3))
    I.Normal(rng=rng)(c)
    numpy.testing.assert_array_equal(c, numpy.random.RandomState(1).normal(0, 0.05, (3, 3)))


def test_by_name_scalar_and_array_in_parameters():
    numpy.random.seed(0)
    p = dbr.Parameter('he_normal', (50, 40))
    assert p.dtype == numpy.float32 and float(p.array.std()) == pytest.approx(math.sqrt(2 / 40),
                                                                             rel=0.1)
    assert isinstance(I._get_initializer('GlorotUniform'), I.GlorotUniform)
    assert (dbr.Parameter(0.5, (2,)).array == 0.5).all()
    with pytest.raises(ValueError, match="unknown initializer name 'kaiming'"):
        dbr.Parameter('kaiming', (2,))


def test_dtype_fixed_by_the_initializer():
    p = dbr.Parameter(I.Normal(dtype='float64'), (2, 2))
    assert p.dtype == numpy.float64
    with pytest.raises(ValueError, match='Normal: expected an array of dtype float64, got float32'):
        I.Normal(dtype='float64')(numpy.empty(2, numpy.float32))


def test_bad_fan_option():
    with pytest.raises(ValueError, match="fan_option must be 'fan_in' or 'fan_out'"):
        I.HeNormal(fan_option='both')
