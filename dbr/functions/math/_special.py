"""Special functions on raw arrays, vectorized, without SciPy.

On NumPy everything is computed here: erf/erfc/ndtr with fdlibm's rational approximations,
and from them erfcx, erfinv/erfcinv, ndtri and log_ndtr; lgamma, digamma, the Hurwitz zeta
function and polygamma from series (Taylor series about 2 and about digamma's root, the
asymptotic Stirling series, Euler-Maclaurin summation) — all to a few ulp in float64. On CuPy
the same names come from ``cupyx.scipy.special``. Results keep the input dtype; erf, erfc and
ndtr run float32 inputs in float32 where that is exact enough, the rest work in float64.

The kernels (``_name``) take float64 NumPy arrays; where branches differ in cost, each branch
runs only on the elements gathered for it.
"""
import math

import numpy

from dbr import backend

# d/dx erf(x) = TWO_OVER_SQRT_PI * exp(-x * x)
TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
SQRT_PI_OVER_2 = math.sqrt(math.pi) / 2
SQRT_2PI = math.sqrt(2 * math.pi)
LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
_INV_SQRT_PI = 1 / math.sqrt(math.pi)
_INV_SQRT2 = 0.7071067811865476
_INV_SQRT2_LO = -4.833646656726457e-17    # 1/sqrt(2) - _INV_SQRT2
_EULER = 0.5772156649015329

# Rational approximations of erf/erfc on four ranges of |z|, accurate to about one ulp in
# float64. The coefficients are those of fdlibm's s_erf.c: Copyright (C) 1993 by Sun
# Microsystems, Inc. Permission to use, copy, modify, and distribute this software is freely
# granted, provided that this notice is preserved. (Lowest degree first.)
_ERX = 8.45062911510467529297e-01
_PP = (1.28379167095512558561e-01, -3.25042107247001499370e-01, -2.84817495755985104766e-02,
       -5.77027029648944159157e-03, -2.37630166566501626084e-05)
_QQ = (1.0, 3.97917223959155352819e-01, 6.50222499887672944485e-02, 5.08130628187576562776e-03,
       1.32494738004321644526e-04, -3.96022827877536812320e-06)
_PA = (-2.36211856075265944077e-03, 4.14856118683748331666e-01, -3.72207876035701323847e-01,
       3.18346619901161753674e-01, -1.10894694282396677476e-01, 3.54783043256182359371e-02,
       -2.16637559486879084300e-03)
_QA = (1.0, 1.06420880400844228286e-01, 5.40397917702171048937e-01, 7.18286544141962662868e-02,
       1.26171219808761642112e-01, 1.36370839120290507362e-02, 1.19844998467991074170e-02)
_RA = (-9.86494403484714822705e-03, -6.93858572707181764372e-01, -1.05586262253232909814e+01,
       -6.23753324503260060396e+01, -1.62396669462573470355e+02, -1.84605092906711035994e+02,
       -8.12874355063065934246e+01, -9.81432934416914548592e+00)
_SA = (1.0, 1.96512716674392571292e+01, 1.37657754143519042600e+02, 4.34565877475229228821e+02,
       6.45387271733267880336e+02, 4.29008140027567833386e+02, 1.08635005541779435134e+02,
       6.57024977031928170135e+00, -6.04244152148580987438e-02)
_RB = (-9.86494292470009928597e-03, -7.99283237680523006574e-01, -1.77579549177547519889e+01,
       -1.60636384855821916062e+02, -6.37566443368389627722e+02, -1.02509513161107724954e+03,
       -4.83519191608651397019e+02)
_SB = (1.0, 3.03380607434824582924e+01, 3.25792512996573918826e+02, 1.53672958608443695994e+03,
       3.19985821950859553908e+03, 2.55305040643316442583e+03, 4.74528541206955367215e+02,
       -2.24409524465858183362e+01)

