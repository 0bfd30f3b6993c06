"""Tests of ``L.ResNet50Layers`` / ``ResNet101Layers`` / ``ResNet152Layers`` and their blocks."""
import shutil

import numpy
import pytest

import dbr
import dbr.links as L
from dbr import serializers
from dbr.links.model.vision import _pretrained, resnet

EPS = 2e-5   # BatchNormalization's default eps
STAGES = {50: (3, 4, 6, 3), 101: (3, 4, 23, 3), 152: (3, 8, 36, 3)}
# (in, mid, out, stride) of res2..res5, from Chainer's ResNetLayers
STAGE_CHANNELS = ((64, 64, 256, 1), (256, 128, 512, 2), (512, 256, 1024, 2),
                  (1024, 512, 2048, 2))


def _randomize_bn(chain, rng):
    """Non-trivial running statistics, scale and shift in every batch normalization."""
    for _, child in chain.namedlinks():
        if isinstance(child, L.BatchNormalization):
            c = child.avg_mean.shape
            child.avg_mean[...] = rng.uniform(-0.5, 0.5, c)
            child.avg_var[...] = rng.uniform(0.5, 1.5, c)
            child.gamma.array[...] = rng.uniform(0.5, 1.0, c)
            child.beta.array[...] = rng.uniform(-0.2, 0.2, c)


@pytest.fixture(scope='module')
def resnet50():
    model = L.ResNet50Layers(pretrained_model=None)
    _randomize_bn(model, numpy.random.RandomState(1))
    return model


@pytest.fixture(scope='module')
def resnet50_npz(resnet50, tmp_path_factory):
    """``resnet50`` saved uncompressed, as Chainer writes its converted models."""
    path = str(tmp_path_factory.mktemp('resnet') / 'r50.npz')
    serializers.save_npz(path, resnet50, compression=False)
    return path


def _conv_ref(x, W, stride, pad):
    n, _, h, w = x.shape
    _, _, kh, kw = W.shape
    x = numpy.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = (h + 2 * pad - kh) // stride + 1, (w + 2 * pad - kw) // stride + 1
    y = numpy.zeros((n, W.shape[0], oh, ow))
    for i in range(kh):
        for j in range(kw):
            patch = x[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride]
            y += numpy.einsum('nchw,oc->nohw', patch, W[:, :, i, j])
    return y


def _bn_ref(x, bn):
    def c(a):
        return numpy.asarray(a, numpy.float64)[None, :, None, None]
    return (x - c(bn.avg_mean)) / numpy.sqrt(c(bn.avg_var) + EPS) * c(bn.gamma.array) + \
        c(bn.beta.array)


def _relu(x):
    return numpy.maximum(x, 0)


def _bottleneck_a_ref(block, x, s1, s3, stride):
    h = _relu(_bn_ref(_conv_ref(x, block.conv1.W.array, s1, 0), block.bn1))
    h = _relu(_bn_ref(_conv_ref(h, block.conv2.W.array, s3, 1), block.bn2))
    h = _bn_ref(_conv_ref(h, block.conv3.W.array, 1, 0), block.bn3)
    return _relu(h + _bn_ref(_conv_ref(x, block.conv4.W.array, stride, 0), block.bn4))


def _bottleneck_b_ref(block, x):
    h = _relu(_bn_ref(_conv_ref(x, block.conv1.W.array, 1, 0), block.bn1))
    h = _relu(_bn_ref(_conv_ref(h, block.conv2.W.array, 1, 1), block.bn2))
    return _relu(_bn_ref(_conv_ref(h, block.conv3.W.array, 1, 0), block.bn3) + x)


def _softmax_ref(z):
    e = numpy.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _expected_keys(stages):
    """npz keys of Chainer's ResNetLayers, derived from its source."""
    bn = ('gamma', 'beta', 'avg_mean', 'avg_var', 'N')
    keys = {'conv1/W', 'conv1/b', 'fc6/W', 'fc6/b'} | {f'bn1/{k}' for k in bn}
    for stage, n in zip(range(2, 6), stages):
        for block, convs in [('a', 4)] + [(f'b{i}', 3) for i in range(1, n)]:
            for c in range(1, convs + 1):
                keys.add(f'res{stage}/{block}/conv{c}/W')
                keys |= {f'res{stage}/{block}/bn{c}/{k}' for k in bn}
    return keys


