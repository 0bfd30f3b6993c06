"""Moving models, optimizer state and data between the host and a GPU; training on a GPU.

Run on a machine with CuPy and a CUDA device: ``PYTHONPATH=. python3 -m pytest -m gpu tests/gpu``.
"""
import numpy
import pytest

import dbr
import dbr.functions as F
import dbr.links as L
from dbr import optimizers, serializers, training
from dbr.training import extensions

pytestmark = pytest.mark.gpu


@pytest.fixture
def cp():
    import cupy
    return cupy


class MLP(dbr.Chain):
    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.l1 = L.Linear(4, 16)
            self.l2 = L.Linear(16, 3)

    def forward(self, x):
        return self.l2(F.relu(self.l1(x)))


class TwoBranches(dbr.Chain):
    """A loss through ``used`` leaves ``unused`` without gradients."""

    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.used = L.Linear(3, 2)
            self.unused = L.Linear(3, 2)


def _data(n=32, seed=0):
    rs = numpy.random.RandomState(seed)
    x = rs.randn(n, 4).astype(numpy.float32)
    t = (x[:, 0] > 0).astype(numpy.int32) + (x[:, 1] > 1).astype(numpy.int32)
    return x, t


def _loss(model, x, t):
    return F.softmax_cross_entropy(model(x), t)


def _states(model):
    return {path: dict(p.update_rule.state) for path, p in model.namedparams()}


def _assert_on(xp, model):
    for _, p in model.namedparams():
        assert dbr.backend.get_array_module(p.array) is xp
        for key, value in p.update_rule.state.items():
            assert dbr.backend.get_array_module(value) is xp, (key, type(value))


# ----- optimizer state follows the model -------------------------------------------------------

@pytest.mark.parametrize('name', ['Adam', 'MomentumSGD', 'RMSpropGraves', 'AMSGrad'])
def test_to_gpu_to_cpu_round_trip_carries_optimizer_state(cp, name):
    x, t = _data()
    numpy.random.seed(1)
    reference = MLP()
    model = reference.copy(mode='copy')
    opt_ref = getattr(optimizers, name)().setup(reference)
    opt = getattr(optimizers, name)().setup(model)
    for step in range(6):
        opt_ref.update(_loss, reference, x, t)
        if step == 1:          # state exists on the host: move everything to the GPU
            model.to_gpu()
            _assert_on(cp, model)
        if step == 3:          # and back to the host
            model.to_cpu()
            _assert_on(numpy, model)
        xp = model.xp
        opt.update(_loss, model, xp.asarray(x), xp.asarray(t))
    for (path, p), (_, q) in zip(model.namedparams(), reference.namedparams()):
        numpy.testing.assert_allclose(p.array, q.array, rtol=1e-4, atol=1e-5, err_msg=path)
    assert opt.t == opt_ref.t == 6


def test_to_device_spec_strings_move_state(cp):
    model = MLP()
    opt = optimizers.Adam().setup(model)
    x, t = _data()
    opt.update(_loss, model, x, t)
    model.to_device('@cupy:0')
    _assert_on(cp, model)
    opt.update(_loss, model, cp.asarray(x), cp.asarray(t))
    model.to_device('@numpy')
    _assert_on(numpy, model)
    opt.update(_loss, model, x, t)
    assert opt.t == 3


def test_variable_to_gpu_and_back_keeps_gradient(cp):
    v = dbr.Variable(numpy.arange(3, dtype=numpy.float32))
    v.grad = numpy.ones(3, numpy.float32)
    v.to_gpu()
    assert isinstance(v.array, cp.ndarray) and isinstance(v.grad, cp.ndarray)
    v.to_cpu()
    assert isinstance(v.array, numpy.ndarray) and isinstance(v.grad, numpy.ndarray)


def test_get_device_from_id_use_and_cuda_helpers(cp):
    dbr.cuda.get_device_from_id(0).use()
    a = dbr.cuda.to_gpu(numpy.ones(4, numpy.float32))
    assert isinstance(a, cp.ndarray) and a.device.id == 0
    assert isinstance(dbr.cuda.to_cpu(a), numpy.ndarray)
    assert dbr.cuda.get_array_module(a) is cp
    assert dbr.cuda.available


def test_memory_helpers(cp):
    before = dbr.cuda.memory_info()
    keep = cp.ones(2 ** 20, numpy.float32)
    info = dbr.cuda.memory_info()
    assert info.pool_used >= before.pool_used + keep.nbytes
    assert 0 < info.pool_used <= info.pool_total <= info.device_used <= info.device_total
    assert dbr.cuda.memory_pool() is cp.get_default_memory_pool()
    del keep
    dbr.cuda.memory_pool().free_all_blocks()
    assert dbr.cuda.memory_info().pool_total <= info.pool_total


# ----- serializers across devices ---------------------------------------------------------------