# Acklam's rational approximation of the inverse normal CDF (relative error 1.2e-9), refined
# by one Halley step to full double precision. (Highest degree first.)
_ACKLAM_A = (-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
             1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00)
_ACKLAM_B = (-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
             6.680131188771972e+01, -1.328068155288572e+01, 1.0)
_ACKLAM_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
             -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00)
_ACKLAM_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
             3.754408661907416e+00, 1.0)

# erfinv(y) = sum_k c_k (sqrt(pi)/2)^(2k+1) / (2k+1) y^(2k+1): the Maclaurin series, whose
# c_k follow c_k = sum_m c_m c_(k-1-m) / ((m+1)(2m+1)); here divided through, for |y| <= 1/2
# (the terms fall by 4x each). Lowest degree first, in y * y.
_ERFINV = (0.886226925452758, 0.2320136665346545, 0.12755617530559796, 0.08655212924154754,
           0.06495961774538542, 0.05173128198461637, 0.04283672065179735,
           0.036465929308531625, 0.031689005021605446, 0.027980632964995224,
           0.02502227584119835, 0.022609863318897576, 0.020606780379059, 0.018918217250778854,
           0.017476370562856548, 0.016231500987685252, 0.015146315063247805,
           0.014192316002509964, 0.013347364197421297, 0.01259400487133207,
           0.01191829593639204, 0.011308970105922536, 0.010756825303317957,
           0.010254274081853467, 0.009795005770071176, 0.009373729819182082,
           0.008985978502843378)

# zeta(k) - 1 for k = 2..28: lgamma(2 + z) = (1 - euler) z + sum_k (-1)^k (zeta(k) - 1) / k z^k,
# converging like 2^-k |z|^k, so |z| <= 1/2 takes ~27 terms.
_ZETA_M1 = (0.6449340668482264, 0.2020569031595943, 0.08232323371113819, 0.03692775514336993,
            0.01734306198444914, 0.008349277381922827, 0.00407735619794434,
            0.0020083928260822143, 0.0009945751278180853, 0.0004941886041194645,
            0.0002460865533080483, 0.00012271334757848915, 6.124813505870483e-05,
            3.058823630702049e-05, 1.528225940865187e-05, 7.637197637899763e-06,
            3.81729326499984e-06, 1.908212716553939e-06, 9.539620338727962e-07,
            4.769329867878064e-07, 2.38450502727733e-07, 1.1921992596531106e-07,
            5.960818905125948e-08, 2.980350351465228e-08, 1.4901554828365043e-08,
            7.45071178983543e-09, 3.725334024788457e-09)
_LGAMMA2 = (1 - _EULER,) + tuple((-1) ** k * c / k for k, c in enumerate(_ZETA_M1, 2))
_DIGAMMA2 = (1 - _EULER,) + tuple((-1) ** k * c for k, c in enumerate(_ZETA_M1, 2))

# digamma's positive root as hi + lo, and digamma's Taylor coefficients psi^(k)(root) / k! for
# k = 1..40 (radius of convergence: the root's distance to the pole at 0).
_ROOT_HI = 1.4616321449683622
_ROOT_LO = 9.549995429965697e-17
_DIGAMMA_ROOT = (
    0.9676722454476212, -0.4427631689835921, 0.258499760955651, -0.16394270544240652,
    0.10782405069126237, -0.07219956125645471, 0.04880428816414311, -0.03316112647484736,
    0.022597648232218104, -0.01542476590494896, 0.010538791616612175, -0.007204534386356869,
    0.004926781395729853, -0.003369801655439328, 0.002305126326734928, -0.0015769367714301972,
    0.0010788252019162967, -0.0007380709389960052, 0.000504953265834602,
    -0.0003454680251063077, 0.00023635601564027053, -0.00016170622091974803,
    0.0001106337276874741, -7.569179582195066e-05, 5.178575795222081e-05,
    -3.5430070947659604e-05, 2.424006611860132e-05, -1.6584242271854135e-05,
    1.134638458466385e-05, -7.762817668462094e-06, 5.3110609208898636e-06,
    -3.6336507898010456e-06, 2.486022733129538e-06, -1.7008538854332607e-06,
    1.1636675363548843e-06, -7.96142543124197e-07, 5.446941930669446e-07,
    -3.7266161283438227e-07, 2.549626552021554e-07, -1.7443695117727745e-07)

