"""Tests of the special functions of dbr.functions.math: erfinv, erfcinv, erfcx, ndtr, ndtri,
log_ndtr, lgamma, digamma, polygamma and zeta.

References (no SciPy): values computed once at 300-bit precision (mpmath, outside the test
suite) and written here, the Python ``math`` module (erf, erfc, lgamma) with ``decimal`` for
exact squares, defining series, and identities (inverses, recurrences, reflection).
"""
import decimal
import math

import numpy
import pytest

import dbr
import dbr.functions as F
from dbr import gradient_check
from dbr.type_check import InvalidType

FLOATS = [numpy.float64, numpy.float32]
ULP = numpy.finfo(numpy.float64).eps

# (x, f(x)) at 300-bit precision; x is the float64 nearest the literal.
ERFINV = [(1e-300, 8.86226925452758e-301), (1e-10, 8.862269254527581e-11),
          (0.001, 0.0008862271574665521), (0.25, 0.2253120550121781),
          (0.5, 0.4769362762044699), (-0.75, -0.8134198475976185), (0.9, 1.1630871536766743),
          (0.999, 2.3267537655135246), (0.9999999999999998, 5.805018683193453)]
ERFCINV = [(1e-300, 26.209469960516124), (1e-100, 15.065574702592645),
           (1e-20, 6.601580622355143), (1e-05, 3.123413274340875), (0.3, 0.7328690779592169),
           (0.9, 0.08885599049425767), (0.999999999999, 8.86207320588749e-13),
           (1.2, -0.17914345462129164), (1.9, -1.1630871536766738),
           (1.999999, -3.4589107372909473)]
ERFCX = [(-26.0, 7.657724931490568e+293), (-10.0, 5.376234283632271e+43),
         (-1.0, 5.008980080762283), (-0.2, 1.2726020284831958), (0.0, 1.0),
         (0.5, 0.6156903441929259), (1.0, 0.427583576155807), (2.0, 0.25539567631050575),
         (5.0, 0.11070463773306863), (27.0, 0.02088160799042094), (30.0, 0.01879588886141675),
         (100000.0, 5.6418958351954685e-06)]
NDTR = [(-30.0, 4.906713927148187e-198), (-20.0, 2.7536241186062337e-89),
        (-10.0, 7.619853024160525e-24), (-3.0, 0.0013498980316300946),
        (-0.5, 0.3085375387259869), (0.5, 0.6914624612740131), (3.0, 0.9986501019683699),
        (8.0, 0.9999999999999993)]
NDTRI = [(1e-300, -37.0470962993612), (1e-50, -14.933337534788489),
         (1e-10, -6.361340902404057), (0.01, -2.326347874040841), (0.3, -0.5244005127080408),
         (0.499999999, -2.5066283428845328e-09), (0.5, 0.0), (0.75, 0.6744897501960817),
         (0.99, 2.3263478740408408), (0.9999999999, 6.361340889697422)]
LOG_NDTR = [(-100000.0, -5000000012.431864), (-100.0, -5005.524208694205),
            (-40.0, -804.6084420137538), (-20.0, -203.91715537109727),
            (-5.0, -15.064998393988725), (-1.0, -1.8410216450092636),
            (0.0, -0.6931471805599453), (1.0, -0.17275377902344988),
            (5.0, -2.866516129637636e-07), (10.0, -7.619853024160525e-24),
            (30.0, -4.906713927148187e-198)]
LGAMMA = [(1e-300, 690.7755278982137), (1e-08, 18.42068073818021), (0.3, 1.0957979948180756),
          (0.999999999, 5.77215649399226e-10), (1.0000000000009095, -5.249745890076018e-13),
          (1.5, -0.12078223763524522), (1.9999999999, -4.2278437004755317e-11),
          (2.000000000001, 4.2282192087238456e-13), (2.5, 0.2846828704729192),
          (3.7, 1.428072326665388), (7.9, 8.32426586800881), (8.1, 8.72738826343204),
          (30.5, 72.9534711841694), (100000.0, 1051287.7089736569),
          (1e+300, 6.897755278982137e+302), (-1e-09, 20.723265837523627),
          (-0.3, 1.4648400508576025), (-1.5, 0.860047015376481),
          (-2.5, -0.056243716497674054), (-3.7, -1.3797399049658245),
          (-100.5, -364.90096830942736)]
