"""The research dialect of Chainer v7 that scripts rely on, on dbr's core: optimizer hooks under
``chainer.optimizer``, config assignment, short link constructors, ``dbr.backend``, datasets,
iterators and converters, pickling."""
import gzip
import io
import pickle

import numpy
import pytest

import dbr
import dbr.compat
import dbr.functions as F
import dbr.links as L
from dbr import backend
from dbr import datasets as D


@pytest.fixture
def restore_config():
    yield
    for key in ('train', 'dtype', 'autotune', 'use_ideep'):
        if key in vars(dbr.config):
            delattr(dbr.config, key)


# --- optimizers and hooks ------------------------------------------------------------------

_HOOKS = ('WeightDecay', 'GradientClipping', 'GradientHardClipping', 'GradientNoise', 'Lasso')


@pytest.mark.parametrize('name', _HOOKS)
def test_hooks_importable_from_optimizer(chainer, name):
    from chainer import optimizer
    assert getattr(optimizer, name) is getattr(dbr.optimizer_hooks, name)
    exec(f'from chainer.optimizer import {name}', {})


def test_optimizer_module_names_what_it_lacks():
    with pytest.raises(AttributeError, match="module 'dbr.optimizer' has no attribute 'Decay'"):
        dbr.optimizer.Decay


def test_weight_decay_through_the_old_path_decays(chainer):
    model = L.Linear(3, 2)
    w0 = model.W.array.copy()
    opt = chainer.optimizers.SGD(lr=0.5).setup(model)
    opt.add_hook(chainer.optimizer.WeightDecay(0.1))
    model.W.grad = numpy.zeros_like(model.W.array)
    opt.update()
    numpy.testing.assert_allclose(model.W.array, w0 * (1 - 0.5 * 0.1), rtol=1e-6)


def test_setup_returns_the_optimizer():
    model = L.Linear(3, 2)
    for opt_class in (dbr.optimizers.SGD, dbr.optimizers.Adam, dbr.optimizers.MomentumSGD):
        opt = opt_class().setup(model)
        assert isinstance(opt, opt_class) and opt.target is model


def _separable(n=64, seed=0):
    rng = numpy.random.RandomState(seed)
    x = rng.normal(size=(n, 4)).astype('f')
    t = (x[:, 0] + x[:, 1] > 0).astype('i')
    return x, t


def test_update_with_a_loss_function_trains():
    x, t = _separable()
    model = L.Classifier(L.Linear(4, 2))
    opt = dbr.optimizers.SGD(lr=0.5).setup(model)
    losses = []
    for _ in range(30):
        opt.update(model, x, t)           # model(x, t) is the loss
        losses.append(float(model.loss.array))
    assert losses[-1] < 0.5 * losses[0]
    assert float(model.accuracy.array) > 0.9
    assert opt.t == 30


def test_update_with_a_closure_clears_old_gradients():
    x, t = _separable()
    model = L.Linear(4, 2)
    opt = dbr.optimizers.SGD(lr=0.0).setup(model)

    def lossfun():
        return F.softmax_cross_entropy(model(x), t)

    opt.update(lossfun)
    first = model.W.grad.copy()
    opt.update(lossfun)   # the gradient is recomputed, not accumulated
    numpy.testing.assert_array_equal(model.W.grad, first)


# --- Variable, config -----------------------------------------------------------------------

def test_variable_requires_grad_false_gets_no_gradient():
    x = dbr.Variable(numpy.array([1., 2.], 'f'), requires_grad=False)
    w = dbr.Variable(numpy.array([3., 4.], 'f'))
    assert x.requires_grad is False and w.requires_grad is True
    F.sum(x * w).backward()
    assert x.grad is None
    numpy.testing.assert_array_equal(w.grad, [1., 2.])
    assert len(dbr.Variable(numpy.zeros((5, 2), 'f'))) == 5