# Bernoulli numbers B_2 .. B_24 as fractions.
_BERNOULLI = ((1, 6), (-1, 30), (1, 42), (-1, 30), (5, 66), (-691, 2730), (7, 6),
              (-3617, 510), (43867, 798), (-174611, 330), (854513, 138), (-236364091, 2730))
# Stirling: lgamma(x) ~ (x - 1/2) log x - x + log(2 pi)/2 + sum_k B_2k / (2k (2k-1) x^(2k-1))
_STIRLING = tuple(n / (d * 2 * k * (2 * k - 1)) for k, (n, d) in enumerate(_BERNOULLI[:8], 1))
# digamma(x) ~ log x - 1/(2x) - sum_k B_2k / (2k x^2k)
_DIGAMMA_ASYMPTOTIC = tuple(n / (d * 2 * k) for k, (n, d) in enumerate(_BERNOULLI[:8], 1))
# Euler-Maclaurin tail of the Hurwitz zeta function: B_2j / (2j)!
_ZETA_EM = tuple(n / (d * math.factorial(2 * k)) for k, (n, d) in enumerate(_BERNOULLI, 1))

_SPLITTER = 134217729.0                    # 2**27 + 1, Veltkamp's splitting constant
_HIGH_BITS = numpy.int64(-1 << 32)         # clears the 32 low significand bits of a float64


def _veltkamp(a):
    """Splits ``a`` into ``hi + lo`` with 26-bit halves (for |a| < 2**996)."""
    t = a * _SPLITTER
    hi = t - (t - a)
    return hi, a - hi


_INV_SQRT2_SPLIT = _veltkamp(_INV_SQRT2)


def _times_inv_sqrt2(a):
    """``(hi, lo)`` with ``hi + lo = a / sqrt(2)`` to about 2**-100 relative (|a| < 2**996)."""
    hi = a * _INV_SQRT2
    ah, al = _veltkamp(a)
    ch, cl = _INV_SQRT2_SPLIT
    err = ((ah * ch - hi) + ah * cl + al * ch) + al * cl
    return hi, err + a * _INV_SQRT2_LO


def _high(a):
    """``a`` with its 32 low significand bits cleared: 21 significant bits, so ``hi * hi``
    (and ``hi * hi + 0.5625`` for ``|a| < 28``) is exact."""
    return (numpy.ascontiguousarray(a).view(numpy.int64) & _HIGH_BITS).view(numpy.float64)


def _exp_sq(a, sign):
    """``exp(sign * a * a)`` for finite ``a``, without the rounding of ``a * a``, which would
    cost the result ``log2(a * a)`` bits."""
    hi = _high(a)
    return numpy.exp(sign * (hi * hi)) * numpy.exp(sign * ((a - hi) * (a + hi)))


def _polyval(t, coeffs):
    """Polynomial with coefficients from the lowest degree up."""
    r = t * coeffs[-1]
    for c in coeffs[-2:0:-1]:
        r += c
        r *= t
    r += coeffs[0]
    return r


def _horner(t, coeffs):
    """Polynomial with coefficients from the highest degree down."""
    r = numpy.full_like(t, coeffs[0])
    for c in coeffs[1:]:
        r = r * t + c
    return r


# ----- erf, erfc, ndtr, erfcx -------------------------------------------------------------------