DIGAMMA = [(1e-300, -9.999999999999999e+299), (1e-05, -100000.57719921567),
           (0.3, -3.502524222200133), (1.0, -0.5772156649015329),
           (1.4616321449683622, -9.241265521729427e-17),
           (1.4616321449683625, 1.2245374622004068e-16), (1.5, 0.03648997397857652),
           (1.99, 0.41631470604541493), (2.0, 0.42278433509846713),
           (2.4, 0.6529011697005981), (3.7, 1.1671535393615113), (9.9, 2.2411803166063815),
           (10.0, 2.251752589066721), (50.5, 3.912039670928392),
           (1000000.0, 13.815510057964191), (1e+300, 690.7755278982137),
           (-0.3, 2.113309779635399), (-1.5, 0.7031566406452432),
           (-2.7, -1.1153471291406896), (-10.2, 6.694638450417517)]
TRIGAMMA = [(0.001, 1000001.6425331958), (0.5, 4.934802200544679), (1.0, 1.6449340668482264),
            (2.5, 0.49035775610023485), (11.0, 0.09516633568168574),
            (100.0, 0.010050166663333571)]
TETRAGAMMA = [(0.1, -2001.8614573783436), (1.0, -2.4041138063191885),
              (3.3, -0.12375118526494272), (30.0, -0.0011487652037286)]
ZETA = [(1.5, 1.0, 2.612375348685488), (2.0, 0.5, 4.934802200544679),
        (3.0, 2.0, 0.2020569031595943), (1.0001, 1.0, 10000.577222947539),
        (4.5, 0.01, 1000000001.0097991), (10.0, 3.0, 1.8012627818085337e-05),
        (30.0, 1.0, 1.0000000009313275), (60.0, 1000.0, 1.7454152227236467e-179),
        (2.5, 1000000.0, 6.66667166666875e-10), (100.0, 2.0, 7.888609052210118e-31)]

UNARY = {
    'erfinv': (F.erfinv, ERFINV, (-0.9, 0.9)),
    'erfcinv': (F.erfcinv, ERFCINV, (0.1, 1.9)),
    'erfcx': (F.erfcx, ERFCX, (-2.0, 5.0)),
    'ndtr': (F.ndtr, NDTR, (-3.0, 3.0)),
    'ndtri': (F.ndtri, NDTRI, (0.05, 0.95)),
    'log_ndtr': (F.log_ndtr, LOG_NDTR, (-6.0, 4.0)),
    'lgamma': (F.lgamma, LGAMMA, (0.3, 5.0)),
    'digamma': (F.digamma, DIGAMMA, (0.3, 5.0)),
    'trigamma': (lambda x: F.polygamma(1, x), TRIGAMMA, (0.3, 5.0)),
    'tetragamma': (lambda x: F.polygamma(2, x), TETRAGAMMA, (0.5, 4.0)),
}
# the relative accuracy checked against the tables, in ulp; lgamma's -2.5 sits near a zero
# of log|Gamma| on the negative axis, where its relative condition number is ~50
ULPS = {'lgamma': 8}


def _host(v):
    return dbr.backend.to_cpu(v.array)


def _grad_opts(dtype):
    return {} if dtype == numpy.float64 else dict(dtype=numpy.float64, atol=1e-4, rtol=1e-3)


def _assert_rel(actual, expected, rtol):
    """``|actual - expected| <= rtol |expected|`` elementwise, for an array ``rtol``."""
    bad = ~(numpy.abs(actual - expected) <= rtol * numpy.abs(expected))
    assert not bad.any(), (actual[bad], expected[bad])


def _check_grads(func, x, dtype, xp):
    x = xp.asarray(x.astype(dtype))
    gy = xp.asarray(numpy.random.standard_normal(x.shape).astype(dtype))
    ggx = xp.asarray(numpy.random.standard_normal(x.shape).astype(dtype))
    gradient_check.check_backward(func, x, gy, **_grad_opts(dtype))
    gradient_check.check_double_backward(func, x, gy, ggx, **_grad_opts(dtype))


