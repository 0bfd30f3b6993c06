"""Tests of the Distribution base class, the KL registry (register_kl, kl_divergence,
cross_entropy), the package's lazy imports and its Chainer import paths."""
import copy
import math
import os
import pathlib
import subprocess
import sys

import numpy
import pytest

import dbr
import dbr.distributions as D
import dbr.functions as F
from dbr.distributions.kl import _REGISTRY

ROOT = pathlib.Path(__file__).resolve().parents[2]


class Shifted(D.Distribution):
    """A user-defined distribution in Chainer's style: x = offset + a standard normal draw."""

    def __init__(self, offset):
        self.offset = dbr.as_variable(offset)

    @property
    def batch_shape(self):
        return self.offset.shape

    @property
    def event_shape(self):
        return ()

    @property
    def params(self):
        return {'offset': self.offset}

    def sample_n(self, n):
        eps = numpy.random.standard_normal((n,) + self.batch_shape)
        return self.offset + eps

    def log_prob(self, x):
        z = x - self.offset
        return -0.5 * z * z - 0.5 * math.log(2 * math.pi)

    def cdf(self, x):
        return D.Normal(self.offset, scale=numpy.ones(self.batch_shape)).cdf(x)

    @property
    def variance(self):
        return dbr.Variable(numpy.ones(self.batch_shape))


@pytest.fixture
def registry():
    """Restores the KL registry after a test registers pairs."""
    saved = dict(_REGISTRY)
    yield
    _REGISTRY.clear()
    _REGISTRY.update(saved)
    D.kl._RESOLVED.clear()


def test_sample_shapes_from_sample_n():
    d = Shifted(numpy.zeros((2, 3)))
    assert d.sample().shape == (2, 3)
    assert d.sample(4).shape == (4, 2, 3)
    assert d.sample((5, 4)).shape == (5, 4, 2, 3)
    assert d.sample([1]).shape == (1, 2, 3)
    assert d.sample(numpy.int64(2)).shape == (2, 2, 3)
    assert d.sample((0,)).shape == (0, 2, 3)
    assert d.xp is numpy


def test_defaults_built_on_the_subclass_methods():
    d = Shifted(numpy.zeros(3))
    x = numpy.array([-1.0, 0.0, 2.0])
    lp = -0.5 * x * x - 0.5 * math.log(2 * math.pi)
    numpy.testing.assert_allclose(d.prob(x).array, numpy.exp(lp))
    numpy.testing.assert_allclose(d.perplexity(x).array, numpy.exp(-lp))
    cdf = numpy.array([0.5 * math.erfc(-v / math.sqrt(2)) for v in x])
    numpy.testing.assert_allclose(d.log_cdf(x).array, numpy.log(cdf))
    numpy.testing.assert_allclose(d.survival_function(x).array, 1 - cdf)
    numpy.testing.assert_allclose(d.log_survival_function(x).array, numpy.log(1 - cdf))
    numpy.testing.assert_allclose(d.stddev.array, numpy.ones(3))
    assert repr(d) == '<Shifted batch_shape=(3,) event_shape=()>'


@pytest.mark.parametrize('what', ['mean', 'mode', 'entropy', 'covariance', 'support'])
def test_missing_properties_name_the_class(what):
    with pytest.raises(NotImplementedError, match=f'Shifted does not implement {what}'):
        getattr(Shifted(numpy.zeros(2)), what)


def test_missing_methods_name_the_class():
    d = Shifted(numpy.zeros(2))
    with pytest.raises(NotImplementedError, match='Shifted does not implement icdf'):
        d.icdf(numpy.zeros(2))
    bare = D.Distribution()
    for what in ('batch_shape', 'event_shape', 'params'):
        with pytest.raises(NotImplementedError, match=f'Distribution does not implement {what}'):
            getattr(bare, what)
    with pytest.raises(NotImplementedError, match='Distribution does not implement sample_n'):
        bare.sample_n(1)
    with pytest.raises(NotImplementedError, match='Distribution does not implement log_prob'):
        bare.log_prob(numpy.zeros(1))