@pytest.mark.parametrize('save_on, load_on', [('gpu', 'cpu'), ('cpu', 'gpu'), ('gpu', 'gpu')])
def test_serializer_round_trip_across_devices(cp, tmp_path, save_on, load_on):
    x, t = _data()
    src = MLP()
    opt = optimizers.Adam().setup(src)
    if save_on == 'gpu':
        src.to_gpu()
    xp = src.xp
    for _ in range(3):
        opt.update(_loss, src, xp.asarray(x), xp.asarray(t))
    serializers.save_npz(tmp_path / 'model.npz', src)
    serializers.save_npz(tmp_path / 'opt.npz', opt)

    dst = MLP()
    if load_on == 'gpu':
        dst.to_gpu()
    opt2 = optimizers.Adam().setup(dst)
    serializers.load_npz(tmp_path / 'model.npz', dst)
    serializers.load_npz(tmp_path / 'opt.npz', opt2)
    _assert_on(cp if load_on == 'gpu' else numpy, dst)
    assert opt2.t == 3
    for (path, p), (_, q) in zip(dst.namedparams(), src.namedparams()):
        numpy.testing.assert_array_equal(dbr.backend.to_cpu(p.array), dbr.backend.to_cpu(q.array))
        for key in q.update_rule.state:
            numpy.testing.assert_array_equal(dbr.backend.to_cpu(p.update_rule.state[key]),
                                             dbr.backend.to_cpu(q.update_rule.state[key]),
                                             err_msg=f'{path}/{key}')
    # both continue identically (up to device rounding)
    xd = dst.xp
    opt.update(_loss, src, xp.asarray(x), xp.asarray(t))
    opt2.update(_loss, dst, xd.asarray(x), xd.asarray(t))
    for (path, p), (_, q) in zip(dst.namedparams(), src.namedparams()):
        numpy.testing.assert_allclose(dbr.backend.to_cpu(p.array), dbr.backend.to_cpu(q.array),
                                      rtol=1e-5, atol=1e-6, err_msg=path)


def test_persistent_arrays_move_and_serialize(cp, tmp_path):
    bn = L.BatchNormalization(3)
    bn.to_gpu()
    bn(cp.asarray(numpy.random.randn(5, 3).astype(numpy.float32)))
    assert isinstance(bn.avg_mean, cp.ndarray)
    serializers.save_npz(tmp_path / 'bn.npz', bn)
    host = L.BatchNormalization(3)
    serializers.load_npz(tmp_path / 'bn.npz', host)
    numpy.testing.assert_array_equal(host.avg_mean, cp.asnumpy(bn.avg_mean))
    bn.to_cpu()
    assert isinstance(bn.avg_mean, numpy.ndarray)


# ----- training on a GPU ------------------------------------------------------------------------

def test_short_trainer_run_on_gpu(cp, tmp_path):
    x, t = _data(64)
    model = L.Classifier(MLP())
    optimizer = optimizers.Adam(0.05).setup(model)
    train = dbr.iterators.SerialIterator(dbr.datasets.TupleDataset(x, t), 16)
    test = dbr.iterators.SerialIterator(dbr.datasets.TupleDataset(x, t), 32, repeat=False,
                                        shuffle=False)
    updater = training.StandardUpdater(train, optimizer, device=0)
    trainer = training.Trainer(updater, (5, 'epoch'), out=str(tmp_path))
    trainer.extend(extensions.Evaluator(test, model, device=0))
    trainer.extend(extensions.LogReport())
    trainer.run()
    _assert_on(cp, model)
    log = trainer.get_extension('LogReport').log
    assert len(log) == 5
    assert log[-1]['main/loss'] < log[0]['main/loss']
    assert log[-1]['validation/main/accuracy'] > 0.7


def test_concat_examples_to_a_gpu(cp):
    batch = [(numpy.ones(3, numpy.float32), 1), (numpy.zeros(3, numpy.float32), 2)]
    x, t = dbr.dataset.concat_examples(batch, device=0)
    assert isinstance(x, cp.ndarray) and isinstance(t, cp.ndarray)
    cp.testing.assert_array_equal(t, cp.asarray([1, 2]))


# ----- the None-gradient rule on a GPU ----------------------------------------------------------

ALL_OPTIMIZERS = ['SGD', 'MomentumSGD', 'CorrectedMomentumSGD', 'NesterovAG', 'AdaGrad',
                  'AdaDelta', 'RMSprop', 'RMSpropGraves', 'SMORMS3', 'Adam', 'AdamW', 'AMSGrad',
                  'AdaBound', 'AMSBound']
HOOKS = [None, lambda: dbr.optimizer_hooks.WeightDecay(1e-2),
         lambda: dbr.optimizer_hooks.GradientClipping(0.1), lambda: dbr.optimizer_hooks.Lasso(1e-2)]


@pytest.mark.parametrize('hook', HOOKS)
@pytest.mark.parametrize('name', ALL_OPTIMIZERS)
def test_unused_branch_is_bit_identical_on_gpu(cp, name, hook):
    model = TwoBranches()
    model.to_gpu()
    opt = getattr(optimizers, name)().setup(model)
    if hook is not None:
        opt.add_hook(hook())
    before = {path: p.array.copy() for path, p in model.unused.namedparams()}
    x = cp.asarray(numpy.random.randn(4, 3).astype(numpy.float32))
    for _ in range(3):
        opt.update(lambda: F.sum(model.used(x) ** 2))
    for path, p in model.unused.namedparams():
        cp.testing.assert_array_equal(p.array, before[path])
        assert p.update_rule.state is None and p.update_rule.t == 0
    for _, p in model.used.namedparams():
        assert p.update_rule.t == 3
