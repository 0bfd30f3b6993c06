import copy

import numpy
import pytest

import dbr
import dbr.functions as F
from dbr import testing


class Affine(dbr.Link):
    def __init__(self, n_in, n_out):
        super().__init__()
        with self.init_scope():
            self.W = dbr.Parameter(numpy.random.randn(n_out, n_in).astype(numpy.float32))
            self.b = dbr.Parameter(dbr.initializers.Zero(), (n_out,))
        self.add_persistent('calls', 0)

    def forward(self, x):
        self.calls += 1
        return F.matmul(x, self.W, transb=True) + self.b


class Lazy(dbr.Link):
    def __init__(self, n_out):
        super().__init__()
        self.n_out = n_out
        with self.init_scope():
            self.W = dbr.Parameter(dbr.initializers.One())

    def forward(self, x):
        if self.W.array is None:
            self.W.initialize((self.n_out, x.shape[1]))
        return F.matmul(x, self.W, transb=True)


class MLP(dbr.Chain):
    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.l1 = Affine(3, 4)
            self.l2 = Affine(4, 2)

    def forward(self, x):
        return self.l2(F.relu(self.l1(x)))


def test_init_scope_registers_parameters_and_names_them():
    link = Affine(3, 2)
    assert [name for name, _ in link.namedparams()] == ['/W', '/b']
    assert link.W.name == 'W' and link.b.name == 'b'
    assert not link.within_init_scope


def test_assignment_outside_init_scope_does_not_register():
    link = Affine(3, 2)
    link.extra = dbr.Parameter(numpy.zeros(2))
    assert '/extra' not in dict(link.namedparams())


def test_chain_paths_links_and_children():
    model = MLP()
    assert [p for p, _ in model.namedparams()] == ['/l1/W', '/l1/b', '/l2/W', '/l2/b']
    assert [p for p, _ in model.namedlinks()] == ['/', '/l1', '/l2']
    assert [p for p, _ in model.namedlinks(skipself=True)] == ['/l1', '/l2']
    assert list(model.children()) == [model.l1, model.l2]
    assert model['l1'] is model.l1 and model.l1.name == 'l1'
    assert model.count_params() == 3 * 4 + 4 + 4 * 2 + 2


def test_chain_refuses_to_shadow_an_attribute():
    class Bad(dbr.Chain):
        def __init__(self):
            super().__init__()
            with self.init_scope():
                self.cleargrads = Affine(2, 2)

    with pytest.raises(AttributeError, match="cannot register link 'cleargrads'"):
        Bad()


def test_delattr_unregisters():
    model = MLP()
    del model.l2
    assert [p for p, _ in model.namedlinks()] == ['/', '/l1']
    del model.l1.b
    assert [p for p, _ in model.namedparams()] == ['/l1/W']


def test_add_param_and_persistent():
    link = dbr.Link()
    link.add_param('W', (2, 3), initializer=dbr.initializers.One())
    link.add_param('u')
    link.add_persistent('mean', numpy.zeros(3))
    assert link.W.shape == (2, 3) and link.u.array is None
    assert set(link._persistent) == {'mean'}
    with pytest.raises(AttributeError, match="cannot register 'W'"):
        link.add_param('W', (1,))
    link.counter = 3
    link.register_persistent('counter')
    assert 'counter' in link._persistent
    with pytest.raises(AttributeError, match='no attribute'):
        link.register_persistent('nothing')


def test_lazy_parameter_initializes_on_first_call():
    link = Lazy(2)
    assert list(link.params(include_uninit=False)) == []
    assert link.count_params() == 0
    y = link(numpy.ones((1, 5), numpy.float32))
    assert link.W.shape == (2, 5) and y.shape == (1, 2)


def test_cleargrads_zerograds_addgrads():
    model = MLP()
    x = numpy.random.randn(5, 3).astype(numpy.float32)
    F.sum(model(x)).backward()
    assert all(p.grad is not None for p in model.params())
    other = model.copy('copy')
    other.cleargrads()
    F.sum(other(x)).backward()
    model.addgrads(other)
    testing.assert_allclose(model.l1.W.grad, 2 * other.l1.W.grad)
    model.cleargrads()
    assert all(p.grad is None for p in model.params())
    model.zerograds()
    assert all((p.grad == 0).all() for p in model.params())


