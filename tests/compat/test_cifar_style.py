"""CIFAR-style Chainer scripts on dbr through the alias: a VGG-like CNN of conv/BN/ReLU blocks
trained by a Trainer (MomentumSGD, WeightDecay, ExponentialShift, epoch-named snapshots) and by
a custom loop, and ``get_cifar10``/``get_cifar100`` on archives written by the tests."""
import io
import json
import pickle
import tarfile
import urllib.error

import numpy
import pytest

import dbr
import dbr.compat
from dbr.datasets import _download


def _colours(n, seed):
    """3x16x16 images whose class sets the mean colour: an easy CIFAR stand-in."""
    rng = numpy.random.RandomState(seed)
    palette = numpy.random.RandomState(7).uniform(0.15, 0.85, (10, 3))
    t = rng.randint(0, 10, n).astype(numpy.int32)
    x = palette[t][:, :, None, None] + rng.normal(0, 0.1, (n, 3, 16, 16))
    return x.astype(numpy.float32), t


def _vgg_like(chainer):
    import chainer.functions as F
    import chainer.links as L

    class Block(chainer.Chain):
        def __init__(self, out_channels, ksize, pad=1):
            super(Block, self).__init__()
            with self.init_scope():
                self.conv = L.Convolution2D(None, out_channels, ksize, pad=pad, nobias=True)
                self.bn = L.BatchNormalization(out_channels)

        def forward(self, x):
            return F.relu(self.bn(self.conv(x)))

    class SmallVGG(chainer.Chain):
        def __init__(self, class_labels=10):
            super(SmallVGG, self).__init__()
            with self.init_scope():
                self.block1 = Block(8, 3)
                self.block2 = Block(16, 3)
                self.fc1 = L.Linear(None, 32, nobias=True)
                self.bn_fc1 = L.BatchNormalization(32)
                self.fc2 = L.Linear(None, class_labels, nobias=True)

        def forward(self, x):
            h = self.block1(x)
            h = F.dropout(h, ratio=0.1)
            h = F.max_pooling_2d(h, ksize=2, stride=2)
            h = F.max_pooling_2d(self.block2(h), ksize=2, stride=2)
            h = F.relu(self.bn_fc1(self.fc1(h)))
            return self.fc2(F.dropout(h, ratio=0.1))

    return SmallVGG


def test_trainer_script_learns(chainer, tmp_path):
    import chainer.links as L
    from chainer import training
    from chainer.training import extensions

    numpy.random.seed(0)
    train = chainer.datasets.TupleDataset(*_colours(256, 1))
    test = chainer.datasets.TupleDataset(*_colours(96, 2))
    model = L.Classifier(_vgg_like(chainer)(10))
    optimizer = chainer.optimizers.MomentumSGD(0.05)
    optimizer.setup(model)
    optimizer.add_hook(chainer.optimizer_hooks.WeightDecay(5e-4))
    train_iter = chainer.iterators.SerialIterator(train, 32)
    test_iter = chainer.iterators.SerialIterator(test, 32, repeat=False, shuffle=False)
    updater = training.updaters.StandardUpdater(train_iter, optimizer, device=-1)
    trainer = training.Trainer(updater, (4, 'epoch'), out=str(tmp_path))
    trainer.extend(extensions.Evaluator(test_iter, model, device=-1))
    trainer.extend(extensions.ExponentialShift('lr', 0.5), trigger=(2, 'epoch'))
    trainer.extend(extensions.observe_lr())
    trainer.extend(extensions.snapshot(filename='snaphot_epoch_{.updater.epoch}'))
    trainer.extend(extensions.LogReport())
    trainer.extend(extensions.PrintReport(['epoch', 'lr', 'main/loss', 'validation/main/accuracy'],
                                          out=io.StringIO()))
    trainer.run()
    log = json.loads((tmp_path / 'log').read_text())
    assert [entry['lr'] for entry in log] == pytest.approx([0.05, 0.05, 0.025, 0.025])
    assert log[-1]['main/loss'] < 0.5 * log[0]['main/loss']
    assert log[-1]['validation/main/accuracy'] > 0.5   # chance is 0.1
    assert sorted(p.name for p in tmp_path.glob('snaphot_epoch_*')) == [
        f'snaphot_epoch_{i}' for i in range(1, 5)]


