import numpy
import pytest

import dbr
import dbr.functions as F
from dbr import optimizer_hooks, optimizers, testing


class Affine(dbr.Link):
    def __init__(self, n_in, n_out, dtype=numpy.float64):
        super().__init__()
        with self.init_scope():
            self.W = dbr.Parameter(numpy.random.randn(n_out, n_in).astype(dtype))
            self.b = dbr.Parameter(numpy.random.randn(n_out).astype(dtype))

    def forward(self, x):
        return F.matmul(x, self.W, transb=True) + self.b


class GanLike(dbr.Chain):
    """Two branches in one chain: a loss through one leaves the other without gradients."""

    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.gen = Affine(3, 3)
            self.dis = Affine(3, 1)


def _with_grads(xp, dtype=numpy.float64, scale=1.0):
    """An Affine link on ``xp`` whose params have random grads, set up with SGD(lr=1)."""
    link = Affine(3, 2, dtype)
    if xp is not numpy:
        link.to_gpu()
    for p in link.params():
        p.grad = xp.asarray((numpy.random.randn(*p.shape) * scale).astype(dtype))
    opt = optimizers.SGD(lr=1.0).setup(link)
    return link, opt


def _host_params(link):
    return {path: (dbr.backend.to_cpu(p.array).copy(), dbr.backend.to_cpu(p.grad).copy())
            for path, p in link.namedparams()}


def _run(hook, opt):
    """Calls ``hook`` the way the optimizer does (per parameter, or once)."""
    if hook.call_for_each_param:
        for param in opt.target.params():
            hook(param.update_rule, param)
    else:
        hook(opt)


# ----- each hook's arithmetic against NumPy ----------------------------------------------------

def test_weight_decay_math(xp):
    link, opt = _with_grads(xp)
    before = _host_params(link)
    _run(optimizer_hooks.WeightDecay(0.3), opt)
    for path, p in link.namedparams():
        data, grad = before[path]
        testing.assert_allclose(p.grad, grad + 0.3 * data, rtol=1e-15, atol=0)
        assert numpy.array_equal(dbr.backend.to_cpu(p.array), data)


def test_lasso_math_including_zero_weights(xp):
    link, opt = _with_grads(xp)
    link.b.array[0] = 0  # sign(0) = 0: no pull on an exactly zero weight
    before = _host_params(link)
    _run(optimizer_hooks.Lasso(0.3), opt)
    for path, p in link.namedparams():
        data, grad = before[path]
        testing.assert_allclose(p.grad, grad + 0.3 * numpy.sign(data), rtol=1e-15, atol=0)
    testing.assert_allclose(link.b.grad[0], before['/b'][1][0], rtol=0, atol=0)


def test_gradient_hard_clipping_math(xp):
    link, opt = _with_grads(xp)
    link.W.grad[0] = xp.asarray([-2.0, 0.2, 3.0])  # beyond both bounds and inside
    before = _host_params(link)
    _run(optimizer_hooks.GradientHardClipping(-0.5, 1.0), opt)
    for path, p in link.namedparams():
        clipped = numpy.clip(before[path][1], -0.5, 1.0)
        assert numpy.array_equal(dbr.backend.to_cpu(p.grad), clipped)


@pytest.mark.parametrize('threshold', [0.5, 1e3])
def test_gradient_clipping_math(xp, threshold):
    link, opt = _with_grads(xp)
    before = _host_params(link)
    norm = numpy.sqrt(sum((g ** 2).sum() for _, g in before.values()))
    _run(optimizer_hooks.GradientClipping(threshold), opt)
    rate = min(threshold / norm, 1.0)
    for path, p in link.namedparams():
        testing.assert_allclose(p.grad, before[path][1] * rate, rtol=1e-14, atol=0)
    total = numpy.sqrt(sum((dbr.backend.to_cpu(p.grad) ** 2).sum() for p in link.params()))
    assert total == pytest.approx(min(norm, threshold), rel=1e-12)