# ----- every unary function: table, dtypes, shapes, gradients, bad input -----------------------

@pytest.mark.parametrize('name', sorted(UNARY))
def test_unary_matches_high_precision_table(xp, name):
    func, table, _ = UNARY[name]
    x = numpy.array([a for a, _ in table])
    ref = numpy.array([b for _, b in table])
    y = _host(func(xp.asarray(x)))
    err = numpy.abs(y - ref) / numpy.abs(numpy.where(ref == 0, 1.0, ref))
    assert err.max() <= ULPS.get(name, 3) * ULP, (x[err.argmax()], y[err.argmax()])


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float16])
@pytest.mark.parametrize('name', sorted(UNARY))
def test_unary_keeps_dtype(xp, name, dtype):
    func, _, (lo, hi) = UNARY[name]
    x = numpy.random.uniform(lo, hi, (3, 4))
    y = func(xp.asarray(x.astype(dtype)))
    assert y.dtype == dtype and y.shape == (3, 4)
    ref = _host(func(xp.asarray(x.astype(dtype).astype(numpy.float64))))
    tol = dict(rtol=2e-6, atol=2e-6) if dtype == numpy.float32 else dict(rtol=2e-3, atol=2e-3)
    numpy.testing.assert_allclose(_host(y).astype(numpy.float64), ref, **tol)


@pytest.mark.parametrize('shape', [(), (1,), (0, 3), (2, 1, 3)])
@pytest.mark.parametrize('name', sorted(UNARY))
def test_unary_edge_shapes_and_layouts(xp, name, shape):
    func, _, (lo, hi) = UNARY[name]
    x = numpy.random.uniform(lo, hi, shape)
    y = func(xp.asarray(x))
    assert y.shape == shape
    # a transposed (non-contiguous) input gives the transposed result
    x2 = numpy.random.uniform(lo, hi, (4, 3))
    numpy.testing.assert_array_equal(_host(func(xp.asarray(x2).T)),
                                     _host(func(xp.asarray(numpy.ascontiguousarray(x2.T)))))


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('name', sorted(UNARY))
def test_unary_gradients(xp, name, dtype):
    func, _, (lo, hi) = UNARY[name]
    _check_grads(func, numpy.random.uniform(lo, hi, (3, 2)), dtype, xp)


@pytest.mark.parametrize('name, label', [
    ('erfinv', 'erfinv'), ('erfcinv', 'erfcinv'), ('erfcx', 'erfcx'), ('ndtr', 'ndtr'),
    ('ndtri', 'ndtri'), ('log_ndtr', 'log_ndtr'), ('lgamma', 'lgamma'),
    ('digamma', 'digamma'), ('trigamma', 'polygamma')])
def test_unary_rejects_integer_input(name, label):
    with pytest.raises(InvalidType, match=rf"{label}: expected x\.dtype\.kind == 'f', "
                                          r'got x\.dtype=int64'):
        UNARY[name][0](numpy.arange(3, dtype=numpy.int64))


def test_special_values_at_the_domain_edges(xp):
    def ev(func, *values):
        return _host(func(xp.asarray(numpy.array(values))))
    inf, nan = numpy.inf, numpy.nan
    numpy.testing.assert_array_equal(ev(F.erfinv, -1.0, 1.0, 1.5, nan), [-inf, inf, nan, nan])
    numpy.testing.assert_array_equal(ev(F.erfcinv, 0.0, 2.0, -0.5, 2.5), [inf, -inf, nan, nan])
    numpy.testing.assert_array_equal(ev(F.ndtri, 0.0, 1.0, -0.1, 1.1), [-inf, inf, nan, nan])
    numpy.testing.assert_array_equal(ev(F.ndtr, -inf, inf, -40.0), [0.0, 1.0, 0.0])
    numpy.testing.assert_array_equal(ev(F.erfcx, inf, -30.0, nan), [0.0, inf, nan])
    numpy.testing.assert_array_equal(ev(F.log_ndtr, -inf, inf), [-inf, 0.0])
    numpy.testing.assert_array_equal(ev(F.lgamma, 0.0, -1.0, -2.0, inf, -inf, 1.0, 2.0),
                                     [inf, inf, inf, inf, inf, 0.0, 0.0])
    numpy.testing.assert_array_equal(ev(F.digamma, 0.0, -1.0, inf, nan), [-inf, nan, inf, nan])