@pytest.mark.parametrize('downsample_fb', [False, True])
def test_bottleneck_a_matches_reference_in_test_mode(downsample_fb):
    rng = numpy.random.RandomState(0)
    block = resnet.BottleneckA(4, 3, 6, stride=2, downsample_fb=downsample_fb)
    _randomize_bn(block, rng)
    x = rng.uniform(-1, 1, (2, 4, 7, 5)).astype(numpy.float32)
    with dbr.using_config('train', False):
        y = block(x)
    s1, s3 = (1, 2) if downsample_fb else (2, 1)
    expected = _bottleneck_a_ref(block, x.astype(numpy.float64), s1, s3, 2)
    assert y.shape == (2, 6, 4, 3) and y.dtype == numpy.float32
    numpy.testing.assert_allclose(y.array, expected, rtol=1e-4, atol=1e-5)


def test_bottleneck_b_matches_reference_and_keeps_shape():
    rng = numpy.random.RandomState(0)
    block = resnet.BottleneckB(5, 2)
    _randomize_bn(block, rng)
    x = rng.uniform(-1, 1, (2, 5, 4, 6)).astype(numpy.float32)
    with dbr.using_config('train', False):
        y = block(x)
    numpy.testing.assert_allclose(y.array, _bottleneck_b_ref(block, x.astype(numpy.float64)),
                                  rtol=1e-4, atol=1e-5)
    assert [n for n, _ in block.namedparams()] == [
        '/conv1/W', '/bn1/gamma', '/bn1/beta', '/conv2/W', '/bn2/gamma', '/bn2/beta',
        '/conv3/W', '/bn3/gamma', '/bn3/beta']


def test_building_block_chains_a_then_b_in_order():
    rng = numpy.random.RandomState(0)
    block = resnet.BuildingBlock(3, 4, 2, 8, 2)
    _randomize_bn(block, rng)
    children = [n for n, _ in block.namedlinks(skipself=True) if n.count('/') == 1]
    assert children == ['/a', '/b1', '/b2']
    assert isinstance(block.a, resnet.BottleneckA)
    assert all(isinstance(getattr(block, n), resnet.BottleneckB) for n in ('b1', 'b2'))
    x = rng.uniform(-1, 1, (1, 4, 6, 6)).astype(numpy.float32)
    with dbr.using_config('train', False):
        y = block(x)
    h = _bottleneck_a_ref(block.a, x.astype(numpy.float64), 2, 1, 2)
    h = _bottleneck_b_ref(block.b2, _bottleneck_b_ref(block.b1, h))
    numpy.testing.assert_allclose(y.array, h, rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match='BuildingBlock: n_layer'):
        resnet.BuildingBlock(0, 4, 2, 8, 2)


def test_batch_normalization_uses_batch_statistics_in_training_mode():
    rng = numpy.random.RandomState(0)
    block = resnet.BottleneckB(4, 2)
    _randomize_bn(block, rng)
    before = block.bn1.avg_mean.copy()
    x = rng.uniform(-1, 1, (3, 4, 5, 5)).astype(numpy.float32)
    with dbr.using_config('train', False):
        y_test = block(x).array
    numpy.testing.assert_array_equal(block.bn1.avg_mean, before)   # test mode: untouched
    y_train = block(x).array
    assert not numpy.allclose(y_train, y_test)
    assert not numpy.allclose(block.bn1.avg_mean, before)          # train mode: updated


@pytest.mark.parametrize('n_layers', [50, 101, 152])
def test_structure_matches_chainer(n_layers):
    model = getattr(L, f'ResNet{n_layers}Layers')(pretrained_model=None)
    assert isinstance(model, resnet.ResNetLayers)
    assert model.available_layers == ['conv1', 'pool1', 'res2', 'res3', 'res4', 'res5',
                                      'pool5', 'fc6', 'prob']
    assert list(model.functions) == model.available_layers
    for stage, n, (cin, mid, cout, stride) in zip(range(2, 6), STAGES[n_layers],
                                                 STAGE_CHANNELS):
        block = getattr(model, f'res{stage}')
        assert isinstance(block, resnet.BuildingBlock)
        names = [k for k, _ in block.namedlinks(skipself=True) if k.count('/') == 1]
        assert names == ['/a'] + [f'/b{i}' for i in range(1, n)]
        assert block.a.conv1.W.shape == (mid, cin, 1, 1)
        assert block.a.conv4.W.shape == (cout, cin, 1, 1)
        assert block.a.conv2.W.shape == (mid, mid, 3, 3)
        assert block.a.conv1.stride == (stride, stride) and block.a.conv2.stride == (1, 1)
        assert block.a.conv4.stride == (stride, stride)
    assert model.conv1.W.shape == (64, 3, 7, 7) and model.conv1.b.shape == (64,)
    assert model.fc6.W.shape == (1000, 2048)
    n_params = sum(p.size for p in model.params())
    # Chainer's documented counts (152: 101's structure with 13 more stage-3/4 bottlenecks)
    assert n_params == {50: 25557096, 101: 44549224, 152: 60192872}[n_layers]


