import numpy
import pytest

import dbr
import dbr.functions as F
from dbr import optimizer, testing


class Affine(dbr.Link):
    def __init__(self, n_in, n_out):
        super().__init__()
        with self.init_scope():
            self.W = dbr.Parameter(numpy.random.randn(n_out, n_in))
            self.b = dbr.Parameter(numpy.zeros(n_out))

    def forward(self, x):
        return F.matmul(x, self.W, transb=True) + self.b


class GanLike(dbr.Chain):
    """Two branches in one chain: a loss through one leaves the other without gradients."""

    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.gen = Affine(3, 3)
            self.dis = Affine(3, 1)


def _loss(model, x):
    return F.sum(model.dis(x) ** 2)


def test_hyperparameter_fallback_and_get_dict():
    parent = optimizer.Hyperparameter()
    parent.lr = 0.1
    parent.momentum = 0.9
    child = optimizer.Hyperparameter(parent)
    child.lr = 0.5
    assert child.lr == 0.5 and child.momentum == 0.9
    assert child.get_dict() == {'lr': 0.5, 'momentum': 0.9}
    assert 'lr=0.5' in repr(child)
    with pytest.raises(AttributeError, match="'beta' is not defined"):
        child.beta


def test_sgd_update_matches_formula():
    model = Affine(3, 2)
    opt = dbr.optimizers.SGD(lr=0.1).setup(model)
    x = numpy.random.randn(4, 3)
    w0 = model.W.array.copy()
    model.cleargrads()
    F.sum(model(x)).backward()
    g = model.W.grad.copy()
    opt.update()
    testing.assert_allclose(model.W.array, w0 - 0.1 * g, rtol=1e-12, atol=0)
    assert opt.t == 1 and model.W.update_rule.t == 1


def test_update_with_lossfun_clears_and_backprops():
    model = Affine(3, 2)
    opt = dbr.optimizers.SGD(lr=0.1).setup(model)
    x = numpy.random.randn(4, 3)
    model.W.grad = numpy.full_like(model.W.array, 100.0)   # stale: must be cleared
    w0 = model.W.array.copy()
    opt.update(lambda v: F.sum(model(v)), x)
    g = numpy.broadcast_to(x.sum(axis=0), w0.shape)
    testing.assert_allclose(model.W.array, w0 - 0.1 * g)


def test_runtime_lr_change_and_per_parameter_override():
    model = Affine(2, 1)
    opt = dbr.optimizers.SGD(lr=0.1).setup(model)
    opt.lr = 0.0
    model.b.update_rule.hyperparam.lr = 1.0
    w0, b0 = model.W.array.copy(), model.b.array.copy()
    opt.update(lambda: F.sum(model(numpy.ones((1, 2)))))
    testing.assert_allclose(model.W.array, w0, atol=0, rtol=0)
    testing.assert_allclose(model.b.array, b0 - 1.0)
    assert opt.hyperparam.lr == 0.0


def test_none_gradient_parameters_are_skipped_bit_identically():
    model = GanLike()
    opt = dbr.optimizers.SGD(lr=0.1).setup(model)
    before = {p: a.array.copy() for p, a in model.namedparams()}
    opt.update(_loss, model, numpy.random.randn(2, 3))
    for path, param in model.namedparams():
        if path.startswith('/gen'):
            assert param.grad is None
            assert numpy.array_equal(param.array, before[path])
            assert param.update_rule.t == 0 and param.update_rule.state is None
        else:
            assert param.update_rule.t == 1


def test_zerograds_updates_with_zero_but_cleargrads_skips():
    model = GanLike()
    opt = dbr.optimizers.SGD(lr=0.1).setup(model)
    model.zerograds()
    _loss(model, numpy.random.randn(2, 3)).backward()
    opt.update()
    assert model.gen.W.update_rule.t == 1    # a zero gradient is a gradient
    model.cleargrads()
    _loss(model, numpy.random.randn(2, 3)).backward()
    opt.update()
    assert model.gen.W.update_rule.t == 1    # None: skipped


def test_uninitialized_parameters_are_skipped():
    link = dbr.Link()
    with link.init_scope():
        link.W = dbr.Parameter(dbr.initializers.One())
    opt = dbr.optimizers.SGD().setup(link)
    opt.update()
    assert link.W.array is None and link.W.update_rule.t == 0


def test_disabled_rule_does_nothing():
    model = Affine(2, 2)
    opt = dbr.optimizers.SGD(lr=1.0).setup(model)
    model.W.update_rule.enabled = False
    w0 = model.W.array.copy()
    opt.update(lambda: F.sum(model(numpy.ones((1, 2)))))
    assert numpy.array_equal(model.W.array, w0)


def test_hooks_order_timing_and_none_skipping():
    model = GanLike()
    opt = dbr.optimizers.SGD(lr=0.1).setup(model)
    calls = []

    class PerParam:
        name = 'per_param'
        call_for_each_param = True

        def __call__(self, rule, param):
            assert param.grad is not None
            calls.append(('pre', rule.path))

    def post(optimizer):
        calls.append(('post', optimizer.t))

    opt.add_hook(PerParam())
    opt.add_hook(post, timing='post')
    opt.update(_loss, model, numpy.random.randn(2, 3))
    assert calls == [('pre', '/dis/W'), ('pre', '/dis/b'), ('post', 1)]
    with pytest.raises(KeyError, match="'per_param' already exists"):
        opt.add_hook(PerParam())
    opt.remove_hook('per_param')
    with pytest.raises(KeyError, match="no hook named 'per_param'"):
        opt.remove_hook('per_param')
    with pytest.raises(ValueError, match="timing must be"):
        opt.add_hook(post, name='again', timing='later')


