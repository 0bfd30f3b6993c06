"""Tests of ``L.VGG16Layers``, ``L.VGG19Layers`` and ``L.GoogLeNet``: Chainer's npz layout,
weights through ``pretrained_model``, layer tables, ``prepare``, ``extract`` and ``predict``.

The networks are big (VGG16 has 138M parameters), so each is built at most once or twice and
forwarded on a single image.
"""
import os

import numpy
import pytest

import dbr
import dbr.links as L
from dbr import serializers
from dbr.links.model.vision import _pretrained
from dbr.links.model.vision import googlenet
from dbr.links.model.vision import vgg


# --- Chainer's npz layout, written out from Chainer v7's model definitions ---------------

def _conv(c_in, c_out, k):
    return {'W': (c_out, c_in, k, k), 'b': (c_out,)}


def _linear(n_in, n_out):
    return {'W': (n_out, n_in), 'b': (n_out,)}


def _flatten(layers):
    return {f'{name}/{p}': shape for name, params in layers.items()
            for p, shape in params.items()}


def _vgg_keys(n_layers):
    blocks = [(3, 64, 2), (64, 128, 2), (128, 256, 3), (256, 512, 3), (512, 512, 3)]
    layers = {}
    for i, (c_in, c_out, n) in enumerate(blocks, 1):
        n += n_layers == 19 and i >= 3
        for j in range(1, n + 1):
            layers[f'conv{i}_{j}'] = _conv(c_in if j == 1 else c_out, c_out, 3)
    layers.update(fc6=_linear(25088, 4096), fc7=_linear(4096, 4096), fc8=_linear(4096, 1000))
    return _flatten(layers)


def _googlenet_keys():
    layers = {'conv1': _conv(3, 64, 7), 'conv2_reduce': _conv(64, 64, 1),
              'conv2': _conv(64, 192, 3), 'loss3_fc': _linear(1024, 1000),
              'loss1_conv': _conv(512, 128, 1), 'loss1_fc1': _linear(2048, 1024),
              'loss1_fc2': _linear(1024, 1000), 'loss2_conv': _conv(528, 128, 1),
              'loss2_fc1': _linear(2048, 1024), 'loss2_fc2': _linear(1024, 1000)}
    inceptions = {'3a': (192, 64, 96, 128, 16, 32, 32), '3b': (256, 128, 128, 192, 32, 96, 64),
                  '4a': (480, 192, 96, 208, 16, 48, 64), '4b': (512, 160, 112, 224, 24, 64, 64),
                  '4c': (512, 128, 128, 256, 24, 64, 64), '4d': (512, 112, 144, 288, 32, 64, 64),
                  '4e': (528, 256, 160, 320, 32, 128, 128),
                  '5a': (832, 256, 160, 320, 32, 128, 128),
                  '5b': (832, 384, 192, 384, 48, 128, 128)}
    for name, (c, out1, proj3, out3, proj5, out5, projp) in inceptions.items():
        for child, params in {'conv1': _conv(c, out1, 1), 'proj3': _conv(c, proj3, 1),
                              'conv3': _conv(proj3, out3, 3), 'proj5': _conv(c, proj5, 1),
                              'conv5': _conv(proj5, out5, 5),
                              'projp': _conv(c, projp, 1)}.items():
            layers[f'inc{name}/{child}'] = params
    return _flatten(layers)


_VGG16_LAYERS = ['conv1_1', 'conv1_2', 'pool1', 'conv2_1', 'conv2_2', 'pool2', 'conv3_1',
                 'conv3_2', 'conv3_3', 'pool3', 'conv4_1', 'conv4_2', 'conv4_3', 'pool4',
                 'conv5_1', 'conv5_2', 'conv5_3', 'pool5', 'fc6', 'fc7', 'fc8', 'prob']
_GOOGLENET_LAYERS = ['conv1', 'pool1', 'conv2_reduce', 'conv2', 'pool2', 'inception_3a',
                     'inception_3b', 'pool3', 'inception_4a', 'inception_4b', 'inception_4c',
                     'inception_4d', 'inception_4e', 'pool4', 'inception_5a', 'inception_5b',
                     'pool5', 'loss3_fc', 'prob', 'loss1_fc2', 'loss2_fc2']


def _params(link):
    return {name.lstrip('/'): param.array for name, param in link.namedparams()}


def _shapes(link):
    return {name: a.shape for name, a in _params(link).items()}


@pytest.fixture(scope='module')
def vgg16():
    numpy.random.seed(1)
    return L.VGG16Layers(pretrained_model=None)


