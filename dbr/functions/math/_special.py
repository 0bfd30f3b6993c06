"""Error functions and the normal CDF, vectorized, without SciPy.

On NumPy, erf/erfc use fdlibm's rational approximations (about one ulp in float64) on the
four ranges of ``|z|``; on CuPy, ``cupyx.scipy.special``. Results keep the input dtype; float16
is computed in float32, and the tail ranges always in float64, where erfc's relative
condition number (about ``2 z**2``) would cost float32 inputs 1e-5.
"""
import math

import numpy

from dbr import backend

# d/dx erf(x) = TWO_OVER_SQRT_PI * exp(-x * x)
TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_INV_SQRT2 = 1 / math.sqrt(2)

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


def _polyval(t, coeffs):
    r = t * coeffs[-1]
    for c in coeffs[-2:0:-1]:
        r += c
        r *= t
    r += coeffs[0]
    return r


def _erfc_tail(a):
    """``erfc(a)`` for float64 ``a >= 0.84375`` (1-d)."""
    # erfc(28) underflows float64: clipping there keeps a * a finite for any input.
    a = numpy.minimum(a, 28)
    e = numpy.empty_like(a)
    i = numpy.flatnonzero(a < 1.25)
    s = a[i] - 1
    e[i] = (1 - _ERX) - _polyval(s, _PA) / _polyval(s, _QA)
    for i, p, q in ((numpy.flatnonzero(~(a < 1.25) & (a < 1 / 0.35)), _RA, _SA),
                    (numpy.flatnonzero(~(a < 1 / 0.35)), _RB, _SB)):
        ai = a[i]
        s = 1 / (ai * ai)
        e[i] = numpy.exp(_polyval(s, p) / _polyval(s, q) - ai * ai - 0.5625) / ai
    return e


def _erf_family(x, complement, scale=1.0):
    """erf (or erfc) of ``scale * x`` for a 1-d float32/float64 NumPy array ``x``.

    The small-``|z|`` formula runs on every element; only elements beyond it are gathered for
    the tail ranges, so the common case has no gathers. There ``z`` is recomputed from ``x`` in
    float64: a float32-rounded ``z`` would cost the tail 1e-5 relative accuracy.
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
        zb = x[big].astype(numpy.float64) * scale
        e = _erfc_tail(numpy.abs(zb))          # erfc(|z|)
        if complement:
            e += (zb < 0) * (2 - 2 * e)        # erfc(-a) = 2 - erfc(a)
        else:
            e = numpy.copysign(1 - e, zb)      # erf(z) = sign(z) * (1 - erfc(|z|))
        out[big] = e
    return out


def _numpy(name, x):
    flat = x.reshape(-1)
    if name == 'ndtr':
        return (_erf_family(flat, True, -_INV_SQRT2) * 0.5).reshape(x.shape)
    return _erf_family(flat, name == 'erfc').reshape(x.shape)


def special(name, x):
    """Applies ``name`` ('erf', 'erfc' or 'ndtr', the normal CDF) to ``x``, keeping its dtype.

    Example:
        >>> special('erf', numpy.array([0.5]))
        array([0.52049988])
    """
    xp = backend.get_array_module(x)
    work = x.astype(numpy.float32) if x.dtype == numpy.float16 else x
    if xp is numpy:
        y = _numpy(name, work)
    else:
        from cupyx.scipy import special as cupy_special
        y = getattr(cupy_special, name)(work)
    return y.astype(x.dtype, copy=False)
