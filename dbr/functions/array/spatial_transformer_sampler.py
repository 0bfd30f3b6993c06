"""Bilinear sampling of images at given points (the sampler of a spatial transformer)."""
import numpy

from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode


def _axis_corners(coord, size, xp):
    """Along one axis: the pixel coordinate of ``coord`` (in [-1, 1]) clamped to
    ``[-1, size]``, the pixel at or below it, the two neighbouring pixels with their
    validity, and where the coordinate passes a gradient (strictly inside the clamp).

    A point farther than one pixel outside the image is clamped to the zero border around it.
    """
    pos = (coord + 1) * coord.dtype.type((size - 1) / 2)
    inside = (pos > -1) & (pos < size)
    clamped = xp.clip(pos, -1, size)
    low = xp.clip(xp.floor(clamped), -1, size - 1)
    lo = low.astype(numpy.intp)
    return clamped, low, (lo, lo + 1), (lo >= 0, lo + 1 < size), inside


class SpatialTransformerSampler(FunctionNode):
    """``y[n, c, i, j]``: ``x[n, c]`` interpolated bilinearly at ``grid[n, :, i, j]``.

    The forward adds up the four neighbours of every point corner by corner. The backward is
    made of dbr functions: for ``x``, the corners' weights (functions of ``grid``) scattered
    back by :class:`CornerScatter`; for ``grid``, the weights' derivatives against the corner
    values read by :class:`CornerGather`; so it is differentiable again.
    """

    check_type_forward = type_check.expects(
        'x, grid', "x.dtype.kind == 'f'", 'x.ndim == 4', 'grid.dtype == x.dtype',
        'grid.ndim == 4', 'grid.shape[1] == 2', 'grid.shape[0] == x.shape[0]')

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x, grid = inputs
        xp = backend.get_array_module(x)
        n, c, h, w = x.shape
        u, u_low, (u0, u1), (u0_ok, u1_ok), u_in = _axis_corners(grid[:, 0], w, xp)
        v, v_low, (v0, v1), (v0_ok, v1_ok), v_in = _axis_corners(grid[:, 1], h, xp)
        fu = u - u_low
        fv = v - v_low
        # Corners (v0, u0), (v0, u1), (v1, u0), (v1, u1); one outside the image reads 0.
        index = xp.stack([xp.clip(vk, 0, h - 1) * w + xp.clip(uk, 0, w - 1)
                          for vk in (v0, v1) for uk in (u0, u1)])[:, :, None]
        valid = xp.stack([vk & uk for vk in (v0_ok, v1_ok)
                          for uk in (u0_ok, u1_ok)])[:, :, None].astype(x.dtype)
        self.index, self.valid = index, valid
        self.tables = (u, v, u_low, v_low, u_in, v_in)
        weights = ((1 - fv) * (1 - fu), (1 - fv) * fu, fv * (1 - fu), fv * fu)
        flat = x.reshape(n, c, h * w)
        out_shape = (n, c) + grid.shape[2:]
        y = None
        for k in range(4):
            t = xp.take_along_axis(flat, index[k].reshape(n, 1, -1), axis=2).reshape(out_shape)
            t *= weights[k][:, None] * valid[k]
            if y is None:
                y = t
            else:
                y += t
        return y,

    def backward(self, indexes, grad_outputs):
        from dbr.functions.array.stack import stack
        from dbr.functions.math.sum import sum as sum_
        from dbr.functions.math.where import where
        x, grid = self.get_retained_inputs()
        gy, = grad_outputs
        n, c, h, w = x.shape
        u_fixed, v_fixed, u_low, v_low, u_in, v_in = self.tables
        half_w = x.dtype.type((w - 1) / 2)
        half_h = x.dtype.type((h - 1) / 2)
        # The clamped coordinates as functions of grid: constant where the clamp holds them.
        fu = where(u_in, (grid[:, 0] + 1) * half_w, u_fixed) - u_low
        fv = where(v_in, (grid[:, 1] + 1) * half_h, v_fixed) - v_low
        ret = []
        if 0 in indexes:
            weights = stack([(1 - fv) * (1 - fu), (1 - fv) * fu, fv * (1 - fu), fv * fu])
            g = gy * weights.reshape((4, n, 1) + weights.shape[2:])
            ret.append(CornerScatter(self.index, self.valid, x.shape).apply((g,))[0])
        if 1 in indexes:
            x00, x01, x10, x11 = CornerGather(self.index, self.valid).apply((x,))[0]
            fu = fu.reshape((n, 1) + fu.shape[1:])
            fv = fv.reshape((n, 1) + fv.shape[1:])
            gu = sum_(gy * ((1 - fv) * (x01 - x00) + fv * (x11 - x10)), axis=1) * half_w
            gv = sum_(gy * ((1 - fu) * (x10 - x00) + fu * (x11 - x01)), axis=1) * half_h
            zero = x.xp.zeros((), x.dtype)
            ret.append(stack([where(u_in, gu, zero), where(v_in, gv, zero)], axis=1))
        return tuple(ret)