# ----- identities and independent references ---------------------------------------------------

def test_erfinv_inverts_math_erf(xp):
    y = numpy.concatenate([numpy.linspace(-0.99, 0.99, 41), [1e-200, -3e-9]])
    x = _host(F.erfinv(xp.asarray(y)))
    back = numpy.array([math.erf(v) for v in x])
    numpy.testing.assert_allclose(back, y, rtol=4 * ULP)
    # odd, and erfcinv(1 - y) = erfinv(y) where 1 - y is exact
    numpy.testing.assert_array_equal(_host(F.erfinv(xp.asarray(-y))), -x)
    big = y[numpy.abs(y) >= 0.5]
    numpy.testing.assert_allclose(_host(F.erfcinv(xp.asarray(1 - big))),
                                  _host(F.erfinv(xp.asarray(big))), rtol=4 * ULP)


def test_erfcinv_inverts_math_erfc_in_the_tail(xp):
    z = 10.0 ** -numpy.arange(1.0, 300.0, 7.0)
    x = _host(F.erfcinv(xp.asarray(z)))
    # erfc's relative condition number at x is about 2 x**2: compare on the x side
    back = numpy.array([math.erfc(v) for v in x])
    _assert_rel(back, z, (2 * x * x + 4) * ULP)


def test_erfcx_against_exact_squares(xp):
    x = numpy.linspace(-20.0, 26.0, 47)
    y = _host(F.erfcx(xp.asarray(x)))
    with decimal.localcontext() as ctx:
        ctx.prec = 40
        ref = [float((decimal.Decimal(v) ** 2).exp() * decimal.Decimal(math.erfc(v))) for v in x]
    numpy.testing.assert_allclose(y, ref, rtol=4 * ULP)


def test_ndtr_against_math_erfc_and_symmetry(xp):
    x = numpy.linspace(-6.0, 6.0, 49)
    y = _host(F.ndtr(xp.asarray(x)))
    ref = [0.5 * math.erfc(-v / math.sqrt(2)) for v in x]
    numpy.testing.assert_allclose(y, ref, rtol=1e-14)
    numpy.testing.assert_allclose(y + _host(F.ndtr(xp.asarray(-x))), 1.0, rtol=4 * ULP)


def test_ndtri_inverts_ndtr(xp):
    p = numpy.concatenate([numpy.linspace(0.001, 0.999, 51), 10.0 ** -numpy.arange(4.0, 300, 20)])
    x = _host(F.ndtri(xp.asarray(p)))
    lower = p <= 0.5
    back = _host(F.ndtr(xp.asarray(x)))
    _assert_rel(back[lower], p[lower], (x[lower] ** 2 + 8) * ULP)
    numpy.testing.assert_allclose(1 - back[~lower], 1 - p[~lower], rtol=1e-12)


def test_log_ndtr_matches_log_of_ndtr(xp):
    x = numpy.linspace(-35.0, 0.0, 36)
    numpy.testing.assert_allclose(_host(F.log_ndtr(xp.asarray(x))),
                                  numpy.log(_host(F.ndtr(xp.asarray(x)))), rtol=1e-14)
    # above 0, log1p(-ndtr(-x)) keeps the digits that log(ndtr(x)) rounds away
    x = numpy.linspace(1.0, 30.0, 30)
    numpy.testing.assert_allclose(_host(F.log_ndtr(xp.asarray(x))),
                                  numpy.log1p(-_host(F.ndtr(xp.asarray(-x)))), rtol=1e-14)