@pytest.fixture(scope='module')
def goog():
    numpy.random.seed(2)
    return L.GoogLeNet(pretrained_model=None)


@pytest.fixture(scope='module')
def goog_root(goog, tmp_path_factory):
    """A dataset root holding ``goog``'s weights where ``pretrained_model='auto'`` looks."""
    root = tmp_path_factory.mktemp('dataset')
    models = root / 'pfnet' / 'chainer' / 'models'
    models.mkdir(parents=True)
    serializers.save_npz(str(models / 'bvlc_googlenet.npz'), goog, compression=False)
    return root


@pytest.fixture(scope='module')
def image():
    return numpy.random.RandomState(3).randint(0, 256, (60, 80, 3)).astype(numpy.uint8)


# --- construction, names, weights ------------------------------------------------------

def test_vgg16_random_init_has_chainers_layout(vgg16):
    assert _shapes(vgg16) == _vgg_keys(16)
    assert vgg16.available_layers == _VGG16_LAYERS
    assert list(vgg16.functions) == _VGG16_LAYERS
    w = vgg16.conv3_1.W.array
    # Normal(0.01) weights and zero biases, as in the paper
    assert w.dtype == numpy.float32 and abs(float(w.std()) - 0.01) < 5e-4
    assert not vgg16.fc8.b.array.any()


def test_vgg19_loads_a_chainer_layout_npz(tmp_path):
    keys = _vgg_keys(19)
    arrays = {k: numpy.zeros(s, numpy.float32) for k, s in keys.items()}
    for k, a in arrays.items():
        if k.endswith('/b'):
            a[...] = numpy.arange(a.size) % 7 + len(k)
    arrays['conv3_4/W'][1, 2, 0, 1] = 5.0
    path = str(tmp_path / 'vgg19.npz')
    numpy.savez(path, **arrays)
    model = L.VGG19Layers(pretrained_model=path)
    assert _shapes(model) == keys
    assert model.available_layers == (_VGG16_LAYERS[:9] + ['conv3_4'] + _VGG16_LAYERS[9:13]
                                      + ['conv4_4'] + _VGG16_LAYERS[13:17] + ['conv5_4']
                                      + _VGG16_LAYERS[17:])
    loaded = _params(model)
    for k in ('conv1_1/b', 'conv3_4/b', 'conv5_4/b', 'fc8/b', 'conv3_4/W'):
        numpy.testing.assert_array_equal(loaded[k], arrays[k])


def test_googlenet_layout_and_round_trip_through_path(goog, goog_root):
    assert _shapes(goog) == _googlenet_keys()
    assert goog.available_layers == _GOOGLENET_LAYERS
    # LeCunUniform(scale=1): U(-s, s) with s = sqrt(3 / fan_in)
    bound = numpy.sqrt(3 / (3 * 7 * 7))
    w = goog.conv1.W.array
    assert abs(w).max() <= bound and abs(w).max() > 0.9 * bound
    path = goog_root / 'pfnet' / 'chainer' / 'models' / 'bvlc_googlenet.npz'
    with numpy.load(path) as f:
        assert {k: f[k].shape for k in f.files} == _googlenet_keys()
    loaded = L.GoogLeNet(pretrained_model=path)  # a path-like works too
    expected = _params(goog)
    for name, array in _params(loaded).items():
        numpy.testing.assert_array_equal(array, expected[name], err_msg=name)


def test_auto_reads_the_chainer_converted_file_under_the_dataset_root(goog, goog_root,
                                                                      monkeypatch):
    monkeypatch.setenv('DBR_DATASET_ROOT', str(goog_root))
    loaded = L.GoogLeNet()
    numpy.testing.assert_array_equal(loaded.inc4e.conv5.W.array, goog.inc4e.conv5.W.array)
    numpy.testing.assert_array_equal(loaded.loss2_fc2.b.array, goog.loss2_fc2.b.array)


@pytest.mark.parametrize('cls, name', [(L.VGG16Layers, 'VGG_ILSVRC_16_layers'),
                                       (L.VGG19Layers, 'VGG_ILSVRC_19_layers'),
                                       (L.GoogLeNet, 'bvlc_googlenet')])
def test_auto_without_file_says_where_to_put_it(cls, name, tmp_path, monkeypatch):
    monkeypatch.setenv('DBR_DATASET_ROOT', str(tmp_path))
    where = os.path.join(str(tmp_path), 'pfnet', 'chainer', 'models', name + '.npz')
    with pytest.raises(FileNotFoundError) as info:
        cls()
    message = str(info.value)
    assert message.startswith(f"{cls.__name__}: pretrained_model='auto'")
    assert repr(where) in message and 'Chainer converted' in message
    assert 'caffemodel needs Caffe' in message and 'pretrained_model=None' in message


