"""``dbr.distributions`` (conventionally ``D``): probability distributions and KL divergences.

Chainer v7's ``chainer.distributions``: ``D.Normal``, ``D.Bernoulli``, ``D.Categorical``,
``D.Independent``, ``D.MultivariateNormal`` and more, each with ``sample``, ``log_prob``,
``mean``, ``stddev``, ``entropy``, ...; ``kl_divergence`` with the pairs registered by
``register_kl``. Each distribution's module is imported the first time its name is read, so
``import dbr.distributions`` stays cheap.

Example:
    >>> import dbr.distributions as D
    >>> q = D.Normal(numpy.zeros(2, 'f'), log_scale=numpy.zeros(2, 'f'))
    >>> p = D.Normal(numpy.ones(2, 'f'), scale=numpy.ones(2, 'f'))
    >>> dbr.kl_divergence(q, p).array
    array([0.5, 0.5], dtype=float32)
"""
import importlib

from dbr.distributions.distribution import Distribution  # noqa: F401
from dbr.distributions.kl import cross_entropy, kl_divergence, register_kl  # noqa: F401

# Public name -> module in this package, imported on first use.
EXPORTS = {
    'Bernoulli': 'bernoulli',
    'Beta': 'beta',
    'Categorical': 'categorical',
    'Cauchy': 'cauchy',
    'Chisquare': 'chisquare',
    'Dirichlet': 'dirichlet',
    'Exponential': 'exponential',
    'Gamma': 'gamma',
    'Geometric': 'geometric',
    'Gumbel': 'gumbel',
    'Independent': 'independent',
    'Laplace': 'laplace',
    'LogNormal': 'log_normal',
    'MultivariateNormal': 'multivariate_normal',
    'Normal': 'normal',
    'OneHotCategorical': 'one_hot_categorical',
    'Pareto': 'pareto',
    'Poisson': 'poisson',
    'Uniform': 'uniform',
}

__all__ = sorted(['Distribution', 'cross_entropy', 'kl_divergence', 'register_kl', *EXPORTS])


def __getattr__(name):
    module = EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'dbr.distributions' has no attribute {name!r}")
    value = getattr(importlib.import_module(f'{__name__}.{module}'), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(EXPORTS))