def test_lgamma_against_math_lgamma_and_recurrence(xp):
    x = numpy.concatenate([numpy.linspace(0.05, 40.0, 80), [200.5, 1e4]])
    y = _host(F.lgamma(xp.asarray(x)))
    numpy.testing.assert_allclose(y, [math.lgamma(v) for v in x], rtol=1e-14, atol=1e-15)
    # lgamma(x + 1) = lgamma(x) + log(x), checked where nothing cancels
    x = numpy.linspace(3.0, 50.0, 30)
    numpy.testing.assert_allclose(_host(F.lgamma(xp.asarray(x + 1))), y_plus := (
        _host(F.lgamma(xp.asarray(x))) + numpy.log(x)), rtol=4 * ULP)
    assert numpy.isfinite(y_plus).all()


def test_digamma_identities(xp):
    x = numpy.linspace(0.1, 30.0, 60)
    psi = _host(F.digamma(xp.asarray(x)))
    numpy.testing.assert_allclose(_host(F.digamma(xp.asarray(x + 1))), psi + 1 / x,
                                  rtol=1e-14, atol=1e-15)
    # reflection: psi(1 - x) - psi(x) = pi / tan(pi x)
    x = numpy.linspace(0.05, 0.95, 19)
    numpy.testing.assert_allclose(
        _host(F.digamma(xp.asarray(1 - x))) - _host(F.digamma(xp.asarray(x))),
        math.pi / numpy.tan(math.pi * x), rtol=1e-13, atol=1e-14)
    # the derivative of math.lgamma (Richardson-extrapolated central differences)
    def deriv(v, h=1e-3):
        d = [(math.lgamma(v + s) - math.lgamma(v - s)) / (2 * s) for s in (h, h / 2)]
        return (4 * d[1] - d[0]) / 3
    x = numpy.array([0.7, 1.3, 2.2, 6.5])
    numpy.testing.assert_allclose(_host(F.digamma(xp.asarray(x))), [deriv(v) for v in x],
                                  rtol=1e-9)


def _polygamma_series(n, x):
    """(-1)**(n+1) n! sum_k 1/(x+k)**(n+1), summed to N terms plus the Euler-Maclaurin tail."""
    k = numpy.arange(4000, dtype=numpy.float64)
    t = x + 4000
    tail = 1 / (n * t ** n) + 1 / (2 * t ** (n + 1)) + (n + 1) / (12 * t ** (n + 2))
    return (-1) ** (n + 1) * math.factorial(n) * (numpy.sum(1.0 / (x + k) ** (n + 1)) + tail)


@pytest.mark.parametrize('n', [1, 2, 4])
def test_polygamma_against_its_series(xp, n):
    x = numpy.array([0.05, 0.5, 1.0, 3.3, 12.5, 40.0])
    y = _host(F.polygamma(n, xp.asarray(x)))
    numpy.testing.assert_allclose(y, [_polygamma_series(n, v) for v in x], rtol=1e-12)


def test_polygamma_orders_as_an_array(xp):
    x = numpy.array([[0.5, 1.0, 2.5], [3.0, 4.0, 0.7]])
    n = numpy.array([0, 1, 2])
    y = F.polygamma(xp.asarray(n), xp.asarray(x))
    assert y.shape == (2, 3)
    for j in range(3):
        numpy.testing.assert_array_equal(_host(y)[:, j],
                                         _host(F.polygamma(int(n[j]), xp.asarray(x[:, j]))))
    # n broadcasts x: the gradient is summed back to x's shape
    x1 = xp.asarray(numpy.array([1.5]))
    y = F.polygamma(xp.asarray(numpy.array([0, 1])), x1)
    assert y.shape == (2,)
    gradient_check.check_backward(lambda v: F.polygamma(xp.asarray(numpy.array([0, 1])), v),
                                  x1, xp.asarray(numpy.array([0.3, -0.7])))
    # a Variable of orders is taken as constant
    y = F.polygamma(dbr.Variable(xp.asarray(n)), xp.asarray(x))
    assert y.shape == (2, 3)


def test_polygamma_bad_orders():
    x = numpy.ones(3)
    with pytest.raises(ValueError, match='polygamma: n must be non-negative, got -1'):
        F.polygamma(-1, x)
    with pytest.raises(ValueError, match='polygamma: n must be non-negative, got -2'):
        F.polygamma(numpy.array([0, -2, 1]), x)
    with pytest.raises(TypeError, match='polygamma: n must be integers, got dtype float64'):
        F.polygamma(numpy.array([1.0]), x)
    with pytest.raises(ValueError, match=r'polygamma: n of shape \(2,\) and x of shape \(3,\) '
                                         'do not broadcast together'):
        F.polygamma(numpy.array([0, 1]), x)