def test_auto_default_root_is_home_dbr_dataset(monkeypatch):
    monkeypatch.delenv('DBR_DATASET_ROOT', raising=False)
    assert _pretrained.default_path('bvlc_googlenet') == os.path.join(
        os.path.expanduser('~'), '.dbr', 'dataset', 'pfnet', 'chainer', 'models',
        'bvlc_googlenet.npz')


def test_bad_arguments(tmp_path):
    missing = str(tmp_path / 'nothing.npz')
    with pytest.raises(FileNotFoundError, match=r"GoogLeNet: pretrained_model '.*nothing\.npz' "
                                                r"does not exist"):
        L.GoogLeNet(pretrained_model=missing)
    with pytest.raises(ValueError, match='VGGLayers: n_layers should be either 16 or 19, but '
                                         '18 was given'):
        vgg.VGGLayers(pretrained_model=None, n_layers=18)
    bad = str(tmp_path / 'bad.npz')
    numpy.savez(bad, **{'conv1/W': numpy.zeros((64, 3, 7, 7), numpy.float32)})
    with pytest.raises(KeyError, match='load_npz'):
        L.GoogLeNet(pretrained_model=bad)


# --- forward --------------------------------------------------------------------------

def test_vgg16_forward_all_layers_on_one_image(vgg16):
    x = numpy.random.uniform(-50, 50, (1, 3, 224, 224)).astype(numpy.float32)
    with dbr.using_config('train', False):
        out = vgg16(x, layers=vgg16.available_layers)
    assert set(out) == set(_VGG16_LAYERS)
    channels = {1: 64, 2: 128, 3: 256, 4: 512, 5: 512}
    for name, y in out.items():
        if name.startswith('conv'):
            block = int(name[4])
            side = 224 >> (block - 1)
            assert y.shape == (1, channels[block], side, side), name
        elif name.startswith('pool'):
            block = int(name[4])
            assert y.shape == (1, channels[block], 224 >> block, 224 >> block), name
    assert out['fc6'].shape == out['fc7'].shape == (1, 4096)
    assert out['fc8'].shape == out['prob'].shape == (1, 1000)
    # The layer table is applied in order: check two links against NumPy.
    pool5 = out['pool5'].array.reshape(1, -1)
    fc6 = numpy.maximum(pool5 @ vgg16.fc6.W.array.T + vgg16.fc6.b.array, 0)
    numpy.testing.assert_allclose(out['fc6'].array, fc6, rtol=1e-4, atol=1e-5)
    logits = out['fc8'].array.astype(numpy.float64)
    prob = numpy.exp(logits - logits.max())
    numpy.testing.assert_allclose(out['prob'].array, prob / prob.sum(), rtol=1e-4, atol=1e-7)


def test_vgg16_dropout_only_in_train_mode(vgg16):
    x = numpy.random.uniform(-50, 50, (1, 3, 32, 32)).astype(numpy.float32)
    with dbr.using_config('train', False):
        test_out = vgg16(x, layers=['pool5'])['pool5']
    assert test_out.shape == (1, 512, 1, 1)
    # fc6 needs a 7x7 pool5; run fc6 on a tiled pool5 to check dropout without a 224 forward
    h = numpy.tile(test_out.array, (1, 1, 7, 7))
    fc6 = vgg16.functions['fc6']
    with dbr.using_config('train', False):
        y_test = h
        for f in fc6:
            y_test = f(y_test)
    y_train = h
    for f in fc6:
        y_train = f(y_train)
    y_test, y_train = y_test.array, y_train.array
    kept = y_train != 0
    assert 0 < (kept & (y_test > 0)).sum() < (y_test > 0).sum()
    numpy.testing.assert_allclose(y_train[kept], 2 * y_test[kept], rtol=1e-6)


