"""Special functions the distributions need, as differentiable elementwise ops, without SciPy.

``lgamma``, ``digamma``/``polygamma``, ``ndtri`` (the inverse normal CDF) and ``log_ndtr``. On
NumPy they are computed here in float64 (vectorized series and rational approximations); on
CuPy by ``cupyx.scipy.special``. Results keep the input dtype. Each gradient is again one of
these functions (``lgamma' = digamma``, ``polygamma(n)' = polygamma(n + 1)``), so any order of
differentiation works.
"""
import math

import numpy

from dbr.functions.math._special import special
from dbr.functions.math._unary import UnaryElementwise

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
_SQRT_2PI = math.sqrt(2 * math.pi)

# Lanczos approximation of Gamma with g = 7 and 9 terms (about 1e-15 relative accuracy).
_LANCZOS_G = 7.0
_LANCZOS = (0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012,
            9.9843695780195716e-6, 1.5056327351493116e-7)

# B_2k for k = 1..6: the Bernoulli numbers of the asymptotic (Stirling) series.
_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730)

# Acklam's rational approximation of the inverse normal CDF (relative error 1.2e-9), refined
# below by one Halley step to full double precision.
_ACKLAM_A = (-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
             1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00)
_ACKLAM_B = (-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
             6.680131188771972e+01, -1.328068155288572e+01, 1.0)
_ACKLAM_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
             -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00)
_ACKLAM_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
             3.754408661907416e+00, 1.0)
_ACKLAM_LOW = 0.02425


def _horner(t, coeffs):
    """Polynomial with coefficients from the highest degree down."""
    r = numpy.full_like(t, coeffs[0])
    for c in coeffs[1:]:
        r = r * t + c
    return r


def _lgamma_np(x):
    """``log|Gamma(x)|`` for a float64 array (reflection below 1/2, Lanczos above)."""
    small = x < 0.5
    z = numpy.where(small, 1 - x, x) - 1      # Lanczos on z + 1 >= 1/2 either way
    a = numpy.full_like(z, _LANCZOS[0])
    for i, c in enumerate(_LANCZOS[1:], 1):
        a += c / (z + i)
    t = z + (_LANCZOS_G + 0.5)
    y = _LOG_SQRT_2PI + (z + 0.5) * numpy.log(t) - t + numpy.log(a)
    if small.any():
        with numpy.errstate(divide='ignore'):  # poles at 0, -1, ...: log(0) is the answer
            y = numpy.where(small, math.log(math.pi) - numpy.log(numpy.abs(
                numpy.sin(math.pi * x))) - y, y)
    return y


def _polygamma_np(n, x):
    """``psi^(n)(x)`` for a float64 array: recurrence up to ``x >= 10 + n``, then the series."""
    reflect = n == 0 and (x < 0.5).any()
    if reflect:
        x0 = x
        x = numpy.where(x < 0.5, 1 - x, x)
    elif n > 0:
        x = numpy.where(x > 0, x, numpy.nan)  # the series and the recurrence need x > 0
    acc = numpy.zeros_like(x)
    bound = 10.0 + n
    # psi^(n)(x) = psi^(n)(x + 1) - (-1)^n n! / x^(n+1): shift every element past `bound`.
    with numpy.errstate(divide='ignore', invalid='ignore', over='ignore'):
        lowest = numpy.where(numpy.isnan(x), bound, x).min() if x.size else bound
        for _ in range(max(int(numpy.ceil(bound - lowest)), 0)):
            low = x < bound
            acc += numpy.where(low, x, numpy.inf) ** -(n + 1)
            x = x + low
        inv = 1 / x
        inv2 = inv * inv
        if n == 0:
            series = numpy.log(x) - 0.5 * inv
            p = inv2
            for k, b in enumerate(_BERNOULLI, 1):
                series -= b / (2 * k) * p
                p = p * inv2
            y = series - acc
        else:
            fact = math.factorial(n)
            series = math.factorial(n - 1) * inv ** n + 0.5 * fact * inv ** (n + 1)
            p = inv ** (n + 2)
            for k, b in enumerate(_BERNOULLI, 1):
                series += b * math.factorial(2 * k + n - 1) / math.factorial(2 * k) * p
                p = p * inv2
            y = (-1) ** (n + 1) * (series + fact * acc)
    if reflect:
        with numpy.errstate(divide='ignore'):
            y = numpy.where(x0 < 0.5, y - math.pi / numpy.tan(math.pi * x0), y)
    return y


def _ndtri_np(p):
    """Inverse normal CDF of a float64 array: Acklam's approximation plus one Halley step."""
    upper = p > 0.5
    q = numpy.where(upper, 1 - p, p)          # exact for p >= 1/2; work in the lower tail
    with numpy.errstate(divide='ignore', invalid='ignore'):
        tail = numpy.sqrt(-2 * numpy.log(q))
        x_tail = _horner(tail, _ACKLAM_C) / _horner(tail, _ACKLAM_D)
        c = q - 0.5
        r = c * c
        x_mid = c * _horner(r, _ACKLAM_A) / _horner(r, _ACKLAM_B)
        x = numpy.where(q < _ACKLAM_LOW, x_tail, x_mid)
        # Halley's step on ndtr(x) = q; ndtr keeps its relative accuracy in the lower tail.
        u = (special('ndtr', x) - q) * _SQRT_2PI * numpy.exp(0.5 * x * x)
        refined = x - u / (1 + 0.5 * x * u)
        x = numpy.where(numpy.isfinite(refined), refined, x)
        x = numpy.where(q == 0, -numpy.inf, x)
        x = numpy.where((q < 0) | numpy.isnan(q), numpy.nan, x)
    return numpy.where(upper, -x, x)