class CornerGather(FunctionNode):
    """Reads ``x`` at the four (fixed) corners of every sampling point; invalid ones read 0."""

    def __init__(self, index, valid):
        self.index = index
        self.valid = valid

    def forward(self, inputs):
        x, = inputs
        self._x_shape = x.shape
        n, c, h, w = x.shape
        index = self.index
        picked = backend.get_array_module(x).take_along_axis(
            x.reshape(1, n, c, h * w), index.reshape(index.shape[:3] + (-1,)), axis=3)
        return picked.reshape((4, n, c) + index.shape[3:]) * self.valid,

    def backward(self, indexes, grad_outputs):
        return CornerScatter(self.index, self.valid, self._x_shape).apply(grad_outputs)


class CornerScatter(FunctionNode):
    """The transpose of :class:`CornerGather`: adds each corner's value back to its pixel."""

    def __init__(self, index, valid, x_shape):
        self.index = index
        self.valid = valid
        self.x_shape = x_shape

    def forward(self, inputs):
        g, = inputs
        xp = backend.get_array_module(g)
        n, c, h, w = self.x_shape
        plane = (xp.arange(n)[:, None] * c + xp.arange(c)) * (h * w)
        at = self.index + plane.reshape((1, n, c) + (1,) * (self.index.ndim - 3))
        gx = xp.zeros(n * c * h * w, g.dtype)
        xp.add.at(gx, at.reshape(-1), (g * self.valid).reshape(-1))
        return gx.reshape(self.x_shape),

    def backward(self, indexes, grad_outputs):
        return CornerGather(self.index, self.valid).apply(grad_outputs)


def spatial_transformer_sampler(x, grid):
    """Samples images at arbitrary points by bilinear interpolation (a spatial transformer's
    sampler), differentiable in both the images and the points.

    ``grid[n, :, i, j]`` is a point ``(x_s, y_s)`` in the [-1, 1] coordinates of image ``n``:
    ``-1`` is the centre of the first pixel and ``1`` that of the last along each axis. The
    output pixel ``(i, j)`` interpolates the four pixels around that point. The image is
    surrounded by zeros: a point less than one pixel outside mixes in zeros, and a point
    farther out reads zeros and passes no gradient to its coordinates.

    Args:
        x: Variable or array ``(n, c, h, w)`` of floats.
        grid: Variable or array ``(n, 2, h_O, w_O)`` of ``x``'s dtype; channel 0 holds the x
            (width) coordinates, channel 1 the y (height) ones (as from
            :func:`spatial_transformer_grid`).

    Returns:
        Variable ``(n, c, h_O, w_O)``.

    Example:
        >>> x = numpy.arange(4, dtype='f').reshape(1, 1, 2, 2)
        >>> grid = numpy.array([[[[0.]], [[-1.]]]], 'f')  # halfway along the first row
        >>> F.spatial_transformer_sampler(x, grid).array
        array([[[[0.5]]]], dtype=float32)
    """
    return SpatialTransformerSampler().apply((x, grid))[0]