def test_downsample_fb_moves_the_stride_to_the_3x3_convolution():
    block = resnet.BuildingBlock(2, 8, 4, 16, 2, downsample_fb=True)
    assert block.a.conv1.stride == (1, 1) and block.a.conv2.stride == (2, 2)
    assert block.a.conv4.stride == (2, 2)


def test_npz_keys_are_chainers(resnet50_npz):
    with numpy.load(resnet50_npz) as f:
        keys = set(f.files)
        assert f['res3/a/conv1/W'].shape == (128, 256, 1, 1)
        assert f['res5/b2/bn3/avg_var'].shape == (2048,)
    assert keys == _expected_keys(STAGES[50])
    assert len(keys) == 4 + 5 + sum(4 * 6 + (n - 1) * 3 * 6 for n in STAGES[50])


def test_pretrained_path_round_trip(resnet50, resnet50_npz):
    loaded = L.ResNet50Layers(pretrained_model=resnet50_npz)
    original = dict(resnet50.namedparams())
    for name, param in loaded.namedparams():
        numpy.testing.assert_array_equal(param.array, original[name].array)
    numpy.testing.assert_array_equal(loaded.res4.b5.bn2.avg_var, resnet50.res4.b5.bn2.avg_var)
    x = numpy.random.uniform(-50, 50, (1, 3, 32, 32)).astype(numpy.float32)
    with dbr.using_config('train', False):
        a = resnet50(x, layers=['fc6'])['fc6'].array
        b = loaded(x, layers=['fc6'])['fc6'].array
    numpy.testing.assert_array_equal(a, b)


def test_auto_finds_the_converted_npz_under_the_dataset_root(resnet50, resnet50_npz, tmp_path,
                                                             monkeypatch):
    monkeypatch.setenv('DBR_DATASET_ROOT', str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"ResNet50Layers: pretrained_model='auto'.*"
                                                r"ResNet-50-model\.npz"):
        L.ResNet50Layers()
    with pytest.raises(FileNotFoundError, match='ResNet152Layers.*ResNet-152-model'):
        L.ResNet152Layers(pretrained_model='auto')
    folder = tmp_path / 'pfnet' / 'chainer' / 'models'
    folder.mkdir(parents=True)
    shutil.copyfile(resnet50_npz, folder / 'ResNet-50-model.npz')
    loaded = L.ResNet50Layers()
    numpy.testing.assert_array_equal(loaded.fc6.W.array, resnet50.fc6.W.array)
    numpy.testing.assert_array_equal(loaded.res2.a.bn4.avg_mean, resnet50.res2.a.bn4.avg_mean)


def test_forward_at_224_chains_the_layers(resnet50):
    x = numpy.random.uniform(-100, 100, (1, 3, 224, 224)).astype(numpy.float32)
    with dbr.using_config('train', False):
        out = resnet50(x, layers=['pool1', 'res5', 'pool5', 'fc6', 'prob'])
    assert {k: v.shape for k, v in out.items()} == {
        'pool1': (1, 64, 56, 56), 'res5': (1, 2048, 7, 7), 'pool5': (1, 2048),
        'fc6': (1, 1000), 'prob': (1, 1000)}
    pool5 = out['res5'].array.astype(numpy.float64).mean(axis=(2, 3))
    numpy.testing.assert_allclose(out['pool5'].array, pool5, rtol=1e-5)
    fc6 = pool5 @ resnet50.fc6.W.array.T.astype(numpy.float64) + resnet50.fc6.b.array
    numpy.testing.assert_allclose(out['fc6'].array, fc6, rtol=1e-4, atol=1e-4)
    numpy.testing.assert_allclose(out['prob'].array, _softmax_ref(fc6), rtol=1e-3, atol=1e-6)