# ----- zeta --------------------------------------------------------------------------------------

def test_zeta_matches_high_precision_table(xp):
    s = numpy.array([a for a, _, _ in ZETA])
    q = numpy.array([b for _, b, _ in ZETA])
    ref = numpy.array([c for _, _, c in ZETA])
    y = _host(F.zeta(xp.asarray(s), xp.asarray(q)))
    numpy.testing.assert_allclose(y, ref, rtol=3 * ULP)


def test_zeta_identities_and_known_values(xp):
    s = numpy.array([[1.2], [2.0], [3.5], [8.0]])
    q = numpy.array([0.3, 1.0, 2.7, 15.0])
    z = _host(F.zeta(xp.asarray(s), xp.asarray(q)))
    assert z.shape == (4, 4)
    z1 = _host(F.zeta(xp.asarray(s), xp.asarray(q + 1)))
    numpy.testing.assert_allclose(z - z1, q ** -s, rtol=1e-13)
    exact = _host(F.zeta(xp.asarray(numpy.array([2.0, 4.0])), xp.asarray(numpy.ones(2))))
    numpy.testing.assert_allclose(exact, [math.pi ** 2 / 6, math.pi ** 4 / 90], rtol=2 * ULP)
    # polygamma(n, x) = (-1)^(n+1) n! zeta(n + 1, x)
    numpy.testing.assert_allclose(_host(F.polygamma(3, xp.asarray(q))),
                                  6 * _host(F.zeta(xp.asarray(numpy.full(4, 4.0)),
                                                   xp.asarray(q))), rtol=2 * ULP)


def test_zeta_domain(xp):
    s = numpy.array([1.0, 0.5, 2.0, 2.0, numpy.nan])
    q = numpy.array([1.0, 1.0, 0.0, -1.5, 1.0])
    numpy.testing.assert_array_equal(_host(F.zeta(xp.asarray(s), xp.asarray(q))),
                                     [numpy.inf, numpy.nan, numpy.nan, numpy.nan, numpy.nan])


@pytest.mark.parametrize('dtype', FLOATS)
def test_zeta_gradient_in_q(xp, dtype):
    s = xp.asarray(numpy.array([1.5, 2.0, 3.5]).astype(dtype))
    # (the numerical side runs in float64: the exponent follows q's dtype)
    _check_grads(lambda q: F.zeta(s.astype(q.dtype), q),
                 numpy.random.uniform(0.5, 3.0, (2, 3)), dtype, xp)
    y = F.zeta(s, xp.asarray(numpy.ones(3, dtype)))
    assert y.dtype == dtype


def test_zeta_gradient_in_the_exponent_is_refused(xp):
    s = dbr.Variable(xp.asarray(numpy.array([2.0, 3.0])))
    y = F.zeta(s, xp.asarray(numpy.array([1.0, 2.0])))
    with pytest.raises(NotImplementedError, match='zeta: the gradient with respect to the '
                                                  'exponent x'):
        F.sum(y).backward()


def test_zeta_bad_inputs():
    with pytest.raises(InvalidType, match=r'zeta: expected x\.dtype == q\.dtype'):
        F.zeta(numpy.ones(2), numpy.ones(2, numpy.float32))
    with pytest.raises(InvalidType, match=r"zeta: expected x\.dtype\.kind == 'f'"):
        F.zeta(numpy.ones(2, numpy.int64), numpy.ones(2, numpy.int64))
    with pytest.raises(InvalidType, match=r'zeta: expected shapes that broadcast together, '
                                          r'got \(2,\), \(3,\)'):
        F.zeta(numpy.full(2, 2.0), numpy.ones(3))


# ----- one implementation, shared with dbr.distributions ---------------------------------------

def test_distributions_use_the_same_functions():
    from dbr.distributions import beta, normal
    assert beta.lgamma is F.lgamma and normal.log_ndtr is F.log_ndtr