def test_hook_that_clears_a_gradient_is_safe():
    model = Affine(2, 2)
    opt = dbr.optimizers.SGD(lr=1.0).setup(model)

    def freeze_bias(optimizer):
        optimizer.target.b.cleargrad()

    opt.add_hook(freeze_bias)
    b0 = model.b.array.copy()
    opt.update(lambda: F.sum(model(numpy.ones((1, 2)))))
    assert numpy.array_equal(model.b.array, b0) and model.b.update_rule.t == 0

    def rule_hook(rule, param):
        param.cleargrad()

    model.W.update_rule.add_hook(rule_hook)
    w0 = model.W.array.copy()
    opt.update(lambda: F.sum(model(numpy.ones((1, 2)))))
    assert numpy.array_equal(model.W.array, w0)


def test_loss_scale_is_divided_before_hooks():
    model = Affine(2, 1)
    opt = dbr.optimizers.SGD(lr=0.5).setup(model)
    seen = []
    opt.add_hook(lambda o: seen.append(o.target.W.grad.copy()), name='spy')
    model.cleargrads()
    F.sum(model(numpy.ones((1, 2)))).backward(loss_scale=1024.0)
    opt.update()
    testing.assert_allclose(seen[0], numpy.ones((1, 2)))
    assert model.W._loss_scale is None


def test_optimizer_loss_scaling_with_lossfun():
    model = Affine(2, 1)
    opt = dbr.optimizers.SGD(lr=0.5).setup(model)
    opt.set_loss_scale(64.0)
    w0 = model.W.array.copy()
    opt.update(lambda: F.sum(model(numpy.ones((1, 2)))))
    testing.assert_allclose(model.W.array, w0 - 0.5)


def test_errors_before_setup_and_bad_target():
    opt = dbr.optimizers.SGD()
    with pytest.raises(RuntimeError, match=r'SGD.update: call setup\(link\) first'):
        opt.update()
    with pytest.raises(TypeError, match='SGD.setup: expected a Link, got int'):
        opt.setup(3)


def test_new_epoch():
    opt = dbr.optimizers.SGD().setup(Affine(1, 1))
    opt.new_epoch()
    assert opt.epoch == 1


def test_rule_hook_clearing_the_gradient_advances_nothing():
    model = Affine(2, 2)
    opt = dbr.optimizers.Adam().setup(model)
    model.W.update_rule.add_hook(lambda rule, param: param.cleargrad(), name='clear')
    w0 = model.W.array.copy()
    opt.update(lambda: F.sum(model(numpy.ones((1, 2)))))
    assert numpy.array_equal(model.W.array, w0)
    assert model.W.update_rule.t == 0 and model.W.update_rule.state is None
    assert model.b.update_rule.t == 1


def test_hyperparameter_chain_lookup_and_dict_follow_updates():
    root = optimizer.Hyperparameter()
    root.lr = 1.0
    mid = optimizer.Hyperparameter(root)
    leaf = optimizer.Hyperparameter(mid)
    root.lr = 2.0
    mid.momentum = 0.5
    assert leaf.lr == 2.0 and leaf.momentum == 0.5
    assert leaf.get_dict() == {'lr': 2.0, 'momentum': 0.5}


@pytest.mark.parametrize('make', [
    lambda: dbr.optimizers.SGD(), lambda: dbr.optimizers.MomentumSGD(),
    lambda: dbr.optimizers.NesterovAG(), lambda: dbr.optimizers.CorrectedMomentumSGD(),
    lambda: dbr.optimizers.AdaGrad(), lambda: dbr.optimizers.AdaDelta(),
    lambda: dbr.optimizers.RMSprop(), lambda: dbr.optimizers.RMSpropGraves(),
    lambda: dbr.optimizers.Adam(amsgrad=True), lambda: dbr.optimizers.SMORMS3()])
def test_zero_dimensional_parameters_are_updated(make):
    link = dbr.Link()
    with link.init_scope():
        link.s = dbr.Parameter(numpy.array(2.0))
    opt = make().setup(link)
    for _ in range(2):
        opt.update(lambda: link.s * link.s)
    assert link.s.shape == () and link.s.array < 2.0
    assert link.s.update_rule.t == 2


class _CopyingDevice(dbr.backend.CpuDevice):
    """A host 'device' whose send copies, so a moved array is a different object."""

    def send(self, arrays):
        return numpy.array(arrays, copy=True)


def test_optimizer_state_follows_the_parameter_to_another_device():
    model = dbr.links.Linear(3, 2)
    opt = dbr.optimizers.Adam().setup(model)
    model.W.grad = numpy.ones((2, 3), numpy.float32)
    model.b.grad = numpy.ones(2, numpy.float32)
    opt.update()
    old = {name: dict(p.update_rule.state) for name, p in model.namedparams()}
    model.to_device(_CopyingDevice())
    for name, p in model.namedparams():
        for key, value in p.update_rule.state.items():
            assert value is not old[name][key]
            numpy.testing.assert_array_equal(value, old[name][key])
    model.W.grad = numpy.ones((2, 3), numpy.float32)
    model.b.grad = numpy.ones(2, numpy.float32)
    opt.update()   # the moved state is the one updated
    assert model.W.update_rule.state['m'] is not old['/W']['m']
    assert not numpy.array_equal(model.W.update_rule.state['m'], old['/W']['m'])
