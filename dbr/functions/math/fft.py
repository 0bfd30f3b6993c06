"""Fast Fourier transform on (real, imaginary) pairs."""
from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode


class FFT(FunctionNode):
    """The discrete Fourier transform (``method`` 'fft') or its inverse ('ifft') along the
    last axis, of ``real + 1j * imag``, returning the real and imaginary parts.

    Both transforms are linear with ``F^H = n F^-1``, and the gradient of a real loss through
    them is the same transform of ``(gi, gr)`` with the parts swapped back:
    ``(gxr, gxi) = swap(T(gi + 1j gr))``.
    """

    check_type_forward = type_check.expects(
        'real, imag', "real.dtype.kind == 'f'", 'real.dtype == imag.dtype',
        'real.shape == imag.shape', 'real.ndim > 0', 'real.shape[-1] > 0')

    def __init__(self, method):
        self.method = method

    @property
    def label(self):
        return self.method

    def forward(self, inputs):
        real, imag = inputs
        xp = backend.get_array_module(real)
        y = getattr(xp.fft, self.method)(real + 1j * imag)
        return (xp.ascontiguousarray(y.real).astype(real.dtype, copy=False),
                xp.ascontiguousarray(y.imag).astype(real.dtype, copy=False))

    def backward(self, indexes, grad_outputs):
        gr, gi = grad_outputs
        xp = backend.get_array_module((gr if gr is not None else gi).array)
        if gr is None:
            gr = xp.zeros_like(gi.array)
        if gi is None:
            gi = xp.zeros_like(gr.array)
        gxi, gxr = FFT(self.method).apply((gi, gr))
        return tuple(gxr if i == 0 else gxi for i in indexes)


def fft(x):
    """Fast Fourier transform along the last axis, on real and imaginary parts.

    Args:
        x (tuple): ``(real, imag)``: Variables or arrays of one float dtype and shape (at
            least 1-D), the real and imaginary parts of the input.

    Returns:
        tuple: ``(real, imag)`` Variables, the parts of the transform.

    Example:
        >>> yr, yi = F.fft((dbr.Variable(numpy.array([1., 2.])), numpy.zeros(2)))
        >>> yr.array, yi.array
        (array([ 3., -1.]), array([0., 0.]))
    """
    real, imag = x
    return FFT('fft').apply((real, imag))