def test_config_train_assignment(restore_config):
    x = numpy.ones((100, 10), 'f')
    dbr.config.train = False
    numpy.testing.assert_array_equal(F.dropout(x).array, x)
    del dbr.config.train
    assert dbr.config.train is True
    assert (F.dropout(x).array == 0).any()


def test_config_assignment_is_checked(restore_config):
    dbr.config.dtype = 'float16'
    assert dbr.get_dtype() == numpy.dtype(numpy.float16)
    assert isinstance(dbr.config.dtype, numpy.dtype)
    with pytest.raises(ValueError, match=r"dbr.config: use_cudnn must be one of \('always', "
                                         r"'auto', 'never'\), got 'sometimes'"):
        dbr.config.use_cudnn = 'sometimes'
    with pytest.raises(ValueError, match='use_ideep must be one of'):
        dbr.global_config.use_ideep = True


def test_global_config_dtype_assignment_gives_a_dtype():
    old = dbr.global_config.dtype
    try:
        dbr.global_config.dtype = numpy.float64   # scripts assign the type, not a dtype
        assert dbr.config.dtype == numpy.dtype('float64')
        assert dbr.get_dtype().kind == 'f'
        assert L.Linear(3, 2).W.dtype == numpy.float64
    finally:
        dbr.global_config.dtype = old


def test_global_config_keys_scripts_set(chainer, restore_config):
    assert chainer.global_config.autotune is False
    assert chainer.global_config.cudnn_deterministic is False
    assert chainer.global_config.use_cudnn == 'auto'
    assert chainer.global_config.use_cudnn_tensor_core == 'auto'
    assert chainer.global_config.use_ideep == 'never'
    assert chainer.global_config.lazy_grad_sum is False
    assert chainer.global_config.dtype == numpy.float32
    chainer.config.autotune = True
    chainer.config.use_ideep = 'auto'
    assert dbr.config.autotune is True and dbr.global_config.autotune is False
    assert dbr.get_dtype() == numpy.float32


# --- links ----------------------------------------------------------------------------------

def test_linear_one_argument_form_is_lazy():
    layer = L.Linear(5)
    assert layer.W.array is None and layer.out_size == 5
    assert layer(numpy.ones((2, 3, 4), 'f')).shape == (2, 5)
    assert layer.W.shape == (5, 12)


def test_convolution_2d_two_argument_form_is_lazy():
    conv = L.Convolution2D(6, 3, stride=2, pad=1)
    assert conv.W.array is None
    assert conv(numpy.ones((2, 4, 8, 8), 'f')).shape == (2, 6, 4, 4)
    assert conv.W.shape == (6, 4, 3, 3)
    assert L.Convolution2D(None, 6, 3)(numpy.ones((1, 2, 5, 5), 'f')).shape == (1, 6, 3, 3)


def test_sequential_repeat():
    block = dbr.Sequential(L.Linear(3, 3), F.relu)
    stacked = block.repeat(3)
    assert len(stacked) == 3 and all(isinstance(s, dbr.Sequential) for s in stacked)
    weights = [s[0].W.array for s in stacked]
    assert not any(numpy.shares_memory(weights[0], w) for w in weights[1:])
    assert not numpy.array_equal(weights[0], weights[1])   # 'init': fresh values
    shared = block.repeat(2, mode='share')
    assert shared[0][0].W.array is shared[1][0].W.array is block[0].W.array
    stacked.append(L.Linear(2))
    assert stacked(numpy.ones((4, 3), 'f')).shape == (4, 2)


def test_shared_copy_of_a_chain_has_its_own_children():
    chain = dbr.Chain(fc=L.Linear(3, 2))
    copy = chain.copy('share')
    assert copy.fc is not chain.fc and copy.fc.W.array is chain.fc.W.array
    with copy.init_scope():
        copy.extra = L.Linear(2, 2)
    assert [path for path, _ in chain.namedparams()] == ['/fc/W', '/fc/b']
    assert len(list(copy.namedparams())) == 4