def _erfc_tail(a, lo=None):
    """``erfc(a + lo)`` for float64 ``a >= 0.84375`` (1-d), ``lo`` a tiny low part (or None).

    As in fdlibm, ``exp(-a * a)`` is taken as ``exp(-hi * hi) * exp((hi - a) (hi + a))`` with an
    exact ``hi * hi``; the low part of the argument enters the second factor.
    """
    # erfc(28) underflows float64: clipping there keeps a * a finite for any input.
    a = numpy.minimum(a, 28.0)
    e = numpy.empty_like(a)
    i = numpy.flatnonzero(a < 1.25)
    ai = a[i]
    s = ai - 1
    e[i] = (1 - _ERX) - _polyval(s, _PA) / _polyval(s, _QA)
    if lo is not None:
        e[i] -= lo[i] * TWO_OVER_SQRT_PI * numpy.exp(-(ai * ai))
    for i, p, q in ((numpy.flatnonzero(~(a < 1.25) & (a < 1 / 0.35)), _RA, _SA),
                    (numpy.flatnonzero(~(a < 1 / 0.35)), _RB, _SB)):
        ai = a[i]
        s = 1 / (ai * ai)
        hi = _high(ai)
        t = (hi - ai) * (hi + ai) + _polyval(s, p) / _polyval(s, q)
        if lo is not None:
            t -= 2 * ai * lo[i]
        e[i] = numpy.exp(-(hi * hi) - 0.5625) * numpy.exp(t) / ai
    return e


def _erf_family(x, complement, scale=1.0):
    """erf (or erfc) of ``scale * x`` for a 1-d float32/float64 NumPy array ``x``; ``scale`` is
    1 or ``-1/sqrt(2)`` (for ndtr).

    The small-``|z|`` formula runs on every element; only elements beyond it are gathered for
    the tail ranges, so the common case has no gathers. There ``z`` is recomputed from ``x`` in
    float64 (as a double-double when scaled): erfc's relative condition number there is about
    ``2 z**2``, so a rounded ``z`` would cost the tail that many ulp.
    """
    z = x * x.dtype.type(scale) if scale != 1.0 else x
    zc = numpy.clip(z, -0.84375, 0.84375)
    t = zc * zc
    out = _polyval(t, _PP)
    out /= _polyval(t, _QQ)
    out *= zc
    out += zc                                  # erf(zc)
    if complement:
        numpy.subtract(1, out, out=out)
    big = numpy.flatnonzero(~(numpy.abs(z) < 0.84375))  # NaN counts as big and stays NaN
    if big.size:
        xb = x[big].astype(numpy.float64)
        if scale == 1.0:
            zb, lo = xb, None
        else:
            zb, lo = _times_inv_sqrt2(numpy.clip(xb, -40.0, 40.0))
            zb = -zb
            lo = numpy.where(zb < 0, lo, -lo)      # the low part of |z|
        e = _erfc_tail(numpy.abs(zb), lo)      # erfc(|z|)
        if complement:
            e += (zb < 0) * (2 - 2 * e)        # erfc(-a) = 2 - erfc(a)
        else:
            e = numpy.copysign(1 - e, zb)      # erf(z) = sign(z) * (1 - erfc(|z|))
        out[big] = e
    return out


def _ndtr(x):
    return _erf_family(x, True, -_INV_SQRT2) * 0.5


def _erfcx_tail(a):
    """``exp(a * a) * erfc(a)`` for float64 ``a >= 0.84375`` (1-d; NaN stays NaN)."""
    e = numpy.empty_like(a)
    i = numpy.flatnonzero(a < 1.25)
    ai = a[i]
    s = ai - 1
    e[i] = _exp_sq(ai, 1) * ((1 - _ERX) - _polyval(s, _PA) / _polyval(s, _QA))
    for i, p, q in ((numpy.flatnonzero(~(a < 1.25) & (a < 1 / 0.35)), _RA, _SA),
                    (numpy.flatnonzero(~(a < 1 / 0.35) & (a < 28)), _RB, _SB)):
        ai = a[i]
        s = 1 / (ai * ai)
        e[i] = numpy.exp(_polyval(s, p) / _polyval(s, q) - 0.5625) / ai
    # a >= 28: 1 / (a sqrt(pi)) sum_k (-1)^k (2k-1)!! / (2 a^2)^k, the terms below 1e-20 by k = 8
    i = numpy.flatnonzero(~(a < 28))
    inv = 1 / a[i]
    h = 0.5 * inv * inv
    series = numpy.ones_like(inv)
    term = numpy.ones_like(inv)
    for k in range(1, 9):
        term *= -(2 * k - 1) * h
        series += term
    e[i] = series * inv * _INV_SQRT_PI
    return e