def test_copy_shares_parameters_and_drops_cached_graphs():
    loc = dbr.Variable(numpy.zeros(3))
    d = D.Normal(loc, log_scale=dbr.Variable(numpy.zeros(3)))
    first = d.scale
    for c in (copy.copy(d), d.copy()):
        assert type(c) is D.Normal and c is not d
        assert c.loc is loc and c.batch_shape == (3,)
        assert c.scale is not first          # recomputed on the copy's own graph
        numpy.testing.assert_array_equal(c.scale.array, first.array)
    assert d.scale is first
    mvn = D.MultivariateNormal(numpy.zeros(2), scale_tril=numpy.eye(2))
    assert copy.copy(mvn).d == 2


def test_kl_registry_exact_and_inherited_pairs(registry):
    class MyNormal(D.Normal):
        pass

    p = MyNormal(numpy.zeros(2), scale=numpy.ones(2))
    q = D.Normal(numpy.ones(2), scale=numpy.ones(2))
    # the Normal-Normal KL serves subclasses too
    numpy.testing.assert_allclose(dbr.kl_divergence(p, q).array, [0.5, 0.5])

    @D.register_kl(MyNormal, D.Normal)
    def _kl_mine(a, b):
        return F.sum(a.loc * 0, axis=0) + 42.0

    assert _kl_mine.__name__ == '_kl_mine'     # the decorator returns the function
    assert dbr.kl_divergence(p, q).array == 42.0
    # the more specific registration wins over the inherited one
    numpy.testing.assert_allclose(dbr.kl_divergence(q, q).array, [0.0, 0.0])


def test_kl_of_an_unregistered_pair_names_both_classes(registry):
    with pytest.raises(NotImplementedError, match=r'kl_divergence: no KL divergence is '
                                                  r'registered for \(Shifted, Normal\); '
                                                  r'register one with @dbr.distributions.'
                                                  r'register_kl\(Shifted, Normal\)'):
        dbr.kl_divergence(Shifted(numpy.zeros(2)), D.Normal(numpy.zeros(2), scale=1.0))

    @dbr.register_kl(Shifted, D.Normal)
    def _kl(a, b):
        return dbr.kl_divergence(D.Normal(a.offset, scale=1.0), b)

    numpy.testing.assert_allclose(
        dbr.kl_divergence(Shifted(numpy.zeros(2)), D.Normal(numpy.ones(2), scale=1.0)).array,
        [0.5, 0.5])


def test_cross_entropy():
    p = numpy.array([0.2, 0.7])
    q = numpy.array([0.5, 0.4])
    ce = D.cross_entropy(D.Bernoulli(p=p), D.Bernoulli(p=q)).array
    numpy.testing.assert_allclose(ce, -(p * numpy.log(q) + (1 - p) * numpy.log(1 - q)))
    n = D.cross_entropy(D.Normal(0.0, scale=1.0), D.Normal(1.0, scale=2.0)).array
    numpy.testing.assert_allclose(n, math.log(2 * math.sqrt(2 * math.pi)) + (1 + 1) / 8)


def test_top_level_names():
    assert dbr.kl_divergence is D.kl_divergence
    assert dbr.register_kl is D.register_kl
    assert 'Normal' in dir(D) and 'Normal' in D.__all__
    with pytest.raises(AttributeError, match="'dbr.distributions' has no attribute 'Nromal'"):
        D.Nromal


def test_importing_the_package_is_lazy():
    code = ('import sys, dbr.distributions as D; '
            'print(sorted(m for m in sys.modules if m.startswith("dbr.distributions."))); '
            'D.Normal; print("dbr.distributions.normal" in sys.modules)')
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(p for p in (str(ROOT), env.get('PYTHONPATH')) if p)
    out = subprocess.run([sys.executable, '-W', 'error', '-c', code], capture_output=True,
                         text=True, check=True, cwd=str(ROOT), env=env).stdout.split('\n')
    assert out[0] == "['dbr.distributions.distribution', 'dbr.distributions.kl']"
    assert out[1] == 'True'


def test_chainer_import_paths():
    import dbr.compat
    dbr.compat.install_chainer_alias()
    try:
        import chainer
        import chainer.distributions as CD
        from chainer.distributions import normal
        assert CD.Normal is D.Normal and normal.Normal is D.Normal
        assert chainer.kl_divergence is D.kl_divergence
        assert chainer.register_kl is D.register_kl
    finally:
        dbr.compat.uninstall_chainer_alias()
