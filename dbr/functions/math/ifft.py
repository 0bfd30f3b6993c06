"""Inverse fast Fourier transform on (real, imaginary) pairs."""
from dbr.functions.math.fft import FFT


def ifft(x):
    """Inverse fast Fourier transform along the last axis, on real and imaginary parts.

    Args:
        x (tuple): ``(real, imag)``: Variables or arrays of one float dtype and shape (at
            least 1-D), the real and imaginary parts of the input.

    Returns:
        tuple: ``(real, imag)`` Variables, the parts of the inverse transform.

    Example:
        >>> yr, yi = F.ifft((dbr.Variable(numpy.array([3., -1.])), numpy.zeros(2)))
        >>> yr.array, yi.array
        (array([1., 2.]), array([0., 0.]))
    """
    real, imag = x
    return FFT('ifft').apply((real, imag))