def _erfcx(x):
    """``exp(x * x) * erfc(x)``, overflowing to inf below about -26.6."""
    out = numpy.empty_like(x)
    small = numpy.abs(x) < 0.84375
    i = numpy.flatnonzero(small)
    xi = x[i]
    out[i] = numpy.exp(xi * xi) * _erf_family(xi, True)
    i = numpy.flatnonzero(~small)
    a = numpy.abs(x[i])
    e = _erfcx_tail(a)
    neg = numpy.flatnonzero(x[i] < 0)
    if neg.size:
        with numpy.errstate(over='ignore'):
            # erfcx(-a) = 2 exp(a^2) - erfcx(a); exp(27^2) is already inf
            e[neg] = 2 * _exp_sq(numpy.minimum(a[neg], 27.0), 1) - e[neg]
    out[i] = e
    return out


# ----- inverses of the error functions and of the normal CDF -------------------------------------

def _ndtri(p):
    """Inverse normal CDF of a float64 array: Acklam's approximation plus one Halley step."""
    upper = p > 0.5
    q = numpy.where(upper, 1 - p, p)          # exact for p >= 1/2; work in the lower tail
    with numpy.errstate(divide='ignore', invalid='ignore', over='ignore'):
        tail = numpy.sqrt(-2 * numpy.log(q))
        x_tail = _horner(tail, _ACKLAM_C) / _horner(tail, _ACKLAM_D)
        c = q - 0.5
        r = c * c
        x_mid = c * _horner(r, _ACKLAM_A) / _horner(r, _ACKLAM_B)
        x = numpy.where(q < 0.02425, x_tail, x_mid)
        # Halley's step on ndtr(x) = q. ndtr keeps its relative accuracy in the lower tail;
        # near the middle the residual is taken as erf(x / sqrt(2)) / 2 - (q - 1/2), whose
        # parts are exact or small, rather than as a difference of two numbers near 1/2.
        flat = x.reshape(-1)
        qf = q.reshape(-1)
        resid = _ndtr(flat) - qf
        mid = numpy.flatnonzero(qf >= 0.25)
        resid[mid] = 0.5 * _erf_family(flat[mid] * _INV_SQRT2, False) - (qf[mid] - 0.5)
        u = resid.reshape(x.shape) * SQRT_2PI * numpy.exp(0.5 * x * x)
        refined = x - u / (1 + 0.5 * x * u)
        x = numpy.where(numpy.isfinite(refined), refined, x)
        x = numpy.where(q == 0, -numpy.inf, x)
        x = numpy.where((q < 0) | numpy.isnan(q), numpy.nan, x)
    return numpy.where(upper, -x, x)


def _erfcinv_lower(z):
    """``erfcinv(z)`` for ``z <= 1/2`` (NaN below 0): ``-ndtri(z / 2) / sqrt(2)``."""
    return _ndtri(z * 0.5) * -_INV_SQRT2


def _erfinv(y):
    out = numpy.empty_like(y)
    small = numpy.abs(y) <= 0.5
    i = numpy.flatnonzero(small)
    yi = y[i]
    out[i] = yi * _polyval(yi * yi, _ERFINV)
    i = numpy.flatnonzero(~small)
    yi = y[i]
    # 1 - |y| is exact for |y| >= 1/2; beyond 1 it is negative and the result NaN
    out[i] = numpy.copysign(_erfcinv_lower(1 - numpy.abs(yi)), yi)
    return out


