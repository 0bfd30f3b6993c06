import math

import numpy
import pytest

import dbr
import dbr.functions as F
from dbr import optimizers, optimizer_hooks, serializers, testing


class Affine(dbr.Link):
    def __init__(self, n_in, n_out):
        super().__init__()
        with self.init_scope():
            self.W = dbr.Parameter(numpy.random.randn(n_out, n_in))
            self.b = dbr.Parameter(numpy.random.randn(n_out) * 0.1)

    def forward(self, x):
        return F.matmul(x, self.W, transb=True) + self.b


class GanLike(dbr.Chain):
    """Two branches in one chain: a loss through one leaves the other without gradients."""

    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.gen = Affine(3, 3)
            self.dis = Affine(3, 1)


def _dis_loss(model, x):
    return F.sum(model.dis(x) ** 2)


class Single(dbr.Link):
    """One parameter whose gradient each test sets by hand."""

    def __init__(self, data):
        super().__init__()
        with self.init_scope():
            self.W = dbr.Parameter(data)


# ----- NumPy references of every update (textbook formulas, float64) ----------------------------

def _ref_sgd(p, g, s, t, lr):
    p -= lr * g


def _ref_momentum_sgd(p, g, s, t, lr, momentum):
    s['v'] = momentum * s.get('v', 0) - lr * g
    p += s['v']


def _ref_corrected_momentum_sgd(p, g, s, t, lr, momentum):
    s['v'] = momentum * s.get('v', 0) - g
    p += lr * s['v']


def _ref_nesterov_ag(p, g, s, t, lr, momentum):
    s['v'] = momentum * s.get('v', 0) - lr * g
    p += momentum ** 2 * s['v'] - (1 + momentum) * lr * g


def _ref_ada_grad(p, g, s, t, lr, eps):
    s['h'] = s.get('h', 0) + g ** 2
    p -= lr * g / (numpy.sqrt(s['h']) + eps)


def _ref_ada_delta(p, g, s, t, rho, eps):
    s['msg'] = rho * s.get('msg', 0) + (1 - rho) * g ** 2
    dx = numpy.sqrt((s.get('msdx', 0) + eps) / (s['msg'] + eps)) * g
    s['msdx'] = rho * s.get('msdx', 0) + (1 - rho) * dx ** 2
    p -= dx


def _ref_rmsprop(p, g, s, t, lr, alpha, eps, eps_inside_sqrt):
    s['ms'] = alpha * s.get('ms', 0) + (1 - alpha) * g ** 2
    denom = numpy.sqrt(s['ms'] + eps) if eps_inside_sqrt else numpy.sqrt(s['ms']) + eps
    p -= lr * g / denom


def _ref_rmsprop_graves(p, g, s, t, lr, alpha, momentum, eps):
    s['n'] = alpha * s.get('n', 0) + (1 - alpha) * g ** 2
    s['g'] = alpha * s.get('g', 0) + (1 - alpha) * g
    s['delta'] = momentum * s.get('delta', 0) - lr * g / numpy.sqrt(s['n'] - s['g'] ** 2 + eps)
    p += s['delta']


def _ref_smorms3(p, g, s, t, lr, eps):
    mem = s.get('mem', 1.0)
    r = 1 / (mem + 1)
    s['g'] = (1 - r) * s.get('g', 0) + r * g
    s['g2'] = (1 - r) * s.get('g2', 0) + r * g ** 2
    x = s['g'] ** 2 / (s['g2'] + eps)
    p -= g * numpy.minimum(x, lr) / (numpy.sqrt(s['g2']) + eps)
    s['mem'] = 1 + mem * (1 - x)


