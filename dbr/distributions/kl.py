"""The KL divergence registry: ``register_kl``, ``kl_divergence`` and ``cross_entropy``."""

_REGISTRY = {}
_RESOLVED = {}


def register_kl(Dist1, Dist2):
    """Decorator registering a function computing ``KL(dist1 || dist2)`` for two classes.

    :func:`kl_divergence` calls the function registered for the argument types; a pair with
    no exact entry falls back to the closest registered pair of base classes.

    Args:
        Dist1 (type): A :class:`~dbr.distributions.Distribution` subclass, the left operand.
        Dist2 (type): A :class:`~dbr.distributions.Distribution` subclass, the right operand.

    Returns:
        The decorator; it returns the function unchanged.

    Example:
        >>> @dbr.distributions.register_kl(MyDist, MyDist)  # doctest: +SKIP
        ... def _kl_mine(p, q):
        ...     return F.log(p.scale) - F.log(q.scale)
    """
    def register(kl):
        _REGISTRY[Dist1, Dist2] = kl
        _RESOLVED.clear()
        return kl
    return register


def _resolve(t1, t2):
    fn = _REGISTRY.get((t1, t2))
    if fn is not None:
        return fn
    # The registered pair whose classes are nearest in the two MROs (summed depth) wins.
    best = None
    for i, c1 in enumerate(t1.__mro__):
        for j, c2 in enumerate(t2.__mro__):
            fn = _REGISTRY.get((c1, c2))
            if fn is not None and (best is None or i + j < best[0]):
                best = (i + j, fn)
    return None if best is None else best[1]


def kl_divergence(dist1, dist2):
    """Computes the Kullback-Leibler divergence ``KL(dist1 || dist2)``.

    ``KL(p || q) = E_p[log p(x) - log q(x)]``, evaluated in closed form by the function
    registered with :func:`register_kl` for the two distribution types.

    Args:
        dist1 (~dbr.distributions.Distribution): ``p``, the left operand.
        dist2 (~dbr.distributions.Distribution): ``q``, the right operand.

    Returns:
        Variable: The divergence, of the (broadcast) batch shape.

    Raises:
        NotImplementedError: When no function is registered for the pair.

    Example:
        >>> p = D.Normal(numpy.zeros(2, 'f'), scale=numpy.ones(2, 'f'))
        >>> dbr.kl_divergence(p, p).array
        array([0., 0.], dtype=float32)
    """
    key = (type(dist1), type(dist2))
    fn = _RESOLVED.get(key)
    if fn is None:
        fn = _resolve(*key)
        if fn is None:
            n1, n2 = key[0].__name__, key[1].__name__
            raise NotImplementedError(
                f'kl_divergence: no KL divergence is registered for ({n1}, {n2}); register one '
                f'with @dbr.distributions.register_kl({n1}, {n2})')
        _RESOLVED[key] = fn
    return fn(dist1, dist2)


def cross_entropy(dist1, dist2):
    """Computes the cross entropy ``H(p, q) = -E_p[log q(x)] = H(p) + KL(p || q)``.

    Args:
        dist1 (~dbr.distributions.Distribution): ``p``; it must define ``entropy``.
        dist2 (~dbr.distributions.Distribution): ``q``.

    Returns:
        Variable: The cross entropy, of the batch shape.

    Example:
        >>> p = D.Bernoulli(p=numpy.array([0.5], 'f'))
        >>> dbr.distributions.cross_entropy(p, p).array
        array([0.6931472], dtype=float32)
    """
    return dist1.entropy + kl_divergence(dist1, dist2)