def _erfcinv(z):
    out = numpy.empty_like(z)
    mid = (z >= 0.5) & (z <= 1.5)
    i = numpy.flatnonzero(mid)
    out[i] = _erfinv(1 - z[i])                # exact 1 - z: full relative accuracy near z = 1
    high = z > 1.5
    i = numpy.flatnonzero(high)
    out[i] = -_erfcinv_lower(2 - z[i])        # erfcinv(z) = -erfcinv(2 - z)
    i = numpy.flatnonzero(~(mid | high))
    out[i] = _erfcinv_lower(z[i])
    return out


def _log_ndtr(x):
    """``log(ndtr(x))``, accurate in both tails: ``log1p(-ndtr(-x))`` for ``x >= 0`` and
    ``-x^2/2 + log(erfcx(-x/sqrt(2)) / 2)`` below, which never underflows."""
    out = numpy.empty_like(x)
    neg = x < 0
    i = numpy.flatnonzero(~neg)
    out[i] = numpy.log1p(-_ndtr(-x[i]))
    i = numpy.flatnonzero(neg)
    xi = x[i]
    with numpy.errstate(over='ignore', divide='ignore'):
        out[i] = numpy.log(0.5 * _erfcx(xi * -_INV_SQRT2)) - 0.5 * (xi * xi)
    return out


# ----- lgamma, digamma, zeta, polygamma ----------------------------------------------------------

def _lgamma_near2(z):
    """``lgamma(2 + z)`` for ``|z| <= 1/2``, to full relative accuracy also near z = 0."""
    return z * _polyval(z, _LGAMMA2)


def _lgamma(x):
    """``log|Gamma(x)|``; +inf at the poles 0, -1, -2, ...

    Near 1 and 2 (the zeros) it uses the Taylor series about 2 on exactly computed offsets,
    from 8 up the Stirling series, between them the recurrence down into [1.5, 2.5), and
    below -1/2 the reflection formula with an exactly reduced ``sin(pi x)``.
    """
    out = numpy.empty_like(x)
    with numpy.errstate(divide='ignore', over='ignore', invalid='ignore'):
        # |x| < 1/2: lgamma(x) = lgamma(2 + x) - log1p(x) - log|x|
        i = numpy.flatnonzero(numpy.abs(x) < 0.5)
        xi = x[i]
        out[i] = _lgamma_near2(xi) - numpy.log1p(xi) - numpy.log(numpy.abs(xi))
        # [0.5, 1.5): lgamma(x) = lgamma(2 + (x - 1)) - log x
        i = numpy.flatnonzero((x >= 0.5) & (x < 1.5))
        xi = x[i]
        out[i] = _lgamma_near2(xi - 1) - numpy.log(xi)
        # [1.5, 8): down by n = 0..6 into [1.5, 2.5), where x - n - 2 is exact
        i = numpy.flatnonzero((x >= 1.5) & (x < 8))
        xi = x[i]
        n = numpy.floor(xi - 1.5)
        prod = numpy.ones_like(xi)
        for j in range(1, 7):
            prod *= numpy.where(n >= j, xi - j, 1.0)
        out[i] = _lgamma_near2(xi - n - 2) + numpy.log(prod)
        # [8, inf] and NaN: Stirling, written (x - 1/2)(log x - 1) + ... to cancel less
        i = numpy.flatnonzero(~(x < 8))
        xi = x[i]
        inv = 1 / xi
        out[i] = ((xi - 0.5) * (numpy.log(xi) - 1) + (LOG_SQRT_2PI - 0.5)
                  + inv * _polyval(inv * inv, _STIRLING))
        # x <= -1/2: log(pi / |sin(pi x)|) - lgamma(1 - x)
        i = numpy.flatnonzero(x <= -0.5)
        if i.size:
            xi = x[i]
            r = xi - numpy.round(xi)              # exact; sin(pi x) = +-sin(pi r)
            s = numpy.abs(numpy.sin(math.pi * r))
            y = math.log(math.pi) - numpy.log(s) - _lgamma(1 - xi)
            out[i] = numpy.where((s == 0) | (xi == -numpy.inf), numpy.inf, y)
    return out