def test_googlenet_forward_and_branches(goog):
    x = numpy.random.uniform(-50, 50, (1, 3, 224, 224)).astype(numpy.float32)
    with dbr.using_config('train', False):
        out = goog(x, layers=['inception_4a', 'inception_4d', 'pool5', 'loss3_fc', 'prob',
                              'loss1_fc2', 'loss2_fc2'])
    assert out['inception_4a'].shape == (1, 512, 14, 14)
    assert out['inception_4d'].shape == (1, 528, 14, 14)
    assert out['pool5'].shape == (1, 1024, 1, 1)
    for name in ('loss3_fc', 'prob', 'loss1_fc2', 'loss2_fc2'):
        assert out[name].shape == (1, 1000)
    # No dropout in test mode: loss3_fc is the plain linear map of pool5.
    numpy.testing.assert_allclose(
        out['loss3_fc'].array,
        out['pool5'].array.reshape(1, -1) @ goog.loss3_fc.W.array.T + goog.loss3_fc.b.array,
        rtol=1e-4, atol=1e-5)

    def aux_head(h, conv, fc1, fc2):
        # 5x5 average pooling with stride 3 on 14x14 -> 4x4, then 1x1 conv, relu, fc, relu, fc
        pooled = numpy.stack([h[0, :, 3 * i:3 * i + 5, 3 * j:3 * j + 5].mean(axis=(1, 2))
                              for i in range(4) for j in range(4)], axis=1)
        c = numpy.maximum(conv.W.array[:, :, 0, 0] @ pooled + conv.b.array[:, None], 0)
        f1 = numpy.maximum(c.reshape(1, -1) @ fc1.W.array.T + fc1.b.array, 0)
        return f1 @ fc2.W.array.T + fc2.b.array

    numpy.testing.assert_allclose(
        out['loss1_fc2'].array,
        aux_head(out['inception_4a'].array, goog.loss1_conv, goog.loss1_fc1, goog.loss1_fc2),
        rtol=1e-3, atol=1e-4)
    numpy.testing.assert_allclose(
        out['loss2_fc2'].array,
        aux_head(out['inception_4d'].array, goog.loss2_conv, goog.loss2_fc1, goog.loss2_fc2),
        rtol=1e-3, atol=1e-4)


def test_forward_defaults_early_stop_and_errors(goog):
    x = numpy.random.uniform(-50, 50, (1, 3, 64, 64)).astype(numpy.float32)
    out = goog(x, layers=['conv1', 'pool1'])
    assert set(out) == {'conv1', 'pool1'}
    assert out['conv1'].shape == (1, 64, 32, 32) and out['pool1'].shape == (1, 64, 16, 16)
    assert out['conv1'].array.min() >= 0  # relu applied
    with pytest.raises(ValueError, match=r"GoogLeNet: unknown layer\(s\) \['fc7'\]"):
        goog(x, layers=['fc7'])
    with pytest.raises(ValueError, match='test argument is not supported anymore'):
        goog(x, test=True)
    with pytest.raises(ValueError, match='train argument is not supported anymore'):
        goog.extract([], train=False)
    with pytest.raises(TypeError, match='bogus'):
        goog(x, bogus=1)


def test_to_device_numpy(goog):
    goog.to_device('@numpy')
    assert goog.xp is numpy and isinstance(goog.inc3a.conv1.W.array, numpy.ndarray)


# --- prepare, extract, predict --------------------------------------------------------