def _ref_adam(p, g, s, t, alpha=0.001, beta1=0.9, beta2=0.999, eps=1e-8, eta=1.0,
              weight_decay_rate=0.0, amsgrad=False, adabound=False, final_lr=0.1, gamma=1e-3):
    s['m'] = beta1 * s.get('m', 0) + (1 - beta1) * g
    s['v'] = beta2 * s.get('v', 0) + (1 - beta2) * g ** 2
    v = s['v']
    if amsgrad:
        v = s['vhat'] = numpy.maximum(s.get('vhat', 0), v)
    alpha_t = alpha * math.sqrt(1 - beta2 ** t) / (1 - beta1 ** t)
    step = alpha_t / (numpy.sqrt(v) + eps)
    if adabound:
        lower = final_lr * (1 - 1 / (gamma * t + 1))
        upper = final_lr * (1 + 1 / (gamma * t))
        s.setdefault('clipped', []).append(((step < lower) | (step > upper)).sum())
        step = numpy.clip(step, lower, upper)
    p -= eta * (step * s['m'] + weight_decay_rate * p)


# (optimizer factory, reference, reference hyperparameters); nondefault values where the
# formula would otherwise hide a term (e.g. a large eps shows where it is added)
FORMULA_CASES = {
    'SGD': (lambda: optimizers.SGD(lr=0.1), _ref_sgd, dict(lr=0.1)),
    'MomentumSGD': (lambda: optimizers.MomentumSGD(lr=0.1, momentum=0.8), _ref_momentum_sgd,
                    dict(lr=0.1, momentum=0.8)),
    'CorrectedMomentumSGD': (lambda: optimizers.CorrectedMomentumSGD(lr=0.1, momentum=0.8),
                             _ref_corrected_momentum_sgd, dict(lr=0.1, momentum=0.8)),
    'NesterovAG': (lambda: optimizers.NesterovAG(lr=0.1, momentum=0.8), _ref_nesterov_ag,
                   dict(lr=0.1, momentum=0.8)),
    'AdaGrad': (lambda: optimizers.AdaGrad(lr=0.1, eps=0.1), _ref_ada_grad,
                dict(lr=0.1, eps=0.1)),
    'AdaDelta': (lambda: optimizers.AdaDelta(rho=0.8, eps=0.1), _ref_ada_delta,
                 dict(rho=0.8, eps=0.1)),
    'RMSprop': (lambda: optimizers.RMSprop(lr=0.1, alpha=0.8, eps=0.1), _ref_rmsprop,
                dict(lr=0.1, alpha=0.8, eps=0.1, eps_inside_sqrt=False)),
    'RMSprop-eps_inside_sqrt': (
        lambda: optimizers.RMSprop(lr=0.1, alpha=0.8, eps=0.1, eps_inside_sqrt=True),
        _ref_rmsprop, dict(lr=0.1, alpha=0.8, eps=0.1, eps_inside_sqrt=True)),
    'RMSpropGraves': (lambda: optimizers.RMSpropGraves(lr=0.1, alpha=0.8, momentum=0.7, eps=0.1),
                      _ref_rmsprop_graves, dict(lr=0.1, alpha=0.8, momentum=0.7, eps=0.1)),
    'SMORMS3': (lambda: optimizers.SMORMS3(lr=0.3, eps=0.1), _ref_smorms3,
                dict(lr=0.3, eps=0.1)),
    'Adam': (lambda: optimizers.Adam(alpha=0.1, beta1=0.8, beta2=0.7, eps=0.1), _ref_adam,
             dict(alpha=0.1, beta1=0.8, beta2=0.7, eps=0.1)),
    'Adam-eta-weight_decay_rate': (
        lambda: optimizers.Adam(alpha=0.1, beta1=0.8, beta2=0.7, eta=0.5, weight_decay_rate=0.2),
        _ref_adam, dict(alpha=0.1, beta1=0.8, beta2=0.7, eta=0.5, weight_decay_rate=0.2)),
    'Adam-amsgrad': (lambda: optimizers.Adam(alpha=0.1, beta1=0.8, beta2=0.7, amsgrad=True),
                     _ref_adam, dict(alpha=0.1, beta1=0.8, beta2=0.7, amsgrad=True)),
    'Adam-adabound': (
        lambda: optimizers.Adam(alpha=0.1, beta1=0.8, adabound=True, final_lr=0.3, gamma=0.5),
        _ref_adam, dict(alpha=0.1, beta1=0.8, adabound=True, final_lr=0.3, gamma=0.5)),
    'Adam-amsbound-all': (
        lambda: optimizers.Adam(alpha=0.1, beta1=0.8, beta2=0.7, eps=0.01, eta=0.7,
                                weight_decay_rate=0.1, amsgrad=True, adabound=True,
                                final_lr=0.3, gamma=0.5),
        _ref_adam, dict(alpha=0.1, beta1=0.8, beta2=0.7, eps=0.01, eta=0.7,
                        weight_decay_rate=0.1, amsgrad=True, adabound=True, final_lr=0.3,
                        gamma=0.5)),
    'AdamW': (lambda: optimizers.AdamW(alpha=0.1, eta=0.5, weight_decay_rate=0.2), _ref_adam,
              dict(alpha=0.1, eta=0.5, weight_decay_rate=0.2)),
    'AMSGrad': (lambda: optimizers.AMSGrad(alpha=0.1, beta2=0.7), _ref_adam,
                dict(alpha=0.1, beta2=0.7, amsgrad=True)),
    'AdaBound': (lambda: optimizers.AdaBound(alpha=0.1, final_lr=0.3, gamma=0.5), _ref_adam,
                 dict(alpha=0.1, adabound=True, final_lr=0.3, gamma=0.5)),
    'AMSBound': (lambda: optimizers.AMSBound(alpha=0.1, beta2=0.7, final_lr=0.3, gamma=0.5),
                 _ref_adam, dict(alpha=0.1, beta2=0.7, amsgrad=True, adabound=True,
                                 final_lr=0.3, gamma=0.5)),
}