def _custom_loop(chainer, epochs, out, resume=None):
    import os
    import chainer.links as L
    from chainer import configuration, serializers
    from chainer.dataset import convert

    numpy.random.seed(0)
    train = chainer.datasets.TupleDataset(*_colours(256, 1))[:192]   # a list, as with --test
    test = chainer.datasets.TupleDataset(*_colours(64, 2))
    model = L.Classifier(_vgg_like(chainer)(10))
    optimizer = chainer.optimizers.MomentumSGD(0.05)
    optimizer.setup(model)
    optimizer.add_hook(chainer.optimizer.WeightDecay(5e-4))
    if resume is not None:
        serializers.load_npz(os.path.join(resume, 'vgg.model'), model)
        serializers.load_npz(os.path.join(resume, 'vgg.state'), optimizer)
    train_iter = chainer.iterators.SerialIterator(train, 32, shuffle=False)
    test_iter = chainer.iterators.SerialIterator(test, 32, repeat=False, shuffle=False)
    history = []
    sum_loss = 0
    while train_iter.epoch < epochs:
        batch = train_iter.next()
        if train_iter.epoch % 2 == 0 and train_iter.is_new_epoch:
            optimizer.lr *= 0.5
        x_array, t_array = convert.concat_examples(batch, -1)
        x = chainer.Variable(x_array)
        t = chainer.Variable(t_array)
        optimizer.update(model, x, t)
        sum_loss += float(model.loss.array) * len(t)
        if train_iter.is_new_epoch:
            sum_acc = 0
            with configuration.using_config('train', False):
                with chainer.using_config('enable_backprop', False):
                    for batch in test_iter:
                        x, t = convert.concat_examples(batch, -1)
                        model(chainer.Variable(x), chainer.Variable(t))
                        sum_acc += float(model.accuracy.array) * len(t)
            test_iter.reset()
            history.append((sum_loss / len(train), sum_acc / len(test), optimizer.lr))
            sum_loss = 0
    os.makedirs(out, exist_ok=True)
    serializers.save_npz(os.path.join(out, 'vgg.model'), model)
    serializers.save_npz(os.path.join(out, 'vgg.state'), optimizer)
    return model, history


def test_custom_loop_learns_and_resumes(chainer, tmp_path):
    model, history = _custom_loop(chainer, 4, str(tmp_path / 'straight'))
    assert [h[2] for h in history] == pytest.approx([0.05, 0.025, 0.025, 0.0125])
    assert history[-1][0] < 0.5 * history[0][0] and history[-1][1] > 0.3   # chance is 0.1
    _custom_loop(chainer, 2, str(tmp_path / 'first'))
    resumed, more = _custom_loop(chainer, 2, str(tmp_path / 'second'),
                                 resume=str(tmp_path / 'first'))
    # The resumed run goes on from epoch 2 (learning rate included); its dropout draws differ
    # from the straight run's, so the losses agree closely but not to the bit.
    assert [h[2] for h in more] == pytest.approx([0.025, 0.0125])
    numpy.testing.assert_allclose([h[0] for h in more], [h[0] for h in history[2:]], rtol=0.1)
    assert more[-1][1] > 0.3
    assert resumed.predictor.block1.bn.avg_mean.shape == (8,)


# --- get_cifar10 / get_cifar100 on archives the tests write -----------------------------------

@pytest.fixture
def root(tmp_path, monkeypatch):
    monkeypatch.setenv('DBR_DATASET_ROOT', str(tmp_path))
    asked = []

    def offline(url):
        asked.append(url)
        raise urllib.error.URLError('network unreachable (test stub)')
    monkeypatch.setattr(_download, '_open_url', offline)
    (tmp_path / 'cifar').mkdir()
    return tmp_path / 'cifar', asked


def _archive(path, members, protocol=2):
    with tarfile.open(path, 'w:gz') as tar:
        for name, content in members.items():
            blob = content if isinstance(content, bytes) else pickle.dumps(content, protocol)
            info = tarfile.TarInfo(name)
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))


def _batch(n, seed, key=b'labels', classes=10):
    rng = numpy.random.RandomState(seed)
    return {b'batch_label': b'x', key: [int(v) for v in rng.randint(0, classes, n)],
            b'data': rng.randint(0, 256, (n, 3072)).astype(numpy.uint8)}