def test_forward_defaults_to_prob_and_stops_early(resnet50):
    x = numpy.random.uniform(-1, 1, (2, 3, 40, 48)).astype(numpy.float32)
    with dbr.using_config('train', False):
        default = resnet50(x)
        first = resnet50(x, layers=['conv1'])
    assert list(default) == ['prob'] and default['prob'].shape == (2, 1000)
    assert list(first) == ['conv1'] and first['conv1'].shape == (2, 64, 20, 24)
    # conv1 = relu(bn1(conv1(x))), with the running statistics
    h = _conv_ref(x.astype(numpy.float64), resnet50.conv1.W.array, 2, 3)
    h = _relu(_bn_ref(h + resnet50.conv1.b.array[None, :, None, None], resnet50.bn1))
    numpy.testing.assert_allclose(first['conv1'].array, h, rtol=1e-4, atol=1e-3)


def test_forward_errors(resnet50):
    x = numpy.zeros((1, 3, 32, 32), numpy.float32)
    with pytest.raises(ValueError, match=r"ResNet50Layers: unknown layer\(s\) \['pool6'\]"):
        resnet50(x, layers=['pool6'])
    with pytest.raises(ValueError, match='test argument is not supported'):
        resnet50(x, test=True)
    with pytest.raises(ValueError, match='n_layers must be 50, 101 or 152, got 34'):
        resnet.ResNetLayers(None, 34)
    with pytest.raises(FileNotFoundError, match='ResNet101Layers.*no_such.npz'):
        L.ResNet101Layers(pretrained_model='no_such.npz')


def test_extract_prepares_and_resizes(resnet50):
    rng = numpy.random.RandomState(0)
    images = [rng.randint(0, 256, (30, 50, 3)).astype(numpy.uint8),
              rng.randint(0, 256, (64, 40, 3)).astype(numpy.uint8)]
    with dbr.using_config('train', False):
        default = resnet50.extract(images, size=(64, 64))
        out = resnet50.extract(images, layers=['res3', 'pool5'], size=(64, 48))
        direct = resnet50(numpy.stack([resnet.prepare(im, (64, 48)) for im in images]),
                          layers=['res3'])['res3']
    assert list(default) == ['pool5'] and default['pool5'].shape == (2, 2048)
    assert out['res3'].shape == (2, 512, 6, 8) and out['pool5'].shape == (2, 2048)
    numpy.testing.assert_array_equal(out['res3'].array, direct.array)


def test_prepare_subtracts_msra_mean_in_bgr():
    image = numpy.zeros((2, 3, 3), numpy.uint8)
    image[..., 0] = 200   # red
    x = resnet.prepare(image, size=None)
    assert x.shape == (3, 2, 3) and x.dtype == numpy.float32
    numpy.testing.assert_allclose(x[:, 0, 0], [-103.063, -115.903, 200 - 123.152], rtol=1e-6)


def test_oversample_gives_corners_center_and_mirrors():
    images = numpy.arange(2 * 1 * 5 * 6, dtype=numpy.float32).reshape(2, 1, 5, 6)
    crops = _pretrained.oversample(images, (3, 4))
    expected = []
    for im in images:
        five = [im[:, 0:3, 0:4], im[:, 0:3, 2:6], im[:, 2:5, 0:4], im[:, 2:5, 2:6],
                im[:, 1:4, 1:5]]
        expected += five + [c[:, :, ::-1] for c in five]
    numpy.testing.assert_array_equal(crops, numpy.stack(expected))


@pytest.mark.parametrize('oversample', [False, True])
def test_predict_averages_crops_in_test_mode_without_a_graph(resnet50, oversample):
    image = numpy.random.RandomState(0).randint(0, 256, (20, 30, 3)).astype(numpy.uint8)
    stats = resnet50.res2.a.bn1.avg_mean.copy()
    y = resnet50.predict([image], oversample=oversample)
    assert y.shape == (1, 1000) and y.creator is None
    numpy.testing.assert_array_equal(resnet50.res2.a.bn1.avg_mean, stats)
    x = resnet.prepare(image, size=(256, 256))[None]
    x = _pretrained.oversample(x, (224, 224)) if oversample else x[:, :, 16:240, 16:240]
    with dbr.using_config('train', False):
        expected = resnet50(x)['prob'].array.mean(axis=0, keepdims=True)
    numpy.testing.assert_allclose(y.array, expected, rtol=1e-5, atol=1e-7)
    numpy.testing.assert_allclose(y.array.sum(), 1, rtol=1e-5)


def test_to_device_numpy_keeps_forward(resnet50):
    x = numpy.random.uniform(-1, 1, (1, 3, 32, 32)).astype(numpy.float32)
    with dbr.using_config('train', False):
        before = resnet50(x, layers=['pool5'])['pool5'].array
        resnet50.to_device('@numpy')
        after = resnet50(x, layers=['pool5'])['pool5'].array
    numpy.testing.assert_array_equal(before, after)