# (2k - 1)!! for the asymptotic series of log_ndtr in the far lower tail.
_DOUBLE_FACTORIALS = (1, 3, 15, 105, 945, 10395, 135135)


def _log_ndtr_np(x):
    """``log(ndtr(x))`` of a float64 array, accurate in both tails."""
    xc = numpy.maximum(x, -20.0)
    s = special('ndtr', -numpy.abs(xc))        # the smaller tail mass, >= ndtr(-20) > 0
    with numpy.errstate(divide='ignore'):      # log(s) of the unused branch may be log(0)
        y = numpy.where(xc > 0, numpy.log1p(-s), numpy.log(s))
    far = x < -20
    if far.any():
        # log ndtr(x) = -x^2/2 - log(-x) - log(sqrt(2 pi)) + log(1 + sum_k (-1)^k (2k-1)!!/x^2k)
        xf = x[far]
        inv2 = 1 / (xf * xf)
        corr = numpy.zeros_like(xf)
        p = inv2
        for k, df in enumerate(_DOUBLE_FACTORIALS, 1):
            corr += (-1) ** k * df * p
            p = p * inv2
        y[far] = -0.5 * xf * xf - numpy.log(-xf) - _LOG_SQRT_2PI + numpy.log1p(corr)
    return y


def _numpy_eval(fn, x):
    return fn(x.astype(numpy.float64)).astype(x.dtype, copy=False)


def _cupy_eval(name, x, *args):
    from cupyx.scipy import special as cupy_special
    work = x.astype(numpy.float32) if x.dtype == numpy.float16 else x
    return getattr(cupy_special, name)(*args, work).astype(x.dtype, copy=False)


class LGamma(UnaryElementwise):
    """``log|Gamma(x)|``; its derivative is ``digamma(x)``."""

    uses = 'x'

    def compute(self, xp, x):
        if xp is numpy:
            return _numpy_eval(_lgamma_np, x)
        return _cupy_eval('gammaln', x)

    def grad(self, x, y, gy):
        return gy * polygamma(0, x)


class Polygamma(UnaryElementwise):
    """``psi^(n)(x)``, the n-th derivative of digamma; its derivative is ``psi^(n+1)(x)``."""

    uses = 'x'

    def __init__(self, n):
        self.n = n

    def compute(self, xp, x):
        if xp is numpy:
            return _numpy_eval(lambda a: _polygamma_np(self.n, a), x)
        if self.n == 0:
            return _cupy_eval('digamma', x)
        return _cupy_eval('polygamma', x, self.n)

    def grad(self, x, y, gy):
        return gy * polygamma(self.n + 1, x)


class Ndtri(UnaryElementwise):
    """Inverse of the standard normal CDF; its derivative is ``sqrt(2 pi) exp(y^2 / 2)``."""

    uses = 'y'

    def compute(self, xp, x):
        if xp is numpy:
            return _numpy_eval(_ndtri_np, x)
        return _cupy_eval('ndtri', x)

    def grad(self, x, y, gy):
        from dbr.functions.math.exp import exp
        return gy * exp(0.5 * (y * y)) * _SQRT_2PI


class LogNdtr(UnaryElementwise):
    """``log(ndtr(x))``; its derivative is ``pdf(x) / ndtr(x) = exp(-x^2/2 - y) / sqrt(2 pi)``."""

    uses = 'xy'

    def compute(self, xp, x):
        if xp is numpy:
            return _numpy_eval(_log_ndtr_np, x)
        return _cupy_eval('log_ndtr', x)

    def grad(self, x, y, gy):
        from dbr.functions.math.exp import exp
        return gy * exp(-0.5 * (x * x) - y - _LOG_SQRT_2PI)


def lgamma(x):
    """Returns ``log|Gamma(x)|`` elementwise (differentiable).

    Example:
        >>> lgamma(numpy.array([1., 5.])).array
        array([0.        , 3.17805383])
    """
    return LGamma().apply((x,))[0]


def polygamma(n, x):
    """Returns ``psi^(n)(x)`` elementwise; ``n = 0`` is digamma (defined for ``x > 0`` when
    ``n >= 1``).

    Example:
        >>> float(polygamma(0, numpy.array([1.])).array[0])  # -Euler's gamma
        -0.5772156649015329
    """
    return Polygamma(int(n)).apply((x,))[0]


def digamma(x):
    """Returns ``psi(x) = d/dx log Gamma(x)`` elementwise.

    Example:
        >>> float(digamma(numpy.array([1.])).array[0])
        -0.5772156649015329
    """
    return Polygamma(0).apply((x,))[0]


def ndtri(p):
    """Returns the inverse of the standard normal CDF elementwise (``-inf`` at 0, ``inf`` at 1).

    Example:
        >>> float(ndtri(numpy.array([0.975])).array[0])
        1.959963984540054
    """
    return Ndtri().apply((p,))[0]


def log_ndtr(x):
    """Returns ``log(ndtr(x))``, the log of the standard normal CDF, stable in both tails.

    Example:
        >>> float(log_ndtr(numpy.array([-40.])).array[0])
        -804.6084420137538
    """
    return LogNdtr().apply((x,))[0]