def test_gradient_clipping_below_threshold_and_zero_grads_are_untouched():
    link, opt = _with_grads(numpy)
    before = _host_params(link)
    _run(optimizer_hooks.GradientClipping(1e3), opt)
    assert all(numpy.array_equal(p.grad, before[path][1]) for path, p in link.namedparams())
    link.zerograds()
    _run(optimizer_hooks.GradientClipping(1.0), opt)  # norm 0: no division by zero
    assert all(not p.grad.any() for p in link.params())


def test_gradient_clipping_keeps_float32():
    link, opt = _with_grads(numpy, numpy.float32, scale=10.0)
    _run(optimizer_hooks.GradientClipping(1.0), opt)
    assert all(p.grad.dtype == numpy.float32 for p in link.params())
    norm = numpy.sqrt(sum((p.grad.astype(numpy.float64) ** 2).sum() for p in link.params()))
    assert norm == pytest.approx(1.0, rel=1e-6)


def test_gradient_clipping_norm_ignores_parameters_without_grads():
    model = GanLike()
    opt = optimizers.SGD(lr=0.0).setup(model)
    model.cleargrads()
    _loss = F.sum(model.dis(numpy.random.randn(4, 3) * 10) ** 2)
    _loss.backward()
    dis_grads = [p.grad.copy() for p in model.dis.params()]
    norm = numpy.sqrt(sum((g ** 2).sum() for g in dis_grads))
    _run(optimizer_hooks.GradientClipping(1.0), opt)
    for p, g in zip(model.dis.params(), dis_grads):
        testing.assert_allclose(p.grad, g / norm, rtol=1e-14, atol=0)
    assert all(p.grad is None for p in model.gen.params())


@pytest.mark.parametrize('weight_decay', [0.0, 0.2])
def test_gradient_lars_math(xp, weight_decay):
    link, opt = _with_grads(xp)
    link.b.array[...] = 1e-3  # norm below the threshold: rate 1
    before = _host_params(link)
    _run(optimizer_hooks.GradientLARS(threshold=1e-2, weight_decay=weight_decay, eps=1e-3), opt)
    for path, p in link.namedparams():
        data, grad = before[path]
        p_norm, g_norm = numpy.linalg.norm(data), numpy.linalg.norm(grad)
        rate = p_norm / (1e-3 + g_norm + weight_decay * p_norm) if p_norm > 1e-2 else 1.0
        testing.assert_allclose(p.grad, (grad + weight_decay * data) * rate, rtol=1e-14, atol=0)


def test_gradient_lars_keeps_float32():
    link, opt = _with_grads(numpy, numpy.float32)
    _run(optimizer_hooks.GradientLARS(weight_decay=0.1), opt)
    assert all(p.grad.dtype == numpy.float32 for p in link.params())


def test_gradient_noise_is_annealed_gaussian_by_rule_t():
    link, opt = _with_grads(numpy)
    link.W.update_rule.t = 4
    link.b.update_rule.t = 0
    before = _host_params(link)
    numpy.random.seed(3)
    _run(optimizer_hooks.GradientNoise(0.3), opt)
    numpy.random.seed(3)
    for path, t in (('/W', 4), ('/b', 0)):
        data, grad = before[path]
        noise = numpy.random.normal(0, numpy.sqrt(0.3 / (1 + t) ** 0.55), grad.shape)
        testing.assert_allclose(getattr(link, path[1:]).grad, grad + noise, rtol=1e-14, atol=0)


def test_gradient_noise_custom_function_gets_hook_and_rule():
    link, opt = _with_grads(numpy)
    seen = []

    def ones(xp, shape, dtype, hook, rule):
        seen.append((hook.eta, rule.path, dtype))
        return xp.ones(shape, dtype)

    before = _host_params(link)
    _run(optimizer_hooks.GradientNoise(0.5, noise_func=ones), opt)
    assert seen == [(0.5, '/W', numpy.float64), (0.5, '/b', numpy.float64)]
    assert all(numpy.array_equal(p.grad, before[path][1] + 1)
               for path, p in link.namedparams())