def _reference_bilinear(img, height, width):
    """Bilinear resize of an HWC array with pixel centres aligned (edge-clamped)."""
    def taps(n_in, n_out):
        pos = numpy.clip((numpy.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)
        lo = numpy.floor(pos).astype(int)
        return lo, numpy.minimum(lo + 1, n_in - 1), pos - lo

    y0, y1, fy = taps(img.shape[0], height)
    x0, x1, fx = taps(img.shape[1], width)
    fx = fx[None, :, None]
    top = img[y0][:, x0] * (1 - fx) + img[y0][:, x1] * fx
    bottom = img[y1][:, x0] * (1 - fx) + img[y1][:, x1] * fx
    return top * (1 - fy)[:, None, None] + bottom * fy[:, None, None]


def _reference_prepare(img, width, height, mean):
    resized = _reference_bilinear(img.astype(numpy.float64), height, width)
    return (resized[:, :, ::-1] - numpy.array(mean)).transpose(2, 0, 1)


@pytest.mark.parametrize('module, mean', [(vgg, (103.939, 116.779, 123.68)),
                                          (googlenet, (104.0, 117.0, 123.0))])
def test_prepare_matches_numpy_reference(module, mean, image):
    out = module.prepare(image, size=(50, 30))  # (width, height), as PIL's resize
    assert out.dtype == numpy.float32 and out.shape == (3, 30, 50)
    numpy.testing.assert_allclose(out, _reference_prepare(image, 50, 30, mean),
                                  rtol=1e-5, atol=1e-3)
    default = module.prepare(image)
    assert default.shape == (3, 224, 224)
    numpy.testing.assert_allclose(default, _reference_prepare(image, 224, 224, mean),
                                  rtol=1e-5, atol=1e-3)
    # No resize: only the channel flip and the mean; CHW input and float input are accepted.
    unresized = module.prepare(image.transpose(2, 0, 1).astype(numpy.float64), size=None)
    expected = image[:, :, ::-1].transpose(2, 0, 1) - numpy.array(mean)[:, None, None]
    numpy.testing.assert_allclose(unresized, expected, rtol=1e-6, atol=1e-4)
    assert unresized.flags.c_contiguous


def test_prepare_grayscale_and_errors(image):
    gray = image[:, :, 0]
    out = vgg.prepare(gray, size=None)
    numpy.testing.assert_allclose(
        out, gray[None].astype(numpy.float64) - numpy.array(_pretrained.VGG_BGR_MEAN)[:, None,
                                                                                    None],
        atol=1e-4)
    numpy.testing.assert_array_equal(vgg.prepare(gray[None], size=None), out)
    with pytest.raises(ValueError, match=r'prepare: expected a non-empty \(H, W, 3\) RGB image, '
                                         r'got shape \(4, 5, 2\)'):
        vgg.prepare(numpy.zeros((4, 5, 2), numpy.uint8))
    with pytest.raises(ValueError, match=r'got shape \(0, 5, 3\)'):
        vgg.prepare(numpy.zeros((0, 5, 3), numpy.uint8))


def test_extract_prepares_and_forwards(goog, image):
    images = [image, image[::-1]]
    feats = goog.extract(images, layers=['pool2'], size=(64, 48))
    assert set(feats) == {'pool2'} and feats['pool2'].shape == (2, 192, 6, 8)
    x = numpy.stack([googlenet.prepare(img, size=(64, 48)) for img in images])
    numpy.testing.assert_allclose(feats['pool2'].array, goog(x, layers=['pool2'])['pool2'].array,
                                  rtol=1e-6, atol=1e-6)
    # extract leaves the graph on (Chainer's behaviour): the result can be backpropagated
    assert feats['pool2'].creator is not None


def _reference_ten_crops(x, ch, cw):
    """For each image: the 4 corner crops, the centre crop, then those 5 mirrored."""
    n, c, h, w = x.shape
    starts = [(0, 0), (0, w - cw), (h - ch, 0), (h - ch, w - cw),
              ((h - ch) // 2, (w - cw) // 2)]
    out = []
    for img in x:
        crops = [img[:, i:i + ch, j:j + cw] for i, j in starts]
        out += crops + [crop[:, :, ::-1] for crop in crops]
    return numpy.stack(out)


def test_oversample_matches_reference():
    x = numpy.random.rand(2, 3, 9, 8).astype(numpy.float32)
    numpy.testing.assert_array_equal(_pretrained.oversample(x, (5, 4)),
                                     _reference_ten_crops(x, 5, 4))


class _MeanModel:
    """Stands in for a vision model: 'prob' is each crop's per-channel mean."""

    xp = numpy

    def __init__(self):
        self.seen = []

    def __call__(self, x, layers):
        self.seen.append((x.shape, dbr.config.train, dbr.config.enable_backprop))
        return {'prob': dbr.functions.mean(x, axis=(2, 3))}


def test_predict_averages_the_ten_crops(image):
    model = _MeanModel()
    images = [image, image[:, ::-1]]
    y = _pretrained.predict(model, images, vgg.prepare, True)
    assert model.seen == [((20, 3, 224, 224), False, False)]
    x = numpy.stack([vgg.prepare(img, size=(256, 256)) for img in images])
    crops = _reference_ten_crops(x, 224, 224)
    expected = crops.mean(axis=(2, 3)).reshape(2, 10, 3).mean(axis=1)
    numpy.testing.assert_allclose(y.array, expected, rtol=1e-5, atol=1e-4)
    centre = _pretrained.predict(model, images, vgg.prepare, False)
    assert model.seen[-1] == ((2, 3, 224, 224), False, False)
    numpy.testing.assert_allclose(centre.array, x[:, :, 16:240, 16:240].mean(axis=(2, 3)),
                                  rtol=1e-5, atol=1e-4)


def test_googlenet_predict(goog, image):
    y = goog.predict([image], oversample=True)
    assert y.shape == (1, 1000) and y.creator is None
    numpy.testing.assert_allclose(y.array.sum(axis=1), 1, rtol=1e-5)
    assert dbr.config.train and dbr.config.enable_backprop  # restored
    centre = goog.predict([image], oversample=False)
    assert centre.shape == (1, 1000)
    x = googlenet.prepare(image, size=(256, 256))[None, :, 16:240, 16:240]
    with dbr.using_config('train', False):
        numpy.testing.assert_allclose(centre.array, goog(x)['prob'].array, rtol=1e-5,
                                      atol=1e-8)