# --- dbr.backend ----------------------------------------------------------------------------

@pytest.mark.parametrize('spec', ['@numpy', -1, '-1', numpy, None, 'cpu'])
def test_get_device_host_specs(spec):
    device = dbr.get_device(spec)
    assert isinstance(device, backend.CpuDevice) and device.xp is numpy
    assert str(device) == '@numpy' and device == backend.CpuDevice()
    assert dbr.get_device(device) is device


def test_get_device_gpu_specs(xp):
    if xp is numpy:
        assert issubclass(backend.GpuDevice, backend.Device)
        return
    for spec in ((xp, 0), '@cupy:0', 0):
        device = dbr.get_device(spec)
        assert isinstance(device, backend.GpuDevice) and device.xp is xp and device.id == 0
        assert str(device) == '@cupy:0'


def test_get_device_bad_specs():
    with pytest.raises(RuntimeError, match="'native:0' names a ChainerX device, and dbr has no "
                                           "ChainerX"):
        dbr.get_device('native:0')
    with pytest.raises(ValueError, match="unknown device spec '@tpu:0'"):
        dbr.get_device('@tpu:0')
    with pytest.raises(TypeError, match='got tuple'):
        dbr.get_device((numpy, 0))


def test_chainerx_device_is_never_instantiated():
    assert not isinstance(dbr.get_device('@numpy'), backend.ChainerxDevice)
    with pytest.raises(RuntimeError, match='ChainerxDevice: dbr has no ChainerX'):
        backend.ChainerxDevice('native:0')


def test_device_helpers(xp):
    device = backend.get_device_from_array(xp.zeros(2))
    a = xp.zeros(3, 'f')
    assert device.is_array_supported(a)
    assert backend.get_array_module(dbr.Variable(a)) is xp
    with backend.using_device(device) as current:
        assert current is device
    assert type(device).from_array(a) == device
    assert backend.CpuDevice.from_array(xp.zeros(1) if xp is not numpy else None) is None


def test_copyto_across_devices(xp):
    dst = xp.zeros((2, 3), 'f')
    backend.copyto(dst, numpy.arange(3))            # broadcast, int -> float
    numpy.testing.assert_array_equal(backend.to_cpu(dst), [[0, 1, 2], [0, 1, 2]])
    host = numpy.zeros(3, 'f')
    backend.copyto(host, xp.ones(3, 'f'))
    numpy.testing.assert_array_equal(host, [1, 1, 1])
    with pytest.raises(TypeError, match="from dtype\\('float64'\\) to dtype\\('int32'\\)"):
        backend.copyto(numpy.zeros(2, 'i'), numpy.ones(2))
    with pytest.raises(TypeError, match='dst must be a NumPy or CuPy array, got list'):
        backend.copyto([0, 0], numpy.ones(2))


def test_get_dtype():
    assert dbr.get_dtype() == numpy.float32
    assert dbr.get_dtype(numpy.float16) == numpy.dtype('float16')


# --- dataset.Iterator, converters, to_device -------------------------------------------------

class _Windows(dbr.dataset.Iterator):
    """A Chainer-style custom iterator: consecutive windows of a sequence, its own position."""

    def __init__(self, data, batch_size, repeat=True):
        self.data, self.batch_size, self.repeat = data, batch_size, repeat
        self.position = 0
        self.epoch = 0
        self.is_new_epoch = False
        self._previous_epoch_detail = None
        self.finalized = False

    def __next__(self):
        n = len(self.data)
        if not self.repeat and self.epoch > 0:
            raise StopIteration
        self._previous_epoch_detail = self.epoch_detail
        batch = [(self.data[(self.position + i) % n], self.data[(self.position + i + 1) % n])
                 for i in range(self.batch_size)]
        self.position += self.batch_size
        self.is_new_epoch = self.position >= n
        if self.is_new_epoch:
            self.epoch += 1
            self.position -= n
        return batch

    @property
    def epoch_detail(self):
        return self.epoch + self.position / len(self.data)

    @property
    def previous_epoch_detail(self):
        return self._previous_epoch_detail

    def finalize(self):
        self.finalized = True

    def serialize(self, serializer):
        self.position = serializer('position', self.position)
        self.epoch = serializer('epoch', self.epoch)
        self.is_new_epoch = serializer('is_new_epoch', self.is_new_epoch)


