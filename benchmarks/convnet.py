"""LeNet training: two 5x5 convolutions with 2x2 max pooling, two linear layers, MomentumSGD.

conv 5x5, 20 channels -> ReLU -> max-pool 2 -> conv 5x5, 50 channels -> ReLU -> max-pool 2 ->
linear 800 -> 500 -> ReLU -> linear 500 -> 10, mean softmax cross entropy, on a batch of 64 random
1x28x28 images (uniform in [0, 1)) with uniform random labels. A ReLU follows each convolution and
the first linear layer. Weights are LeCun-normal and biases zero (Chainer's defaults), drawn with
NumPy from one seed and handed to every implementation. One iteration is forward, backward and a
MomentumSGD update (lr=0.01, momentum=0.9, Chainer's form ``v = momentum * v - lr * g; p += v``;
PyTorch's SGD keeps ``v / -lr`` instead, the same arithmetic up to rounding).

Metrics:
    step_ms: median milliseconds per iteration.
``loss`` is the loss of the weights left after all iterations, evaluated once more.

The "numpy" implementation is the floor, written by hand in the layout a hand-written CPU
implementation would pick: activations stay channels-last (N, H, W, C) throughout, so each
convolution is a strided-view im2col copy and one GEMM whose (N*H*W, C) result is already the next
layer's layout, with no transposes; the input gradient is one batched GEMM (one block per kernel
offset) and shifted adds. Weights are permuted to that layout once, at set-up (the
optimizer is elementwise, so this changes no arithmetic). Max pooling reshapes each 2x2 window onto
its own axes and keeps a mask of the maxima for backward; ReLU's backward folds into the pooled
gradient, since a pooled maximum passes gradient exactly when it is positive.
"""

from common import NumpyMomentumSGD, Trainer, chainer_like, keep_freed_memory, lecun_normal, main
from common import make_parser, measure_training, numpy_floor_device, numpy_softmax_cross_entropy
from common import set_single_thread, torch_classification_trainer, torch_load, torch_or_skip

set_single_thread()
keep_freed_memory()

import numpy as np  # noqa: E402  (must follow set_single_thread)
from numpy.lib.stride_tricks import as_strided  # noqa: E402

BATCH = 64
IMAGE = (1, 28, 28)
KSIZE = 5
CHANNELS = (20, 50)
HIDDEN = 500
CLASSES = 10
FLAT = CHANNELS[1] * 4 * 4  # 28 -conv-> 24 -pool-> 12 -conv-> 8 -pool-> 4
SEED = 0
SGD = dict(lr=0.01, momentum=0.9)


def make_data():
    """Returns ``(x, t, params)``: NCHW images, labels and the parameters in Chainer's layout.

    ``params`` is ``[conv1 W, conv1 b, conv2 W, conv2 b, fc3 W, fc3 b, fc4 W, fc4 b]`` with
    convolution weights (out, in, k, k) and linear weights (out, in).
    """
    rng = np.random.default_rng(SEED)
    x = rng.random((BATCH, *IMAGE), dtype=np.float32)
    t = rng.integers(0, CLASSES, BATCH).astype(np.int32)
    shapes = [(CHANNELS[0], IMAGE[0], KSIZE, KSIZE), (CHANNELS[1], CHANNELS[0], KSIZE, KSIZE),
              (HIDDEN, FLAT), (CLASSES, HIDDEN)]
    params = []
    for shape in shapes:
        params += [lecun_normal(rng, shape), np.zeros(shape[0], np.float32)]
    return x, t, params


# ----------------------------------------------------------------------------- NumPy floor

def im2col(x, k):
    """Patches of a channels-last batch: (N, H, W, C) -> (N * oh * ow, k * k * C).

    Rows are output pixels in (n, y, x) order and columns (ky, kx, c), so each row copies runs
    of C contiguous values.
    """
    n, h, w, c = x.shape
    oh, ow = h - k + 1, w - k + 1
    sn, sh, sw, sc = x.strides
    windows = as_strided(x, (n, oh, ow, k, k, c), (sn, sh, sw, sh, sw, sc), writeable=False)
    return windows.reshape(n * oh * ow, k * k * c)