def test_copy_share_copy_and_init():
    model = MLP()
    model.l1.W.grad = numpy.ones_like(model.l1.W.array)
    shared = model.copy('share')
    assert shared.l1.W is not model.l1.W and shared.l1.W.array is model.l1.W.array
    assert shared.l1.W.grad is None and shared.l1 is not model.l1
    assert [p for p, _ in shared.namedparams()] == [p for p, _ in model.namedparams()]
    deep = model.copy('copy')
    assert deep.l1.W.array is not model.l1.W.array
    testing.assert_allclose(deep.l1.W.array, model.l1.W.array)
    init = model.copy('init')
    testing.assert_allclose(init.l1.b.array, numpy.zeros(4))
    with pytest.raises(ValueError, match="mode must be 'share', 'copy' or 'init'"):
        model.copy('clone')


def test_copyparams_copies_values_and_persistents():
    a, b = MLP(), MLP()
    a.l1.calls = 7
    b.copyparams(a)
    for pa, pb in zip(a.params(), b.params()):
        testing.assert_allclose(pa.array, pb.array)
        assert pa.array is not pb.array
    assert b.l1.calls == 7


def test_chainlist_and_sequential():
    layers = dbr.ChainList(Affine(3, 4), Affine(4, 2))
    assert len(layers) == 2 and layers[1].name == '1'
    assert [p for p, _ in layers.namedparams()] == ['/0/W', '/0/b', '/1/W', '/1/b']
    layers.append(Affine(2, 2))
    assert [p for p, _ in layers.namedlinks(skipself=True)] == ['/0', '/1', '/2']
    seq = dbr.Sequential(Affine(3, 4), F.relu, Affine(4, 2))
    x = numpy.random.randn(2, 3).astype(numpy.float32)
    ref = seq[2](F.relu(seq[0](x)))
    testing.assert_allclose(seq(x).array, ref.array)
    assert len(seq) == 3 and [p for p, _ in seq.namedlinks(skipself=True)] == ['/0', '/1']
    with pytest.raises(TypeError, match='layers must be links or callables'):
        seq.append(3)


def test_chainlist_rejects_attribute_registration():
    cl = dbr.ChainList()
    with pytest.raises(TypeError, match='add_link'):
        with cl.init_scope():
            cl.x = Affine(2, 2)


def test_repeat_makes_independent_copies():
    block = Affine(3, 3)
    seq = block.repeat(3)
    assert len(seq) == 3
    assert seq[0].W is not seq[1].W
    shared = block.repeat(2, mode='share')
    assert shared[0].W.array is block.W.array


def test_disable_and_enable_update():
    model = MLP()
    opt = dbr.optimizers.SGD(lr=1.0).setup(model)
    model.l1.disable_update()
    assert not model.l1.update_enabled and model.l2.update_enabled
    before = model.l1.W.array.copy()
    opt.update(lambda: F.sum(model(numpy.ones((1, 3), numpy.float32))))
    testing.assert_allclose(model.l1.W.array, before, atol=0, rtol=0)
    model.l1.enable_update()
    opt.update(lambda: F.sum(model(numpy.ones((1, 3), numpy.float32))))
    assert not numpy.array_equal(model.l1.W.array, before)


def test_device_and_xp_and_to_cpu():
    model = MLP()
    assert model.xp is numpy and model.device == dbr.get_device('@numpy')
    assert model.to_cpu() is model
    assert model.to_device('@numpy') is model


def test_repr_shows_the_tree():
    text = repr(dbr.Sequential(MLP(), F.relu))
    assert text.splitlines() == ['Sequential(', '  (0): MLP(', '    (l1): Affine()',
                                 '    (l2): Affine()', '  )', '  (1): relu', ')']


def test_call_goes_to_forward_and_missing_forward_raises():
    with pytest.raises(NotImplementedError, match='Link does not implement forward'):
        dbr.Link()(1)


def test_deepcopy_of_parameter_leaves_graph_behind():
    p = dbr.Parameter(numpy.ones(2))
    F.sum(p * 2).backward()
    q = copy.deepcopy(p)
    assert q.creator is None and q.array is not p.array
    testing.assert_allclose(q.grad, p.grad)


@pytest.mark.gpu
def test_to_gpu_moves_parameters_and_persistents():
    import cupy
    model = MLP()
    model.l1.add_persistent('stat', numpy.zeros(3))
    model.to_gpu()
    assert model.xp is cupy
    assert all(isinstance(p.array, cupy.ndarray) for p in model.params())
    assert isinstance(model.l1.stat, cupy.ndarray)
    y = model(cupy.ones((2, 3), numpy.float32))
    F.sum(y).backward()
    assert isinstance(model.l1.W.grad, cupy.ndarray)
    model.to_cpu()
    assert isinstance(model.l1.W.grad, numpy.ndarray) and isinstance(model.l1.stat, numpy.ndarray)
