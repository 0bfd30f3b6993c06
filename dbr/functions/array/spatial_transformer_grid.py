"""Sampling grid of a spatial transformer: affine maps of a regular grid in [-1, 1]^2."""
import numbers

from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode

_LABEL = 'spatial_transformer_grid'


def _target_points(shape, dtype, xp):
    """``(3, h * w)`` homogeneous coordinates ``(x, y, 1)`` of an ``h x w`` grid in
    [-1, 1]^2, row-major."""
    h, w = shape
    ys, xs = xp.meshgrid(xp.linspace(-1, 1, h, dtype=dtype), xp.linspace(-1, 1, w, dtype=dtype),
                         indexing='ij')
    return xp.stack([xs.reshape(-1), ys.reshape(-1), xp.ones(h * w, dtype)])


class SpatialTransformerGrid(FunctionNode):
    """``grid[n] = theta[n] @ points``; linear in ``theta``."""

    check_type_forward = type_check.expects(
        'theta', "theta.dtype.kind == 'f'", 'theta.ndim == 3', 'theta.shape[1:] == (2, 3)')

    def __init__(self, output_shape):
        self.output_shape = output_shape

    def forward(self, inputs):
        theta, = inputs
        xp = backend.get_array_module(theta)
        self._points = _target_points(self.output_shape, theta.dtype, xp)
        grid = xp.matmul(theta, self._points)
        return grid.reshape(theta.shape[:2] + self.output_shape),

    def backward(self, indexes, grad_outputs):
        from dbr.functions.array.reshape import reshape
        from dbr.functions.math.matmul import matmul
        gy, = grad_outputs
        g = reshape(gy, gy.shape[:2] + (-1,))
        return matmul(g, self._points, transb=True),


def spatial_transformer_grid(theta, output_shape):
    """Source coordinates of a spatial transformer's affine warp.

    For every pixel of an ``h_O x w_O`` target grid, with coordinates ``(x_t, y_t)`` spaced
    evenly over [-1, 1] (``-1`` the first row or column, ``1`` the last), the sampling point is
    ``theta @ (x_t, y_t, 1)``. The result feeds :func:`spatial_transformer_sampler`.

    Args:
        theta: Variable or array ``(n, 2, 3)`` of floats, one affine matrix per sample.
        output_shape (pair of ints): ``(h_O, w_O)``.

    Returns:
        Variable ``(n, 2, h_O, w_O)``: channel 0 holds the x (width) coordinates, channel 1
        the y (height) coordinates, both in the [-1, 1] scale of the source image.

    Example:
        >>> theta = numpy.array([[[1, 0, 0], [0, 1, 0]]], 'f')  # the identity
        >>> F.spatial_transformer_grid(theta, (2, 3)).array[0, 0]
        array([[-1.,  0.,  1.],
               [-1.,  0.,  1.]], dtype=float32)
    """
    shape = tuple(output_shape) if isinstance(output_shape, (tuple, list)) else None
    if shape is None or len(shape) != 2 or not all(
            isinstance(s, numbers.Integral) and not isinstance(s, bool) and s > 0
            for s in shape):
        raise ValueError(f'{_LABEL}: output_shape must be a pair of positive ints, got '
                         f'{output_shape!r}')
    return SpatialTransformerGrid(tuple(int(s) for s in shape)).apply((theta,))[0]