def _grads(n, shape):
    # magnitudes spread over decades so AdaBound clips on both sides and AMSGrad's max matters
    return [numpy.random.randn(*shape) * 10.0 ** numpy.random.uniform(-2, 1, shape)
            for _ in range(n)]


@pytest.mark.parametrize('case', sorted(FORMULA_CASES))
def test_update_matches_numpy_reference_over_three_steps(case, xp):
    make, ref, hp = FORMULA_CASES[case]
    p0 = numpy.random.randn(4, 5)
    grads = _grads(3, p0.shape)
    link = Single(p0.copy())
    if xp is not numpy:
        link.to_gpu()
    opt = make().setup(link)
    expected, state = p0.copy(), {}
    for t, g in enumerate(grads, 1):
        link.W.grad = xp.asarray(g)
        opt.update()
        ref(expected, g, state, t, **hp)
        testing.assert_allclose(link.W.array, expected, rtol=1e-12, atol=1e-14)
    assert opt.t == 3 and link.W.update_rule.t == 3
    if hp.get('adabound'):
        assert sum(state['clipped']) > 0  # the bounds were active in this test


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float16])
def test_adam_low_precision_keeps_dtype_and_follows_reference(dtype):
    p0 = numpy.random.randn(3, 4)
    grads = _grads(3, p0.shape)
    link = Single(p0.astype(dtype))
    opt = optimizers.Adam(alpha=0.01, eps=1e-3).setup(link)
    expected, state = p0.copy(), {}
    for t, g in enumerate(grads, 1):
        link.W.grad = g.astype(dtype)
        opt.update()
        _ref_adam(expected, g.astype(dtype).astype(numpy.float64), state, t, alpha=0.01,
                  eps=1e-3)
    assert link.W.array.dtype == dtype
    assert all(a.dtype == dtype for a in link.W.update_rule.state.values())
    tol = 1e-5 if dtype == numpy.float32 else 2e-3
    testing.assert_allclose(link.W.array, expected, rtol=tol, atol=tol)


def test_adam_float16_default_eps_stays_finite():
    # eps=1e-8 is 0 in float16: the step must be computed in float32.
    link = Single(numpy.ones(3, numpy.float16))
    opt = optimizers.Adam().setup(link)
    link.W.grad = numpy.array([0, 1, 0.5], numpy.float16)
    opt.update()
    assert numpy.isfinite(link.W.array).all()
    testing.assert_allclose(link.W.array, [1, 1 - 1e-3, 1 - 1e-3], atol=1e-3, rtol=0)