def test_custom_iterator_protocol():
    data = numpy.arange(10, dtype='f')
    with _Windows(data, 4, repeat=False) as it:
        batches = list(it)
    assert it.finalized and len(batches) == 3 and it.epoch == 1
    it = _Windows(data, 4)
    assert it.next()[0] == (0, 1) and next(it)[0] == (4, 5)
    assert it.epoch_detail == pytest.approx(0.8) and it.previous_epoch_detail == pytest.approx(0.4)
    with pytest.raises(NotImplementedError, match='_Bare does not implement __next__'):
        next(type('_Bare', (dbr.dataset.Iterator,), {})())


def test_custom_iterator_serialize_contract(tmp_path):
    data = numpy.arange(10, dtype='f')
    it = _Windows(data, 3)
    for _ in range(5):
        next(it)
    dbr.serializers.save_npz(tmp_path / 'it.npz', it)
    resumed = _Windows(data, 3)
    dbr.serializers.load_npz(tmp_path / 'it.npz', resumed)
    assert (resumed.position, resumed.epoch) == (it.position, it.epoch) == (5, 1)
    assert next(resumed) == next(it)


def test_custom_iterator_drives_a_trainer(tmp_path):
    data = numpy.sin(numpy.linspace(0, 6, 40)).astype('f')
    model = L.Classifier(L.Linear(1, 1), lossfun=F.mean_squared_error)
    model.compute_accuracy = False
    opt = dbr.optimizers.SGD(lr=0.1).setup(model)

    @dbr.dataset.converter()
    def to_columns(batch, device):
        x, t = dbr.dataset.concat_examples(batch, device)
        return x[:, None], t[:, None]

    updater = dbr.training.updaters.StandardUpdater(_Windows(data, 8), opt, converter=to_columns)
    trainer = dbr.training.Trainer(updater, (3, 'epoch'), out=str(tmp_path))
    trainer.run()
    assert updater.epoch == 3 and updater.iteration == 15


def test_converter_decorator_gives_a_device():
    seen = []

    @dbr.dataset.converter()
    def conv(batch, device, scale=1):
        seen.append(device)
        return dbr.dataset.concat_examples(batch, device)[0] * scale

    assert isinstance(conv, dbr.dataset.Converter)
    assert isinstance(dbr.dataset.concat_examples, dbr.dataset.Converter)
    batch = [(numpy.ones(2, 'f'), 0)] * 3
    for device in (-1, '@numpy', dbr.get_device('@numpy')):
        assert conv(batch, device).shape == (3, 2)
    assert conv(batch, None, scale=2).sum() == 12 and conv(batch, device=-1).sum() == 6
    assert [type(d) for d in seen] == [backend.CpuDevice] * 3 + [type(None), backend.CpuDevice]


def test_updater_calls_old_and_new_converters_their_way():
    seen = {}

    @dbr.dataset.converter()
    def new_style(batch, device):
        seen['new'] = device
        return dbr.dataset.concat_examples(batch, device)

    def old_style(batch, device=None):
        seen['old'] = device
        return dbr.dataset.concat_examples(batch, device)

    x, t = _separable(8)
    model = L.Classifier(L.Linear(4, 2))
    for conv in (new_style, old_style):
        it = dbr.iterators.SerialIterator(D.TupleDataset(x, t), 4)
        updater = dbr.training.updaters.StandardUpdater(
            it, dbr.optimizers.SGD().setup(model), converter=conv, device='@numpy')
        updater.update()
    assert isinstance(seen['new'], backend.CpuDevice) and seen['old'] == -1