def test_exponential_decay_noise_shape_dtype_and_scale():
    rule = optimizers.SGDRule(lr=0.1)
    rule.t = 9
    noise = optimizer_hooks.exponential_decay_noise(
        numpy, (20000,), numpy.float32, optimizer_hooks.GradientNoise(2.0), rule)
    assert noise.shape == (20000,) and noise.dtype == numpy.float32
    assert noise.std() == pytest.approx(numpy.sqrt(2.0 / 10 ** 0.55), rel=0.03)


# ----- through optimizer.update: timing, order, loss scaling ----------------------------------

def test_weight_decay_through_sgd_update():
    link = Affine(3, 2)
    opt = optimizers.SGD(lr=0.5).setup(link)
    opt.add_hook(optimizer_hooks.WeightDecay(0.1))
    x = numpy.random.randn(4, 3)
    w0 = link.W.array.copy()
    link.cleargrads()
    F.sum(link(x)).backward()
    g = link.W.grad.copy()
    opt.update()
    testing.assert_allclose(link.W.array, w0 - 0.5 * (g + 0.1 * w0), rtol=1e-14, atol=0)


def test_post_timing_runs_after_the_update():
    link = Affine(3, 2)
    opt = optimizers.SGD(lr=0.5).setup(link)
    hook = optimizer_hooks.WeightDecay(0.1)
    hook.timing = 'post'
    opt.add_hook(hook)
    w0 = link.W.array.copy()
    g = numpy.random.randn(*w0.shape)
    link.W.grad = g.copy()
    opt.update()
    testing.assert_allclose(link.W.array, w0 - 0.5 * g, rtol=1e-15, atol=0)
    testing.assert_allclose(link.W.grad, g + 0.1 * link.W.array, rtol=1e-15, atol=0)


def test_weight_decay_is_applied_after_loss_scale_division():
    link = Affine(3, 2)
    opt = optimizers.SGD(lr=1.0).setup(link)
    opt.add_hook(optimizer_hooks.WeightDecay(0.1))
    opt.set_loss_scale(1024.0)
    x = numpy.random.randn(4, 3)
    w0 = link.W.array.copy()
    g = numpy.broadcast_to(x.sum(axis=0), w0.shape)
    opt.update(lambda: F.sum(link(x)))
    testing.assert_allclose(link.W.array, w0 - (g + 0.1 * w0), rtol=1e-13, atol=1e-15)


def test_hooks_on_an_update_rule():
    link = Affine(3, 2)
    opt = optimizers.SGD(lr=1.0).setup(link)
    link.W.update_rule.add_hook(optimizer_hooks.WeightDecay(0.1))
    link.W.update_rule.add_hook(optimizer_hooks.GradientHardClipping(-1e-3, 1e-3))
    w0, b0 = link.W.array.copy(), link.b.array.copy()
    g = numpy.random.randn(*w0.shape)
    link.W.grad, link.b.grad = g.copy(), numpy.ones_like(b0)
    opt.update()
    testing.assert_allclose(link.W.array, w0 - numpy.clip(g + 0.1 * w0, -1e-3, 1e-3),
                            rtol=1e-15, atol=0)
    testing.assert_allclose(link.b.array, b0 - 1, rtol=1e-15, atol=0)


# ----- exclude, skipping, attributes ----------------------------------------------------------

_EXCLUDABLE = {
    'WeightDecay': lambda **kw: optimizer_hooks.WeightDecay(0.1, **kw),
    'Lasso': lambda **kw: optimizer_hooks.Lasso(0.1, **kw),
    'GradientClipping': lambda **kw: optimizer_hooks.GradientClipping(1e-3, **kw),
    'GradientHardClipping': lambda **kw: optimizer_hooks.GradientHardClipping(-1e-3, 1e-3, **kw),
    'GradientNoise': lambda **kw: optimizer_hooks.GradientNoise(0.1, **kw),
    'GradientLARS': lambda **kw: optimizer_hooks.GradientLARS(weight_decay=0.1, **kw),
}