@pytest.mark.parametrize('make, name', [(lambda: optimizers.Adam(), 'Adam'),
                                        (lambda: optimizers.RMSprop(), 'RMSprop')])
def test_eps_that_underflows_in_float16_is_an_error(make, name):
    link = Single(numpy.ones(3, numpy.float16))
    opt = make().setup(link)
    opt.hyperparam.eps = 1e-10
    link.W.grad = numpy.ones(3, numpy.float16)
    if name == 'Adam':
        # Adam computes in float32 for float16 parameters, where 1e-10 is fine
        opt.update()
        opt.hyperparam.eps = 1e-50
    with pytest.raises(ValueError, match=rf'{name}: eps=1e-\d+ is too small for float'):
        link.W.grad = numpy.ones(3, numpy.float16)
        opt.update()


def test_adam_alpha_t_and_lr_properties():
    link = Single(numpy.zeros(2))
    opt = optimizers.Adam(alpha=0.01, beta1=0.8, beta2=0.9).setup(link)
    with pytest.raises(RuntimeError, match=r'Adam.alpha_t: .*before the first update'):
        opt.lr
    with pytest.raises(RuntimeError, match=r'AdamRule.alpha_t: .*before the first update'):
        link.W.update_rule.alpha_t
    for t in (1, 2):
        link.W.grad = numpy.ones(2)
        opt.update()
        expected = 0.01 * math.sqrt(1 - 0.9 ** t) / (1 - 0.8 ** t)
        assert opt.lr == pytest.approx(expected, rel=1e-15)
        assert opt.alpha_t == opt.lr == link.W.update_rule.alpha_t == link.W.update_rule.lr
    opt.alpha = 0.02
    assert opt.lr == pytest.approx(2 * expected, rel=1e-15)
    with pytest.raises(AttributeError):
        opt.lr = 0.1


def test_adabound_bounds_follow_alpha_and_are_undefined_at_t0():
    link = Single(numpy.zeros(2))
    opt = optimizers.AdaBound(alpha=0.01, final_lr=0.2, gamma=0.5).setup(link)
    rule = link.W.update_rule
    with pytest.raises(RuntimeError, match='AdamRule.bounds: .*before the first update'):
        rule.bounds
    link.W.grad = numpy.ones(2)
    opt.update()
    assert rule.bounds == pytest.approx((0.2 * (1 - 1 / 1.5), 0.2 * 3))
    opt.alpha = 0.005  # a schedule on alpha moves final_lr with it
    assert rule.bounds == pytest.approx((0.1 * (1 - 1 / 1.5), 0.1 * 3))


# optimizers with the name of their main rate hyperparameter
RATES = [('SGD', 'lr'), ('MomentumSGD', 'lr'), ('CorrectedMomentumSGD', 'lr'),
         ('NesterovAG', 'lr'), ('AdaGrad', 'lr'), ('RMSprop', 'lr'), ('RMSpropGraves', 'lr'),
         ('SMORMS3', 'lr'), ('Adam', 'alpha'), ('AdamW', 'eta'), ('AMSGrad', 'alpha'),
         ('AdaBound', 'alpha'), ('AMSBound', 'alpha')]