def _cifar10(folder, protocol=2):
    batches = {f'cifar-10-batches-py/data_batch_{i}': _batch(3, i) for i in range(1, 6)}
    batches['cifar-10-batches-py/test_batch'] = _batch(4, 9)
    _archive(folder / 'cifar-10-python.tar.gz', batches, protocol)
    return batches


@pytest.mark.parametrize('protocol', [2, pickle.HIGHEST_PROTOCOL])
def test_get_cifar10_reads_the_python_archive(root, protocol):
    batches = _cifar10(root[0], protocol)
    train, test = dbr.datasets.get_cifar10()
    assert (len(train), len(test)) == (15, 4)
    x, t = train[4]   # the second image of data_batch_2
    raw = batches['cifar-10-batches-py/data_batch_2'][b'data'][1]
    assert x.shape == (3, 32, 32) and x.dtype == numpy.float32 and t.dtype == numpy.int32
    numpy.testing.assert_allclose(x, raw.reshape(3, 32, 32) / 255, rtol=1e-6)
    assert int(t) == batches['cifar-10-batches-py/data_batch_2'][b'labels'][1]
    assert test[:][-1][1] == batches['cifar-10-batches-py/test_batch'][b'labels'][-1]


def test_get_cifar10_options(root):
    batches = _cifar10(root[0])
    train, test = dbr.datasets.get_cifar10(withlabel=False, ndim=1, scale=2., dtype='float64')
    raw = batches['cifar-10-batches-py/test_batch'][b'data']
    assert isinstance(test, numpy.ndarray) and test.shape == (4, 3072)
    assert test.dtype == numpy.float64 and test.max() <= 2.0
    numpy.testing.assert_allclose(test, raw / 255 * 2)
    with pytest.raises(ValueError, match='get_cifar10: ndim must be 1 or 3, got 2'):
        dbr.datasets.get_cifar10(ndim=2)
    with pytest.raises(ValueError, match='dtype must be a float type'):
        dbr.datasets.get_cifar10(dtype=numpy.int32)


def test_get_cifar100_uses_the_fine_labels(root):
    members = {'cifar-100-python/train': _batch(5, 1, b'fine_labels', 100),
               'cifar-100-python/test': _batch(2, 2, b'fine_labels', 100)}
    for batch in members.values():
        batch[b'coarse_labels'] = [0] * len(batch[b'fine_labels'])
    _archive(root[0] / 'cifar-100-python.tar.gz', members)
    train, test = dbr.datasets.get_cifar100()
    assert (len(train), len(test)) == (5, 2)
    assert [int(t) for _, t in train] == members['cifar-100-python/train'][b'fine_labels']


def test_missing_archive_is_downloaded_or_explained(root):
    folder, asked = root
    with pytest.raises(FileNotFoundError, match=r'get_cifar10: cifar-10-python.tar.gz was not '
                                                r'found. Put it into .*cifar.*network unreachable'):
        dbr.datasets.get_cifar10()
    assert asked == ['https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz']
    assert list(folder.iterdir()) == []   # no partial file left behind


class _Evil:
    def __reduce__(self):
        import os
        return os.system, ('echo pwned',)


def test_corrupt_or_hostile_archives_are_refused(root):
    folder = root[0]
    path = folder / 'cifar-10-python.tar.gz'
    path.write_bytes(b'not a tarball')
    with pytest.raises(ValueError, match='is not a readable tar.gz archive'):
        dbr.datasets.get_cifar10()
    _archive(path, {'cifar-10-batches-py/data_batch_1': _batch(2, 0)})
    with pytest.raises(ValueError, match="has no file 'cifar-10-batches-py/data_batch_2'"):
        dbr.datasets.get_cifar10()
    members = {f'cifar-10-batches-py/data_batch_{i}': _batch(2, i) for i in range(1, 6)}
    members['cifar-10-batches-py/test_batch'] = {b'data': _Evil(), b'labels': [0]}
    _archive(path, members)
    with pytest.raises(ValueError, match=r'test_batch in .* is not a CIFAR batch \(global '
                                         r'posix.system is not allowed'):
        dbr.datasets.get_cifar10()
    members['cifar-10-batches-py/test_batch'] = {b'data': numpy.zeros((2, 100), numpy.uint8),
                                                 b'labels': [0, 1]}
    _archive(path, members)
    with pytest.raises(ValueError, match=r'holds data of shape \(2, 100\) and 2 labels'):
        dbr.datasets.get_cifar10()
