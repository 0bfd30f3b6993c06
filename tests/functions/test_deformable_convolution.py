"""Tests of F.deformable_convolution_2d_sampler and L.DeformableConvolution2D.

The reference is a plain loop over output pixels and kernel taps that interpolates the input
bilinearly, with zeros outside the image, at the offset positions (channels [0, kh*kw) of
``offset`` shift x, channels [kh*kw, 2*kh*kw) shift y, tap k = i * kw + j).
"""
import io

import numpy
import pytest

import dbr
import dbr.functions as F
import dbr.links as L
from dbr import backend
from dbr import gradient_check
from dbr import serializers
from dbr.type_check import InvalidType

FLOATS = [numpy.float64, numpy.float32]


def _out(size, k, s, p):
    return (size + 2 * p - k) // s + 1


def _reference(x, offset, W, b, stride, pad):
    x, offset, W = (numpy.asarray(a, numpy.float64) for a in (x, offset, W))
    n, c, h, w = x.shape
    out_c, _, kh, kw = W.shape
    (sy, sx), (ph, pw) = stride, pad
    kk = kh * kw
    out_h, out_w = offset.shape[2:]

    def pixel(i, yy, xx):
        if 0 <= yy < h and 0 <= xx < w:
            return x[i, :, yy, xx]
        return numpy.zeros(c)

    y = numpy.zeros((n, out_c, out_h, out_w))
    for i in range(n):
        for p in range(out_h):
            for q in range(out_w):
                for ki in range(kh):
                    for kj in range(kw):
                        k = ki * kw + kj
                        py = p * sy - ph + ki + offset[i, kk + k, p, q]
                        px = q * sx - pw + kj + offset[i, k, p, q]
                        y0, x0 = int(numpy.floor(py)), int(numpy.floor(px))
                        ly, lx = py - y0, px - x0
                        v = ((1 - ly) * (1 - lx) * pixel(i, y0, x0)
                             + (1 - ly) * lx * pixel(i, y0, x0 + 1)
                             + ly * (1 - lx) * pixel(i, y0 + 1, x0)
                             + ly * lx * pixel(i, y0 + 1, x0 + 1))
                        y[i, :, p, q] += W[:, :, ki, kj] @ v
    if b is not None:
        y += numpy.asarray(b, numpy.float64)[None, :, None, None]
    return y


def _smooth_offsets(shape, dtype):
    """Offsets whose samples lie between pixel rows and columns (fractions in [0.2, 0.8]),
    where bilinear interpolation is differentiable, some of them outside the image."""
    whole = numpy.random.randint(-2, 2, shape)
    return (whole + numpy.random.uniform(0.2, 0.8, shape)).astype(dtype)


def _fwd_tol(dtype):
    return dict(atol=1e-12, rtol=1e-10) if dtype == numpy.float64 else dict(atol=1e-5, rtol=1e-4)


def _grad_tol(dtype):
    if dtype == numpy.float64:
        return {}
    return dict(dtype=numpy.float64, atol=1e-4, rtol=1e-3)


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('ksize, stride, pad, nobias', [
    ((3, 3), (1, 1), (0, 0), False),
    ((2, 3), (2, 1), (1, 2), False),
    ((1, 1), (1, 2), (0, 0), True),
])
def test_forward_matches_reference(xp, dtype, ksize, stride, pad, nobias):
    n, c, h, w, out_c = 2, 3, 5, 6, 4
    x = numpy.random.randn(n, c, h, w).astype(dtype)
    W = numpy.random.randn(out_c, c, *ksize).astype(dtype)
    b = None if nobias else numpy.random.randn(out_c).astype(dtype)
    shape = (n, 2 * ksize[0] * ksize[1], _out(h, ksize[0], stride[0], pad[0]),
             _out(w, ksize[1], stride[1], pad[1]))
    offset = numpy.random.uniform(-2.5, 2.5, shape).astype(dtype)
    args = [xp.asarray(a) for a in (x, offset, W)] + [None if b is None else xp.asarray(b)]
    y = F.deformable_convolution_2d_sampler(*args, stride=stride, pad=pad)
    assert y.dtype == dtype
    numpy.testing.assert_allclose(backend.to_cpu(y.array), _reference(x, offset, W, b, stride, pad),
                                  **_fwd_tol(dtype))