def test_to_device():
    x = numpy.arange(3)
    for device in (-1, '@numpy', dbr.get_device(numpy)):
        assert dbr.dataset.to_device(device, x) is x
    assert dbr.dataset.to_device(None, x) is x
    nested = dbr.dataset.to_device(-1, {'a': (x, [x]), 'b': None})
    assert nested['a'][0] is x and nested['a'][1][0] is x and nested['b'] is None


# --- datasets indexed by int, slice, list, integer array, mask ------------------------------

_X = numpy.arange(24, dtype='f').reshape(12, 2)
_T = numpy.arange(12, dtype='i') % 3


def _datasets():
    tuple_ds = D.TupleDataset(_X, _T)
    return {
        'tuple': (tuple_ds, lambda i: (_X[i], _T[i])),
        'dict': (D.DictDataset(x=_X, t=_T), lambda i: {'x': _X[i], 't': _T[i]}),
        'sub': (D.SubDataset(tuple_ds, 2, 12), lambda i: (_X[2 + i % 10], _T[2 + i % 10])),
        'sub_order': (D.split_dataset(tuple_ds, 5, order=numpy.arange(12)[::-1])[0],
                      lambda i: (_X[11 - i % 5], _T[11 - i % 5])),
        'transform': (D.TransformDataset(tuple_ds, lambda e: (e[0] * 2, e[1])),
                      lambda i: (_X[i] * 2, _T[i])),
        'concat': (D.ConcatenatedDataset(D.TupleDataset(_X[:5], _T[:5]),
                                         D.TupleDataset(_X[5:], _T[5:])),
                   lambda i: (_X[i], _T[i])),
    }


def _same(a, b):
    """Examples (tuples or dicts of arrays) equal field by field."""
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(numpy.array_equal(a[k], b[k]) for k in a)
    return len(a) == len(b) and all(numpy.array_equal(u, v) for u, v in zip(a, b))


def _as_list(result, n):
    """Examples of a batch result: TupleDataset/DictDataset give one tuple/dict of batches."""
    if isinstance(result, tuple):
        return list(zip(*result))
    if isinstance(result, dict):
        return [{k: v[i] for k, v in result.items()} for i in range(n)]
    return result


@pytest.mark.parametrize('kind', list(_datasets()))
def test_dataset_indexing(kind):
    ds, expected = _datasets()[kind]
    n = len(ds)
    assert _same(ds[3], expected(3)) and _same(ds[numpy.int64(3)], expected(3))
    assert _same(ds[-1], expected(n - 1))
    assert all(_same(e, expected(i)) for e, i in zip(ds[1:4], range(1, 4)))
    assert len(ds[::2]) == (n + 1) // 2
    for index in ([4, 0, 4], numpy.array([4, 0, 4]), numpy.array([4, 0, 4], numpy.int32)):
        got = _as_list(ds[index], 3)
        assert len(got) == 3 and all(_same(e, expected(i)) for e, i in zip(got, (4, 0, 4)))
    mask = numpy.zeros(n, bool)
    mask[[1, 3]] = True
    got = _as_list(ds[mask], 2)
    assert len(got) == 2 and all(_same(e, expected(i)) for e, i in zip(got, (1, 3)))
    with pytest.raises(IndexError, match=f'index {n} is out of range for a dataset of length {n}'):
        ds[n]


def test_dataset_mixin_index_errors():
    ds = D.SubDataset(_X, 0, 4)
    with pytest.raises(IndexError, match=r'SubDataset: a boolean mask must have shape \(4,\) for a '
                                         r'dataset of length 4, got \(12,\)'):
        ds[numpy.ones(12, bool)]
    with pytest.raises(TypeError, match='SubDataset: an index array must hold integers or '
                                        'booleans, got dtype float64'):
        ds[numpy.array([1.0])]