@pytest.mark.parametrize('name', sorted(_EXCLUDABLE))
def test_exclude_leaves_matching_paths_alone(name):
    model = GanLike()
    opt = optimizers.SGD(lr=0.0).setup(model)
    opt.add_hook(_EXCLUDABLE[name](exclude=lambda path: path.endswith('/b')))
    model.zerograds()
    for p in model.params():
        p.grad = numpy.random.randn(*p.shape) * 10
    before = _host_params(model)
    opt.update()
    for path, p in model.namedparams():
        assert numpy.array_equal(p.grad, before[path][1]) == path.endswith('/b'), path


@pytest.mark.parametrize('name', sorted(_EXCLUDABLE))
def test_hooks_skip_params_without_grad_or_data(name):
    link = dbr.Link()
    with link.init_scope():
        link.lazy = dbr.Parameter(dbr.initializers.One('float64'))
        link.unused = dbr.Parameter(numpy.ones(3))
        link.used = dbr.Parameter(numpy.ones(3))
    opt = optimizers.SGD(lr=0.0).setup(link)
    hook = _EXCLUDABLE[name]()
    link.used.grad = numpy.full(3, 5.0)
    # called directly, bypassing the optimizer's own skipping
    if hook.call_for_each_param:
        for param in link.params():
            hook(param.update_rule, param)
    else:
        hook(opt)
    assert link.lazy.array is None and link.lazy.grad is None
    assert link.unused.grad is None
    assert not numpy.array_equal(link.used.grad, numpy.full(3, 5.0))


def test_exclude_is_keyword_only_and_must_be_callable():
    with pytest.raises(TypeError):
        optimizer_hooks.WeightDecay(0.1, lambda path: True)
    with pytest.raises(TypeError, match='WeightDecay: exclude must be a predicate'):
        optimizer_hooks.WeightDecay(0.1, exclude='/b')


@pytest.mark.parametrize('hook, name, per_param', [
    (optimizer_hooks.WeightDecay(1.0), 'WeightDecay', True),
    (optimizer_hooks.Lasso(1.0), 'Lasso', True),
    (optimizer_hooks.GradientClipping(1.0), 'GradientClipping', False),
    (optimizer_hooks.GradientHardClipping(-1, 1), 'GradientHardClipping', True),
    (optimizer_hooks.GradientNoise(1.0), 'GradientNoise', True),
    (optimizer_hooks.GradientLARS(), 'GradientLARS', True),
])
def test_hook_attributes_match_chainer(hook, name, per_param):
    assert hook.name == name and hook.timing == 'pre'
    assert hook.call_for_each_param is per_param


def test_gradient_lars_defaults():
    hook = optimizer_hooks.GradientLARS()
    assert (hook.threshold, hook.weight_decay, hook.eps) == (1e-2, 0.0, 1e-9)


def test_two_hooks_of_one_kind_need_distinct_names():
    opt = optimizers.SGD().setup(Affine(2, 2))
    opt.add_hook(optimizer_hooks.WeightDecay(1e-4))
    with pytest.raises(KeyError, match="'WeightDecay' already exists"):
        opt.add_hook(optimizer_hooks.WeightDecay(1e-3))
    opt.add_hook(optimizer_hooks.WeightDecay(1e-3), name='decay2')


@pytest.mark.parametrize('name', ['WeightDecay', 'Lasso', 'GradientClipping',
                                  'GradientHardClipping', 'GradientNoise'])
def test_chainer_aliases_in_dbr_optimizer(name):
    assert getattr(dbr.optimizer, name) is getattr(optimizer_hooks, name)
    namespace = {}
    exec(f'from dbr.optimizer import {name}', namespace)
    assert namespace[name] is getattr(optimizer_hooks, name)


def test_unknown_optimizer_attribute_still_raises():
    with pytest.raises(AttributeError, match="'dbr.optimizer' has no attribute 'GradientLARS'"):
        dbr.optimizer.GradientLARS