def _digamma_core(t):
    """``digamma(t)`` for ``1 <= t < 2.5``: the Taylor series about the root on [1, 2) (full
    relative accuracy near the root), the series about 2 above."""
    out = numpy.empty_like(t)
    i = numpy.flatnonzero(t < 2)
    d = (t[i] - _ROOT_HI) - _ROOT_LO          # the first difference is exact
    out[i] = d * _polyval(d, _DIGAMMA_ROOT)
    i = numpy.flatnonzero(~(t < 2))
    out[i] = _polyval(t[i] - 2, _DIGAMMA2)
    return out


def _digamma(x):
    """``psi(x) = d/dx log Gamma(x)``: NaN at the negative integers, -inf at +0."""
    out = numpy.empty_like(x)
    with numpy.errstate(divide='ignore', invalid='ignore', over='ignore'):
        # (0, 10): shift into [1, 2.5) and add the shifted terms of the recurrence
        i = numpy.flatnonzero((x > 0) & (x < 10))
        xi = x[i]
        below = xi < 1
        n = numpy.where(below, 0.0, numpy.maximum(numpy.floor(xi - 1.5), 0))
        t = numpy.where(below, xi + 1, xi - n)
        acc = numpy.where(below, -1 / xi, 0.0)
        for j in range(1, 9):                 # psi(x) = psi(x - n) + sum_j 1 / (x - j)
            acc += numpy.where(n >= j, 1 / (xi - j), 0.0)
        out[i] = _digamma_core(t) + acc
        # [10, inf] and NaN: the asymptotic series
        i = numpy.flatnonzero(~(x < 10))
        xi = x[i]
        inv2 = 1 / (xi * xi)
        out[i] = numpy.log(xi) - 0.5 / xi - inv2 * _polyval(inv2, _DIGAMMA_ASYMPTOTIC)
        # x <= 0: psi(1 - x) - pi / tan(pi x), reduced exactly; poles give NaN (+-0: -+inf)
        i = numpy.flatnonzero(x <= 0)
        if i.size:
            xi = x[i]
            r = xi - numpy.round(xi)
            y = _digamma(1 - xi) - math.pi / numpy.tan(math.pi * r)
            y = numpy.where(r == 0, numpy.nan, y)
            out[i] = numpy.where(xi == 0, numpy.copysign(numpy.inf, -xi), y)
    return out


def _zeta(s, q):
    """Hurwitz zeta ``sum_k (q + k)^-s`` for ``s > 1``, ``q > 0`` (inf at s = 1, NaN elsewhere
    outside that domain), by Euler-Maclaurin summation.

    The first ``n`` terms are summed directly, smallest first; the rest is the integral, half
    the first left-out term and 12 Bernoulli corrections at ``w = q + n``. ``w`` grows with
    ``s`` so that the corrections converge to float64 precision; where the direct terms fall
    below 1e-17 of the first one sooner, the sum stops there and the tail is dropped.
    """
    s, q = numpy.broadcast_arrays(s, q)
    out = numpy.full(s.shape, numpy.nan)
    out[s == 1] = numpy.inf
    ok = (s > 1) & (q > 0)
    i = numpy.flatnonzero(ok)
    if not i.size:
        return out
    s = s.reshape(-1)[i]
    q = q.reshape(-1)[i]
    with numpy.errstate(over='ignore', invalid='ignore', divide='ignore', under='ignore'):
        n_tail = numpy.maximum(numpy.ceil(numpy.maximum(10.0, (s + 12.0) / 1.38) - q), 0.0)
        n_trunc = numpy.ceil(q * numpy.expm1(40.0 / s)) + 1
        use_tail = n_tail <= n_trunc
        n = numpy.where(use_tail, n_tail, n_trunc)
        w = q + n
        b = w ** -s
        total = numpy.where(use_tail, b * w / (s - 1) + 0.5 * b, 0.0)
        rise = s.copy()                       # s (s+1) ... (s+2j-2)
        p = b / w
        inv2 = 1 / (w * w)
        for j, c in enumerate(_ZETA_EM, 1):
            total += numpy.where(use_tail, c * rise * p, 0.0)
            rise *= (s + 2 * j - 1) * (s + 2 * j)
            p *= inv2
        for k in range(int(n.max()) - 1, -1, -1):
            total += numpy.where(k < n, (q + k) ** -s, 0.0)
    out.reshape(-1)[i] = total
    return out