@pytest.mark.parametrize('name, rate', RATES)
def test_runtime_rate_change_takes_effect(name, rate):
    make, ref, hp = FORMULA_CASES[name]
    p0 = numpy.random.randn(3, 2)
    grads = _grads(3, p0.shape)
    link = Single(p0.copy())
    opt = make().setup(link)
    expected, state = p0.copy(), {}
    for t, (g, value) in enumerate(zip(grads, [hp[rate], 0.5 * hp[rate], 2 * hp[rate]]), 1):
        setattr(opt, rate, value)
        assert getattr(opt, rate) == value == opt.hyperparam.get_dict()[rate]
        link.W.grad = g
        opt.update()
        changed = {rate: value}
        if hp.get('adabound'):  # AdaBound's final_lr follows alpha, as in Chainer
            changed['final_lr'] = hp['final_lr'] * value / hp[rate]
        ref(expected, g, state, t, **dict(hp, **changed))
        testing.assert_allclose(link.W.array, expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize('name, rate', RATES)
def test_zero_rate_freezes_parameters(name, rate):
    link = Affine(3, 2)
    opt = FORMULA_CASES[name][0]().setup(link)
    setattr(opt, rate, 0.0)
    before = [p.array.copy() for p in link.params()]
    for _ in range(2):
        opt.update(lambda: F.sum(link(numpy.random.randn(4, 3)) ** 2))
    assert all(numpy.array_equal(p.array, b) for p, b in zip(link.params(), before))
    assert link.W.update_rule.t == 2


def test_per_parameter_hyperparameter_override():
    link = Affine(3, 2)
    opt = optimizers.Adam(alpha=0.1).setup(link)
    link.b.update_rule.hyperparam.alpha = 0.0
    link.W.update_rule.hyperparam.beta1 = 0.5
    b0, w0 = link.b.array.copy(), link.W.array.copy()
    g = numpy.random.randn(*w0.shape)
    link.W.grad, link.b.grad = g, numpy.ones_like(b0)
    opt.update()
    assert numpy.array_equal(link.b.array, b0)
    _ref_adam(w0, g, {}, 1, alpha=0.1, beta1=0.5)
    testing.assert_allclose(link.W.array, w0, rtol=1e-12, atol=1e-14)
    assert opt.beta1 == 0.9 and link.b.update_rule.hyperparam.beta1 == 0.9


@pytest.mark.parametrize('rule_class, kwargs, defaults', [
    (optimizers.MomentumSGDRule, dict(lr=0.5), dict(lr=0.5, momentum=0.9)),
    (optimizers.CorrectedMomentumSGDRule, dict(momentum=0.5), dict(lr=0.01, momentum=0.5)),
    (optimizers.NesterovAGRule, {}, dict(lr=0.01, momentum=0.9)),
    (optimizers.AdaGradRule, dict(eps=1.0), dict(lr=0.001, eps=1.0)),
    (optimizers.AdaDeltaRule, {}, dict(rho=0.95, eps=1e-6)),
    (optimizers.RMSpropRule, dict(eps_inside_sqrt=True),
     dict(lr=0.01, alpha=0.99, eps=1e-8, eps_inside_sqrt=True)),
    (optimizers.RMSpropGravesRule, {}, dict(lr=1e-4, alpha=0.95, momentum=0.9, eps=1e-4)),
    (optimizers.SMORMS3Rule, {}, dict(lr=0.001, eps=1e-16)),
    (optimizers.AdamRule, dict(alpha=0.5, amsgrad=True),
     dict(alpha=0.5, beta1=0.9, beta2=0.999, eps=1e-8, eta=1.0, weight_decay_rate=0,
          amsgrad=True, adabound=False, final_lr=0.1, gamma=1e-3)),
])
def test_standalone_rules_have_chainer_defaults(rule_class, kwargs, defaults):
    rule = rule_class(**kwargs)
    assert rule.hyperparam.get_dict() == defaults
    p = dbr.Parameter(numpy.ones(3))
    p.grad = numpy.full(3, 0.5)
    rule.update(p)  # usable without an optimizer, as param.update_rule in Chainer
    assert rule.t == 1 and not numpy.array_equal(p.array, numpy.ones(3))


@pytest.mark.parametrize('make, defaults', [
    (optimizers.MomentumSGD, dict(lr=0.01, momentum=0.9)),
    (optimizers.CorrectedMomentumSGD, dict(lr=0.01, momentum=0.9)),
    (optimizers.NesterovAG, dict(lr=0.01, momentum=0.9)),
    (optimizers.AdaGrad, dict(lr=0.001, eps=1e-8)),
    (optimizers.AdaDelta, dict(rho=0.95, eps=1e-6)),
    (optimizers.RMSprop, dict(lr=0.01, alpha=0.99, eps=1e-8, eps_inside_sqrt=False)),
    (optimizers.RMSpropGraves, dict(lr=1e-4, alpha=0.95, momentum=0.9, eps=1e-4)),
    (optimizers.SMORMS3, dict(lr=0.001, eps=1e-16)),
    (optimizers.Adam, dict(alpha=0.001, beta1=0.9, beta2=0.999, eps=1e-8, eta=1.0,
                           weight_decay_rate=0.0, amsgrad=False, adabound=False, final_lr=0.1,
                           gamma=1e-3)),
    (optimizers.AdamW, dict(alpha=0.001, beta1=0.9, beta2=0.999, eps=1e-8, eta=1.0,
                            weight_decay_rate=0.0, amsgrad=False, adabound=False, final_lr=0.1,
                            gamma=1e-3)),
    (optimizers.AMSGrad, dict(alpha=0.001, beta1=0.9, beta2=0.999, eps=1e-8, eta=1.0,
                              weight_decay_rate=0.0, amsgrad=True, adabound=False, final_lr=0.1,
                              gamma=1e-3)),
    (optimizers.AdaBound, dict(alpha=0.001, beta1=0.9, beta2=0.999, eps=1e-8, eta=1.0,
                               weight_decay_rate=0.0, amsgrad=False, adabound=True, final_lr=0.1,
                               gamma=1e-3)),
    (optimizers.AMSBound, dict(alpha=0.001, beta1=0.9, beta2=0.999, eps=1e-8, eta=1.0,
                               weight_decay_rate=0.0, amsgrad=True, adabound=True, final_lr=0.1,
                               gamma=1e-3)),
])
def test_optimizer_defaults_match_chainer(make, defaults):
    opt = make()
    assert opt.hyperparam.get_dict() == defaults
    for name, value in defaults.items():
        assert getattr(opt, name) == value


# ----- convergence ----------------------------------------------------------------------------

CONVERGENCE = {
    'SGD': lambda: optimizers.SGD(lr=0.1),
    'MomentumSGD': lambda: optimizers.MomentumSGD(lr=0.05),
    'CorrectedMomentumSGD': lambda: optimizers.CorrectedMomentumSGD(lr=0.05),
    'NesterovAG': lambda: optimizers.NesterovAG(lr=0.05),
    'AdaGrad': lambda: optimizers.AdaGrad(lr=0.5),
    'AdaDelta': lambda: optimizers.AdaDelta(rho=0.9, eps=1e-2),
    'RMSprop': lambda: optimizers.RMSprop(lr=0.02),
    'RMSpropGraves': lambda: optimizers.RMSpropGraves(lr=0.01),
    'SMORMS3': lambda: optimizers.SMORMS3(lr=0.05),
    'Adam': lambda: optimizers.Adam(alpha=0.05),
    'AdamW': lambda: optimizers.AdamW(alpha=0.05, weight_decay_rate=1e-4),
    'AMSGrad': lambda: optimizers.AMSGrad(alpha=0.05),
    'AdaBound': lambda: optimizers.AdaBound(alpha=0.05, final_lr=0.05),
    'AMSBound': lambda: optimizers.AMSBound(alpha=0.05, final_lr=0.05),
}


@pytest.mark.parametrize('name', sorted(CONVERGENCE))
def test_converges_on_a_quadratic(name):
    target = numpy.array([1.0, -2.0, 0.5, 3.0, -1.0])
    scale = numpy.array([1.0, 0.5, 2.0, 1.0, 0.3])
    link = Single(numpy.zeros(5))
    opt = CONVERGENCE[name]().setup(link)

    def loss():
        return F.sum(scale * (link.W - target) ** 2) * 0.5

    initial = float(loss().array)
    for _ in range(300):
        opt.update(loss)
    assert float(loss().array) < 1e-2 * initial


# ----- the None-gradient rule, every optimizer x every hook ---------------------------------------

MATRIX_OPTIMIZERS = {
    'SGD': lambda: optimizers.SGD(lr=0.1),
    'MomentumSGD': lambda: optimizers.MomentumSGD(lr=0.1),
    'CorrectedMomentumSGD': lambda: optimizers.CorrectedMomentumSGD(lr=0.1),
    'NesterovAG': lambda: optimizers.NesterovAG(lr=0.1),
    'AdaGrad': lambda: optimizers.AdaGrad(lr=0.1),
    'AdaDelta': lambda: optimizers.AdaDelta(),
    'RMSprop': lambda: optimizers.RMSprop(),
    'RMSprop-eps_inside_sqrt': lambda: optimizers.RMSprop(eps_inside_sqrt=True),
    'RMSpropGraves': lambda: optimizers.RMSpropGraves(),
    'SMORMS3': lambda: optimizers.SMORMS3(),
    'Adam': lambda: optimizers.Adam(),
    'AdamW': lambda: optimizers.AdamW(weight_decay_rate=0.1),
    'AMSGrad': lambda: optimizers.AMSGrad(),
    'AdaBound': lambda: optimizers.AdaBound(),
    'AMSBound': lambda: optimizers.AMSBound(),
}
# optimizers that move a parameter whose gradient is zero
_DECAYS_WITHOUT_GRADIENT = {'AdamW'}

MATRIX_HOOKS = {
    'none': None,
    'WeightDecay': lambda: optimizer_hooks.WeightDecay(0.1),
    'Lasso': lambda: optimizer_hooks.Lasso(0.1),
    'GradientClipping': lambda: optimizer_hooks.GradientClipping(0.01),
    'GradientHardClipping': lambda: optimizer_hooks.GradientHardClipping(-0.01, 0.01),
    'GradientNoise': lambda: optimizer_hooks.GradientNoise(0.1),
    'GradientLARS': lambda: optimizer_hooks.GradientLARS(weight_decay=0.1),
    'GradientLARS-no-decay': lambda: optimizer_hooks.GradientLARS(),
}
# hooks that turn a zero gradient into a nonzero one
_ADD_TO_ZERO_GRADIENT = {'WeightDecay', 'Lasso', 'GradientNoise', 'GradientLARS'}


def _gan_with(opt_name, hook_name):
    model = GanLike()
    opt = MATRIX_OPTIMIZERS[opt_name]().setup(model)
    if MATRIX_HOOKS[hook_name] is not None:
        opt.add_hook(MATRIX_HOOKS[hook_name]())
    return model, opt


@pytest.mark.parametrize('hook_name', sorted(MATRIX_HOOKS))
@pytest.mark.parametrize('opt_name', sorted(MATRIX_OPTIMIZERS))
def test_unused_branch_is_bit_identical_under_every_optimizer_and_hook(opt_name, hook_name):
    model, opt = _gan_with(opt_name, hook_name)
    before = {path: p.array.copy() for path, p in model.namedparams()}
    for _ in range(2):
        opt.update(_dis_loss, model, numpy.random.randn(4, 3))
    for path, param in model.namedparams():
        rule = param.update_rule
        if path.startswith('/gen'):
            assert param.grad is None
            assert numpy.array_equal(param.array, before[path])
            assert rule.t == 0 and rule.state is None
        else:
            assert rule.t == 2 and rule.state is not None
            assert not numpy.array_equal(param.array, before[path])


@pytest.mark.parametrize('hook_name', sorted(MATRIX_HOOKS))
@pytest.mark.parametrize('opt_name', sorted(MATRIX_OPTIMIZERS))
def test_zerograds_makes_the_unused_branch_update(opt_name, hook_name):
    model, opt = _gan_with(opt_name, hook_name)
    before = {path: p.array.copy() for path, p in model.namedparams()}
    model.zerograds()
    _dis_loss(model, numpy.random.randn(4, 3)).backward()
    opt.update()
    moves = opt_name in _DECAYS_WITHOUT_GRADIENT or hook_name in _ADD_TO_ZERO_GRADIENT
    for path, param in model.namedparams():
        if path.startswith('/gen'):
            rule = param.update_rule
            assert rule.t == 1  # a zero gradient is a gradient
            assert rule.state is not None
            # with all-zero state, a zero gradient gives a zero step: only decay moves it
            assert numpy.array_equal(param.array, before[path]) != moves


@pytest.mark.parametrize('opt_name', sorted(MATRIX_OPTIMIZERS))
def test_hook_that_clears_gradients_mid_update_is_safe(opt_name):
    model = GanLike()
    opt = MATRIX_OPTIMIZERS[opt_name]().setup(model)
    opt.add_hook(lambda o: o.target.dis.b.cleargrad(), name='clear_bias')
    model.dis.W.update_rule.add_hook(lambda rule, param: param.cleargrad(), name='clear_W')
    before = {path: p.array.copy() for path, p in model.namedparams()}
    opt.update(_dis_loss, model, numpy.random.randn(4, 3))
    for path, param in model.namedparams():
        assert numpy.array_equal(param.array, before[path])
    assert model.dis.b.update_rule.t == 0 and model.dis.b.update_rule.state is None


@pytest.mark.parametrize('opt_name', sorted(MATRIX_OPTIMIZERS))
def test_uninitialized_parameters_are_skipped_then_updated(opt_name):
    link = dbr.Link()
    with link.init_scope():
        link.W = dbr.Parameter(dbr.initializers.One('float64'))
    opt = MATRIX_OPTIMIZERS[opt_name]().setup(link)
    opt.add_hook(optimizer_hooks.GradientClipping(1.0))
    opt.add_hook(optimizer_hooks.WeightDecay(0.1))
    opt.update()
    assert link.W.array is None and link.W.update_rule.t == 0
    assert link.W.update_rule.state is None
    link.W.initialize((2, 2))
    link.W.grad = numpy.ones((2, 2))
    opt.update()
    assert link.W.update_rule.t == 1 and not numpy.array_equal(link.W.array, numpy.ones((2, 2)))


# ----- serialization ---------------------------------------------------------------------------

class Net(dbr.Chain):
    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.l1 = Affine(3, 4)
            self.l2 = Affine(4, 2)
            self.unused = Affine(2, 2)  # never gets a gradient: its rules have no state

    def forward(self, x):
        return self.l2(F.tanh(self.l1(x)))


def _scrambled(opt):
    """The same optimizer class with every hyperparameter changed."""
    fresh = type(opt)()
    for key, value in fresh.hyperparam.get_dict().items():
        setattr(fresh.hyperparam, key, (not value) if isinstance(value, bool) else 3 * value + 1)
    return fresh


@pytest.mark.parametrize('opt_name', sorted(FORMULA_CASES))
def test_serialization_round_trip_continues_bit_identically(opt_name, tmp_path):
    x = numpy.random.randn(5, 3)

    def train(model, opt, n):
        for _ in range(n):
            opt.update(lambda: F.sum(model(x) ** 2))

    start = Net()
    ref = start.copy('copy')
    ref_opt = FORMULA_CASES[opt_name][0]().setup(ref)
    train(ref, ref_opt, 6)

    a = start.copy('copy')
    opt_a = FORMULA_CASES[opt_name][0]().setup(a)
    train(a, opt_a, 3)
    serializers.save_npz(tmp_path / 'model.npz', a)
    serializers.save_npz(tmp_path / 'opt.npz', opt_a)
    b = Net()
    opt_b = _scrambled(opt_a).setup(b)
    serializers.load_npz(tmp_path / 'model.npz', b)
    serializers.load_npz(tmp_path / 'opt.npz', opt_b)
    assert opt_b.hyperparam.get_dict() == opt_a.hyperparam.get_dict()
    assert opt_b.t == 3 and b.l1.W.update_rule.t == 3
    assert b.unused.W.update_rule.t == 0 and not b.unused.W.update_rule.state
    train(b, opt_b, 3)
    for (path, p), (_, q) in zip(ref.namedparams(), b.namedparams()):
        assert numpy.array_equal(p.array, q.array), path
    for p, q in zip(ref.params(), b.params()):
        s, r = p.update_rule.state or {}, q.update_rule.state or {}
        assert s.keys() == r.keys()
        assert all(numpy.array_equal(s[k], r[k]) for k in s)