def _write_idx(path, array):
    header = bytes([0, 0, 8, array.ndim]) + b''.join(d.to_bytes(4, 'big') for d in array.shape)
    path.write_bytes(gzip.compress(header + array.astype(numpy.uint8).tobytes()))


def test_mnist_tuple_datasets_index_like_the_others(tmp_path, monkeypatch):
    folder = tmp_path / 'mnist'
    folder.mkdir()
    rng = numpy.random.RandomState(0)
    for prefix, n in (('train', 6), ('t10k', 4)):
        _write_idx(folder / f'{prefix}-images-idx3-ubyte.gz', rng.randint(0, 256, (n, 28, 28)))
        _write_idx(folder / f'{prefix}-labels-idx1-ubyte.gz', numpy.arange(n) % 10)
    monkeypatch.setenv('DBR_DATASET_ROOT', str(tmp_path))
    train, test = D.get_mnist(ndim=3)
    x, t = train[numpy.array([5, 1])]
    assert x.shape == (2, 1, 28, 28) and x.dtype == numpy.float32 and t.tolist() == [5, 1]
    assert train[numpy.int32(2)][1] == 2 and len(train[2:]) == 4 and len(test) == 4
    mask = numpy.array([True, False, False, True])
    assert test[mask][1].tolist() == [0, 3]


# --- pickling ---------------------------------------------------------------------------------

def test_variable_pickles_without_its_graph():
    x = dbr.Variable(numpy.arange(3, dtype='f'), name='x')
    y = F.sum(x * x)
    y.backward()
    x2, y2 = pickle.loads(pickle.dumps((x, y)))
    assert x2.name == 'x' and x2.creator is None and y2.creator is None
    numpy.testing.assert_array_equal(x2.grad, [0, 2, 4])
    assert x2.requires_grad and type(x2) is dbr.Variable


def test_model_and_optimizer_pickle_and_train_on_identically():
    x, t = _separable(16)
    model = L.Classifier(L.Linear(None, 2))
    opt = dbr.optimizers.Adam().setup(model)
    opt.update(model, x, t)
    opt2 = pickle.loads(pickle.dumps(opt))
    model2 = opt2.target
    assert isinstance(model2.predictor.W, dbr.Parameter)
    assert model2.predictor.W.update_rule.hyperparam.parent is opt2.hyperparam
    for _ in range(3):
        opt.update(model, x, t)
        opt2.update(model2, x, t)
    numpy.testing.assert_array_equal(model.predictor.W.array, model2.predictor.W.array)
    assert opt2.t == opt.t == 4


# --- the old GPU dialect, runtime info --------------------------------------------------------

def test_cuda_dialect_on_the_host(chainer):
    from chainer import cuda
    with pytest.warns(DeprecationWarning, match='get_device_from_id'):
        device = cuda.get_device(-1)
    assert device is cuda.DummyDevice and device.id == -1 and int(device) == -1
    device.use()
    with device:
        pass
    with pytest.warns(DeprecationWarning):
        assert cuda.get_device(numpy.zeros(2)) is cuda.DummyDevice
    assert isinstance(cuda.cudnn_enabled, bool)


def test_cuda_get_device_on_a_gpu(xp):
    if xp is numpy:
        return
    a = xp.zeros(2)
    with pytest.warns(DeprecationWarning):
        assert dbr.cuda.get_device(a) == a.device
    with pytest.warns(DeprecationWarning):
        assert dbr.cuda.get_device(0).id == 0


def test_print_runtime_info():
    from dbr._runtime_info import print_runtime_info
    out = io.StringIO()
    print_runtime_info(out)
    lines = out.getvalue().splitlines()
    assert [line.split(':')[0] for line in lines] == [
        'Platform', 'dbr', 'ChainerX', 'NumPy', 'CuPy', 'cuDNN', 'iDeep']
    assert lines[3] == f'NumPy: {numpy.__version__}' and lines[2] == 'ChainerX: Not Available'