def _polygamma(n, x):
    """``psi^(n)(x)`` for integer ``n >= 0`` (an int or an array broadcasting with ``x``);
    for ``n >= 1``, ``(-1)^(n+1) n! zeta(n + 1, x)``, NaN for ``x <= 0``."""
    n = numpy.asarray(n)
    n, x = numpy.broadcast_arrays(n, x)
    out = numpy.empty(x.shape)
    for k in numpy.unique(n):
        k = int(k)
        sel = n == k
        xk = x[sel]
        if k == 0:
            out[sel] = _digamma(xk)
        else:
            out[sel] = (-1) ** (k + 1) * math.factorial(k) * _zeta(
                numpy.full_like(xk, k + 1), numpy.where(xk > 0, xk, numpy.nan))
    return out


# ----- dispatch ----------------------------------------------------------------------------------

_KERNELS = {'erfcx': _erfcx, 'erfinv': _erfinv, 'erfcinv': _erfcinv, 'ndtri': _ndtri,
            'log_ndtr': _log_ndtr, 'lgamma': _lgamma, 'digamma': _digamma, 'zeta': _zeta,
            'polygamma': _polygamma}
_CUPY_NAMES = {'lgamma': 'gammaln'}


def special(name, *args):
    """Applies the special function ``name`` to raw arrays, keeping the float input's dtype.

    ``name`` is 'erf', 'erfc', 'ndtr' (the normal CDF), 'erfcx', 'erfinv', 'erfcinv', 'ndtri',
    'log_ndtr', 'lgamma', 'digamma' (one float array), 'zeta' (``x, q``: two float arrays of
    one dtype, broadcasting) or 'polygamma' (``n, x``: integer order(s), then floats).

    Example:
        >>> special('erf', numpy.array([0.5]))
        array([0.52049988])
    """
    x = args[-1] if name == 'polygamma' else args[0]
    dtype = x.dtype
    xp = backend.get_array_module(x)
    if xp is not numpy:
        from cupyx.scipy import special as cupy_special
        fn = getattr(cupy_special, _CUPY_NAMES.get(name, name))
        work = [a.astype(numpy.float32) if a.dtype == numpy.float16 else a for a in args]
        return fn(*work).astype(dtype, copy=False)
    if name in ('erf', 'erfc', 'ndtr'):
        work = x.astype(numpy.float32) if dtype == numpy.float16 else x
        flat = work.reshape(-1)
        if name == 'ndtr':
            y = _ndtr(flat)
        else:
            y = _erf_family(flat, name == 'erfc')
        return y.reshape(x.shape).astype(dtype, copy=False)
    work = [a.astype(numpy.float64, copy=False) if a.dtype.kind == 'f' else a for a in args]
    if name in ('zeta', 'polygamma'):
        y = _KERNELS[name](*work)
    else:
        y = _KERNELS[name](work[0].reshape(-1)).reshape(x.shape)
    return numpy.asarray(y).astype(dtype, copy=False)