def conv_input_grad(gy, W, shape):
    """Gradient of a convolution's input: (N * oh * ow, O) output gradient -> (N, H, W, C).

    Rather than forming the whole patch gradient ``gy @ W`` and scattering it back column by
    column (the adjoint of :func:`im2col`), one batched GEMM computes each kernel offset's
    contribution as a contiguous (N, oh, ow, C) block, and the blocks are added shifted.
    """
    n, h, w, c = shape
    oh, ow = h - KSIZE + 1, w - KSIZE + 1
    per_offset = W.reshape(len(W), KSIZE * KSIZE, c).transpose(1, 0, 2)  # (k*k, O, C) view
    blocks = np.matmul(gy, per_offset).reshape(KSIZE, KSIZE, n, oh, ow, c)
    gx = np.zeros(shape, np.float32)
    for i in range(KSIZE):
        for j in range(KSIZE):
            gx[:, i:i + oh, j:j + ow] += blocks[i, j]
    return gx


def conv_relu_pool(x, W, b):
    """Convolution (valid, stride 1), ReLU and 2x2 max pooling, channels-last.

    Args:
        x: (N, H, W, C) input.
        W: (O, k * k * C) weight matrix in (ky, kx, c) column order.
        b: (O,) bias.

    Returns:
        tuple: ``(pooled, (col, mask, pooled))``: the (N, oh/2, ow/2, O) output and what backward
        needs (``mask`` marks each window's maxima).
    """
    n, h, w, _ = x.shape
    k = KSIZE
    oh, ow = h - k + 1, w - k + 1
    col = im2col(x, k)
    y = col @ W.T
    y += b
    np.maximum(y, 0, out=y)
    windows = y.reshape(n, oh // 2, 2, ow // 2, 2, -1)
    pooled = np.maximum(windows[:, :, 0, :, 0], windows[:, :, 0, :, 1])
    np.maximum(pooled, windows[:, :, 1, :, 0], out=pooled)
    np.maximum(pooled, windows[:, :, 1, :, 1], out=pooled)
    mask = windows == pooled[:, :, None, :, None]
    return pooled, (col, mask, pooled)


def conv_relu_pool_backward(gpooled, cache, W, x_shape):
    """Backward of :func:`conv_relu_pool`; ``x_shape`` None skips the input gradient.

    Returns:
        tuple: ``(gx or None, gW, gb)``.
    """
    col, mask, pooled = cache
    gpooled = gpooled * (pooled > 0)
    gy = (mask * gpooled[:, :, None, :, None]).reshape(len(col), -1)
    gW, gb = gy.T @ col, gy.sum(axis=0)
    gx = None if x_shape is None else conv_input_grad(gy, W, x_shape)
    return gx, gW, gb


def to_floor_layout(params):
    """Permutes Chainer-layout parameters to the floor's channels-last layout."""
    W1, b1, W2, b2, W3, b3, W4, b4 = params

    def conv(W):
        return np.ascontiguousarray(W.transpose(0, 2, 3, 1)).reshape(len(W), -1)

    # fc3's input is flattened as (c, y, x) by Chainer and as (y, x, c) by the floor.
    W3 = np.ascontiguousarray(W3.reshape(HIDDEN, CHANNELS[1], 4, 4).transpose(0, 2, 3, 1))
    return [conv(W1), b1, conv(W2), b2, W3.reshape(HIDDEN, FLAT), b3, W4, b4]


def numpy_trainer(device, x, t, params):
    """The floor: hand-written channels-last LeNet with MomentumSGD."""
    numpy_floor_device(device)
    params = to_floor_layout(params)
    W1, b1, W2, b2, W3, b3, W4, b4 = params
    optimizer = NumpyMomentumSGD(params, **SGD)
    x = x.transpose(0, 2, 3, 1)  # a view; NCHW and NHWC coincide for one channel

    def forward():
        p1, cache1 = conv_relu_pool(x, W1, b1)
        p2, cache2 = conv_relu_pool(p1, W2, b2)
        f = p2.reshape(len(p2), -1)
        h3 = f @ W3.T
        h3 += b3
        np.maximum(h3, 0, out=h3)
        z = h3 @ W4.T
        z += b4
        return z, (p1.shape, cache1, cache2, f, h3)

    def step():
        gz, (p1_shape, cache1, cache2, f, h3) = forward()
        numpy_softmax_cross_entropy(gz, t)
        gW4, gb4 = gz.T @ h3, gz.sum(axis=0)
        gh3 = gz @ W4
        gh3 *= h3 > 0
        gW3, gb3 = gh3.T @ f, gh3.sum(axis=0)
        gp2 = (gh3 @ W3).reshape(cache2[2].shape)
        gp1, gW2, gb2 = conv_relu_pool_backward(gp2, cache2, W2, p1_shape)
        _, gW1, gb1 = conv_relu_pool_backward(gp1, cache1, W1, None)
        optimizer.update([gW1, gb1, gW2, gb2, gW3, gb3, gW4, gb4])

    return Trainer(step, lambda: numpy_softmax_cross_entropy(forward()[0], t))


# ----------------------------------------------------------------------------- frameworks

def chainer_like_trainer(impl, device, x, t, params):
    """dbr or Chainer, written as a Chainer user would."""
    fw = chainer_like(impl, device)
    F, L = fw.F, fw.L

    class LeNet(fw.core.Chain):
        def __init__(self):
            super().__init__()
            with self.init_scope():
                self.conv1 = L.Convolution2D(IMAGE[0], CHANNELS[0], KSIZE)
                self.conv2 = L.Convolution2D(CHANNELS[0], CHANNELS[1], KSIZE)
                self.fc3 = L.Linear(FLAT, HIDDEN)
                self.fc4 = L.Linear(HIDDEN, CLASSES)

        def forward(self, x, t):
            h = F.max_pooling_2d(F.relu(self.conv1(x)), 2)
            h = F.max_pooling_2d(F.relu(self.conv2(h)), 2)
            h = F.relu(self.fc3(h))
            return F.softmax_cross_entropy(self.fc4(h), t)

    model = LeNet()
    links = (model.conv1, model.conv2, model.fc3, model.fc4)
    for link, W, b in zip(links, params[::2], params[1::2]):
        link.W.array[...] = W
        link.b.array[...] = b
    fw.to_device(model)
    optimizer = fw.optimizers.MomentumSGD(**SGD)
    optimizer.setup(model)
    x, t = fw.asarray(x), fw.asarray(t)

    def loss():
        with fw.core.no_backprop_mode():
            return float(model(x, t).array)

    return Trainer(lambda: optimizer.update(model, x, t), loss, fw.sync)


def torch_trainer(device, x, t, params):
    """PyTorch: nn.Conv2d, nn.MaxPool2d, nn.Linear, SGD with momentum."""
    torch, dev, sync = torch_or_skip(device)
    nn = torch.nn
    model = nn.Sequential(
        nn.Conv2d(IMAGE[0], CHANNELS[0], KSIZE), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(CHANNELS[0], CHANNELS[1], KSIZE), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(FLAT, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, CLASSES))
    torch_load(torch, zip(model.parameters(), params, strict=True))
    model.to(dev)
    optimizer = torch.optim.SGD(model.parameters(), **SGD)
    return torch_classification_trainer(torch, model, optimizer, torch.from_numpy(x).to(dev),
                                        torch.from_numpy(t).long().to(dev), sync)


TRAINERS = {
    'numpy': numpy_trainer,
    'dbr': lambda *a: chainer_like_trainer('dbr', *a),
    'chainer': lambda *a: chainer_like_trainer('chainer', *a),
    'torch': torch_trainer,
}


measure = measure_training(TRAINERS, lambda args: make_data())


if __name__ == '__main__':
    main('convnet', make_parser(__doc__.splitlines()[0], iters=300, warmup=10), measure)
