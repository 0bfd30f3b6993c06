"""Gaussian error linear unit, ``x * Phi(x)`` with the exact normal CDF."""
import math

import numpy

from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode

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
_INV_SQRT2 = 1 / math.sqrt(2)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)


def _polyval(t, coeffs):
    r = t * coeffs[-1]
    for c in coeffs[-2:0:-1]:
        r += c
        r *= t
    r += coeffs[0]
    return r


def _ndtr(x):
    """``Phi(x) = erfc(-x / sqrt(2)) / 2`` of a 1-d float32/float64 NumPy array.

    The cheap formula for ``|z| < 0.84375`` runs on every element; only the elements beyond
    it are gathered for the other ranges, so the common case has no gathers. Those are
    computed in float64 even for float32 input: erfc's relative condition number there is
    about ``2 z**2``, so a float32 ``z`` (or ``z * z`` in the exponent) would cost 1e-5.
    """
    z = x * x.dtype.type(-_INV_SQRT2)
    zc = numpy.clip(z, -0.84375, 0.84375)
    t = zc * zc
    out = _polyval(t, _PP)
    out /= _polyval(t, _QQ)
    out *= zc
    out += zc
    numpy.subtract(1, out, out=out)
    big = numpy.flatnonzero(~(numpy.abs(z) < 0.84375))  # NaN is "big" and stays NaN below
    if big.size:
        zb = x[big].astype(numpy.float64) * -_INV_SQRT2
        # erfc(28) underflows float64: clipping there keeps a * a finite for any input.
        a = numpy.minimum(numpy.abs(zb), 28)
        e = numpy.empty_like(a)
        i = numpy.flatnonzero(a < 1.25)
        s = a[i] - 1
        e[i] = (1 - _ERX) - _polyval(s, _PA) / _polyval(s, _QA)
        for i, p, q in ((numpy.flatnonzero(~(a < 1.25) & (a < 1 / 0.35)), _RA, _SA),
                        (numpy.flatnonzero(~(a < 1 / 0.35)), _RB, _SB)):
            ai = a[i]
            s = 1 / (ai * ai)
            e[i] = numpy.exp(_polyval(s, p) / _polyval(s, q) - ai * ai - 0.5625) / ai
        e += (zb < 0) * (2 - 2 * e)  # erfc(-a) = 2 - erfc(a)
        out[big] = e
    out *= 0.5
    return out


def _normal_cdf(x):
    """``Phi(x)`` in ``x``'s dtype (float16 goes through float32), accurate in the lower tail."""
    xp = backend.get_array_module(x)
    work = x.astype(numpy.float32) if x.dtype == numpy.float16 else x
    if xp is numpy:
        p = _ndtr(work.reshape(-1)).reshape(x.shape)
    else:
        from cupyx.scipy.special import ndtr
        p = ndtr(work)
    return p.astype(x.dtype, copy=False)


def _normal_pdf(xp, x):
    work = x.astype(numpy.float32) if x.dtype == numpy.float16 else x
    p = xp.exp(work * work * work.dtype.type(-0.5))
    return (p * p.dtype.type(_INV_SQRT_2PI)).astype(x.dtype, copy=False)


class GELU(FunctionNode):
    """``x * Phi(x)``; the input is kept for backward."""

    check_type_forward = type_check.expects('x', "x.dtype.kind == 'f'")

    def forward(self, inputs):
        self.retain_inputs((0,))
        x, = inputs
        return x * _normal_cdf(x),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        return GELUGrad().apply((x, grad_outputs[0]))


class GELUGrad(FunctionNode):
    """``gy * (Phi(x) + x * phi(x))`` as one node."""

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x, gy = inputs
        xp = backend.get_array_module(x)
        return gy * (_normal_cdf(x) + x * _normal_pdf(xp, x)),

    def backward(self, indexes, grad_outputs):
        from dbr.functions.math.exp import exp
        x, gy = self.get_retained_inputs()
        ggx, = grad_outputs
        ret = []
        for i in indexes:
            if i == 0:
                # d/dx (Phi + x phi) = phi * (2 - x^2)
                xx = x * x
                ret.append(ggx * gy * exp(xx * -0.5) * (2 - xx) * _INV_SQRT_2PI)
            else:
                ret.append(GELUGrad().apply((x, ggx))[0])
        return tuple(ret)


def gelu(x):
    """Gaussian error linear unit, ``x * Phi(x)`` with ``Phi`` the standard normal CDF.

    Computed with the exact ``erf`` form ``x / 2 * (1 + erf(x / sqrt(2)))`` (not the tanh
    approximation), to near full float32/float64 precision, including the lower tail where
    ``1 + erf`` would cancel, and without overflow for large ``|x|``.

    Args:
        x: Variable or array of floats.

    Returns:
        Variable of ``x``'s shape and dtype.

    Example:
        >>> F.gelu(dbr.Variable(numpy.array([-1., 0., 1.], 'f'))).array
        array([-0.15865526,  0.        ,  0.8413447 ], dtype=float32)
    """
    return GELU().apply((x,))[0]