def test_forward_int_stride_pad_and_noncontiguous_input(xp):
    x = numpy.random.randn(6, 5, 3, 2).transpose(3, 2, 1, 0)   # (2, 3, 5, 6), not contiguous
    W = numpy.random.randn(2, 3, 3, 3)
    offset = numpy.random.uniform(-1, 1, (2, 18, 3, 3))
    y = F.deformable_convolution_2d_sampler(xp.asarray(x), xp.asarray(offset), xp.asarray(W),
                                            stride=2, pad=1)
    numpy.testing.assert_allclose(backend.to_cpu(y.array),
                                  _reference(x, offset, W, None, (2, 2), (1, 1)), rtol=1e-10)


def test_offsets_far_outside_read_zeros(xp):
    x = numpy.random.randn(1, 2, 4, 4)
    W = numpy.random.randn(3, 2, 2, 2)
    b = numpy.random.randn(3)
    offset = numpy.full((1, 8, 3, 3), 50.0)
    y = F.deformable_convolution_2d_sampler(*(xp.asarray(a) for a in (x, offset, W, b)))
    numpy.testing.assert_allclose(backend.to_cpu(y.array), numpy.broadcast_to(
        b[None, :, None, None], (1, 3, 3, 3)), rtol=0, atol=0)


@pytest.mark.parametrize('stride, pad', [(1, 0), (2, 1), ((1, 2), (2, 0))])
def test_zero_offsets_equal_convolution_2d(xp, stride, pad):
    x = numpy.random.randn(2, 3, 7, 6).astype(numpy.float32)
    W = numpy.random.randn(4, 3, 3, 2).astype(numpy.float32)
    b = numpy.random.randn(4).astype(numpy.float32)
    s = stride if isinstance(stride, tuple) else (stride, stride)
    p = pad if isinstance(pad, tuple) else (pad, pad)
    offset = numpy.zeros((2, 12, _out(7, 3, s[0], p[0]), _out(6, 2, s[1], p[1])), numpy.float32)
    x, offset, W, b = (xp.asarray(a) for a in (x, offset, W, b))
    y = F.deformable_convolution_2d_sampler(x, offset, W, b, stride, pad)
    expect = F.convolution_2d(x, W, b, stride, pad)
    numpy.testing.assert_allclose(backend.to_cpu(y.array), backend.to_cpu(expect.array),
                                  atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize('dy, dx', [(1, -2), (-1, 0), (0, 3)])
def test_integer_offsets_equal_shifted_convolution(xp, dy, dx):
    # The same integer shift at every tap reads the image moved by (dy, dx), zero-filled.
    x = numpy.random.randn(2, 3, 6, 7)
    W = numpy.random.randn(4, 3, 3, 3)
    offset = numpy.concatenate([numpy.full((2, 9, 4, 5), float(dx)),
                                numpy.full((2, 9, 4, 5), float(dy))], axis=1)
    padded = numpy.zeros((2, 3, 6 + 8, 7 + 8))
    padded[:, :, 4:10, 4:11] = x
    shifted = padded[:, :, 4 + dy:10 + dy, 4 + dx:11 + dx]
    y = F.deformable_convolution_2d_sampler(xp.asarray(x), xp.asarray(offset), xp.asarray(W))
    expect = F.convolution_2d(xp.asarray(shifted), xp.asarray(W))
    numpy.testing.assert_allclose(backend.to_cpu(y.array), backend.to_cpu(expect.array),
                                  atol=1e-12, rtol=1e-10)


def test_offset_channel_order_x_first_then_y(xp):
    # A single pixel of 1 read through a 1x1 kernel: an x offset of +1 on channel 0 moves the
    # sample one column right, a y offset of +1 on channel 1 one row down.
    x = numpy.zeros((1, 1, 3, 3))
    x[0, 0, 1, 2] = 1.0
    W = numpy.ones((1, 1, 1, 1))
    offset = numpy.zeros((1, 2, 3, 3))
    offset[0, 0] = 1.0
    y = F.deformable_convolution_2d_sampler(xp.asarray(x), xp.asarray(offset), xp.asarray(W))
    assert backend.to_cpu(y.array)[0, 0, 1, 1] == 1.0
    offset = numpy.zeros((1, 2, 3, 3))
    offset[0, 1] = 1.0
    y = F.deformable_convolution_2d_sampler(xp.asarray(x), xp.asarray(offset), xp.asarray(W))
    assert backend.to_cpu(y.array)[0, 0, 0, 2] == 1.0


@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('nobias', [False, True])
def test_backward(xp, dtype, nobias):
    x = numpy.random.randn(2, 2, 4, 5).astype(dtype)
    W = numpy.random.randn(3, 2, 2, 3).astype(dtype)
    offset = _smooth_offsets((2, 12, 5, 3), dtype)   # stride 1, pad (1, 0)
    inputs = [x, offset, W] + ([] if nobias else [numpy.random.randn(3).astype(dtype)])
    gy = numpy.random.randn(2, 3, 5, 3).astype(dtype)
    gradient_check.check_backward(
        lambda *a: F.deformable_convolution_2d_sampler(*a, stride=1, pad=(1, 0)),
        tuple(xp.asarray(a) for a in inputs), xp.asarray(gy), **_grad_tol(dtype))


def test_double_backward(xp):
    x = numpy.random.randn(1, 2, 4, 4)
    W = numpy.random.randn(2, 2, 2, 2)
    b = numpy.random.randn(2)
    offset = _smooth_offsets((1, 8, 2, 2), numpy.float64)   # stride 2, pad 0
    gy = numpy.random.randn(1, 2, 2, 2)
    ggs = [numpy.random.randn(*a.shape) for a in (x, offset, W, b)]
    gradient_check.check_double_backward(
        lambda *a: F.deformable_convolution_2d_sampler(*a, stride=2),
        tuple(xp.asarray(a) for a in (x, offset, W, b)), xp.asarray(gy),
        tuple(xp.asarray(g) for g in ggs))


def test_empty_batch(xp):
    y = F.deformable_convolution_2d_sampler(xp.zeros((0, 2, 4, 4)), xp.zeros((0, 8, 3, 3)),
                                            xp.ones((3, 2, 2, 2)))
    assert y.shape == (0, 3, 3, 3)


@pytest.mark.parametrize('x_shape, offset_shape, w_shape, b_shape, kwargs, match', [
    ((2, 3, 5, 5), (2, 17, 3, 3), (4, 3, 3, 3), None, {}, r'offset\.shape=\(2, 17, 3, 3\)'),
    ((2, 3, 5, 5), (2, 18, 5, 5), (4, 3, 3, 3), None, {}, r'expected \(2, 18, 3, 3\)'),
    ((2, 3, 5, 5), (1, 18, 3, 3), (4, 3, 3, 3), None, {}, r'offset\.shape'),
    ((2, 3, 5, 5), (2, 18, 3, 3), (4, 2, 3, 3), None, {}, r'W\.shape\[1\] == x\.shape\[1\]'),
    ((3, 5, 5), (2, 18, 3, 3), (4, 3, 3, 3), None, {}, r'x\.ndim == 4'),
    ((2, 3, 5, 5), (2, 18, 3, 3), (4, 3, 3, 3), (5,), {}, r'b\.shape=\(5,\)'),
    ((2, 3, 2, 2), (2, 18, 1, 1), (4, 3, 3, 3), None, {}, r'does not fit'),
    ((2, 3, 5, 5), (2, 18, 3, 3), (4, 3, 3, 3), None, {'stride': 0}, r'stride must be >= 1'),
])
def test_bad_shapes(x_shape, offset_shape, w_shape, b_shape, kwargs, match):
    args = [numpy.zeros(s) for s in (x_shape, offset_shape, w_shape)]
    b = None if b_shape is None else numpy.zeros(b_shape)
    with pytest.raises((InvalidType, ValueError),
                       match='deformable_convolution_2d_sampler.*' + match):
        F.deformable_convolution_2d_sampler(*args, b=b, **kwargs)


def test_bad_dtypes():
    x = numpy.zeros((1, 1, 3, 3), numpy.int32)
    with pytest.raises(InvalidType, match=r"deformable_convolution_2d_sampler.*x\.dtype=int32"):
        F.deformable_convolution_2d_sampler(x, numpy.zeros((1, 2, 3, 3)), numpy.ones((1, 1, 1, 1)))
    with pytest.raises(InvalidType, match=r'offset\.dtype=float32, x\.dtype=float64'):
        F.deformable_convolution_2d_sampler(numpy.zeros((1, 1, 3, 3)),
                                            numpy.zeros((1, 2, 3, 3), numpy.float32),
                                            numpy.ones((1, 1, 1, 1)))


# ----- L.DeformableConvolution2D ---------------------------------------------------------------

def test_link_params_named_as_chainer():
    layer = L.DeformableConvolution2D(3, 4, (2, 3), stride=2, pad=1)
    shapes = {name: p.shape for name, p in layer.namedparams()}
    assert shapes == {'/offset_conv/W': (12, 3, 2, 3), '/offset_conv/b': (12,),
                      '/deform_conv/W': (4, 3, 2, 3), '/deform_conv/b': (4,)}
    # As in Chainer: the deforming weight and both biases start at zero.
    assert not layer.deform_conv.W.array.any()
    assert not layer.deform_conv.b.array.any() and not layer.offset_conv.b.array.any()
    assert layer.offset_conv.W.array.any()


def test_link_nobias_and_initializers():
    layer = L.DeformableConvolution2D(2, 3, 3, offset_nobias=True, deform_nobias=True,
                                      offset_initialW=0.5, deform_initialW=2.0)
    assert layer.offset_conv.b is None and layer.deform_conv.b is None
    assert (layer.offset_conv.W.array == 0.5).all() and (layer.deform_conv.W.array == 2).all()
    layer = L.DeformableConvolution2D(2, 3, 3, offset_initial_bias=1.0, deform_initial_bias=3.0)
    assert (layer.offset_conv.b.array == 1).all() and (layer.deform_conv.b.array == 3).all()


@pytest.mark.parametrize('in_channels', [3, None])
def test_link_forward_matches_function(xp, in_channels):
    layer = L.DeformableConvolution2D(in_channels, 4, 3, stride=1, pad=1,
                                      deform_initialW=dbr.initializers.Normal(1.0))
    x = numpy.random.randn(2, 3, 5, 4).astype(numpy.float32)
    if in_channels is None:
        layer(x)   # the first call creates both weights
    layer.to_device('@numpy' if xp is numpy else '@cupy:0')
    x = xp.asarray(x)
    y = layer(x)
    offset = F.convolution_2d(x, layer.offset_conv.W, layer.offset_conv.b, 1, 1)
    expect = F.deformable_convolution_2d_sampler(x, offset, layer.deform_conv.W,
                                                 layer.deform_conv.b, 1, 1)
    assert y.shape == (2, 4, 5, 4) and y.dtype == numpy.float32
    numpy.testing.assert_allclose(backend.to_cpu(y.array), backend.to_cpu(expect.array),
                                  rtol=1e-6, atol=1e-6)
    y2 = layer.to_device('@numpy')(backend.to_cpu(x))
    numpy.testing.assert_allclose(y2.array, backend.to_cpu(y.array), rtol=1e-5, atol=1e-5)


def test_link_gradients_reach_every_parameter():
    layer = L.DeformableConvolution2D(2, 3, 3, pad=1,
                                      deform_initialW=dbr.initializers.Normal(1.0))
    F.sum(layer(numpy.random.randn(2, 2, 4, 4).astype(numpy.float32)) ** 2).backward()
    for name, p in layer.namedparams():
        assert p.grad is not None and p.grad.any(), name


def test_link_save_load_npz():
    layer = L.DeformableConvolution2D(2, 3, 3, deform_initialW=dbr.initializers.Normal(1.0))
    buf = io.BytesIO()
    serializers.save_npz(buf, layer)
    buf.seek(0)
    assert sorted(numpy.load(buf).files) == ['deform_conv/W', 'deform_conv/b', 'offset_conv/W',
                                             'offset_conv/b']
    buf.seek(0)
    fresh = L.DeformableConvolution2D(None, 3, 3)
    serializers.load_npz(buf, fresh)
    for (name, p), (_, q) in zip(sorted(layer.namedparams()), sorted(fresh.namedparams())):
        numpy.testing.assert_array_equal(p.array, q.array, err_msg=name)


def test_link_bad_input():
    layer = L.DeformableConvolution2D(None, 3, 3)
    with pytest.raises(InvalidType, match=r'x\.ndim == 4.*x\.shape=\(2, 4, 4\)'):
        layer(numpy.zeros((2, 4, 4), numpy.float32))
    with pytest.raises(ValueError, match='ksize must be >= 1'):
        L.DeformableConvolution2D(2, 3, 0)
