"""k-means written with the array module of its input, so it runs on NumPy or CuPy arrays.

k-means++ seeding, then Lloyd iterations; distances and center updates are matrix products,
so one iteration costs a few ``(n, d) x (d, k)`` products and no Python loop over points.
"""
import numpy

from dbr import backend


def squared_distances(x, centers):
    """``(n, k)`` squared Euclidean distances between the rows of ``x`` and of ``centers``."""
    xp = backend.get_array_module(x)
    d2 = (x * x).sum(axis=1)[:, None] - 2 * (x @ centers.T) + (centers * centers).sum(axis=1)
    return xp.maximum(d2, 0)  # rounding can leave tiny negatives


def kmeans_plus_plus(x, k, rng):
    """Picks ``k`` rows of ``x`` as initial centers: each next one with probability
    proportional to its squared distance to the nearest center picked so far."""
    xp = backend.get_array_module(x)
    chosen = [int(rng.randint(len(x)))]
    closest = squared_distances(x, x[chosen[-1]][None])[:, 0]
    for _ in range(k - 1):
        cumulative = xp.cumsum(closest)
        total = float(cumulative[-1])
        if total <= 0:  # fewer distinct points than k: any point will do
            i = int(rng.randint(len(x)))
        else:
            i = int(xp.searchsorted(cumulative, xp.asarray(rng.uniform(0, total))))
            i = min(i, len(x) - 1)
        chosen.append(i)
        closest = xp.minimum(closest, squared_distances(x, x[i][None])[:, 0])
    return x[xp.asarray(chosen)].copy()


def lloyd(x, centers, n_iter):
    """Runs Lloyd iterations from ``centers`` until the assignment stops changing.

    An emptied cluster is re-seeded with the point farthest from its center, so every
    cluster keeps at least one point (when ``x`` has at least ``k`` distinct rows).

    Returns:
        ``(centers, labels, inertia)``: final centers, each point's cluster and the sum of
        squared distances to the assigned centers.
    """
    xp = backend.get_array_module(x)
    k = len(centers)
    labels = None
    for _ in range(n_iter):
        d2 = squared_distances(x, centers)
        new_labels = d2.argmin(axis=1)
        if labels is not None and bool((new_labels == labels).all()):
            break
        labels = new_labels
        one_hot = (labels[:, None] == xp.arange(k)[None, :]).astype(x.dtype)
        sizes = one_hot.sum(axis=0)
        centers = (one_hot.T @ x) / xp.maximum(sizes, 1)[:, None]
        empty = [int(j) for j in xp.flatnonzero(sizes == 0)]
        if empty:
            nearest = d2[xp.arange(len(x)), labels]
            for j, i in zip(empty, xp.argsort(-nearest)[:len(empty)]):
                centers[j] = x[i]
            labels = None  # the re-seeded centers need a fresh assignment
    d2 = squared_distances(x, centers)
    labels = d2.argmin(axis=1)
    inertia = float(d2[xp.arange(len(x)), labels].sum())
    return centers, labels, inertia


def kmeans(x, k, n_iter=100, n_init=3, seed=0):
    """Clusters the rows of ``x`` (NumPy or CuPy) into ``k`` groups; keeps the best of
    ``n_init`` k-means++ starts.

    Returns:
        ``(centers, labels, inertia)`` as arrays of ``x``'s module and a float.

    Example:
        >>> x = numpy.concatenate([numpy.zeros((5, 2)), numpy.ones((5, 2))])
        >>> centers, labels, inertia = kmeans(x, 2)
        >>> sorted(numpy.bincount(labels).tolist()), inertia
        ([5, 5], 0.0)
    """
    if not 1 <= k <= len(x):
        raise ValueError(f'kmeans: k must be in [1, {len(x)}] (the number of points), got {k}')
    rng = numpy.random.RandomState(seed)
    best = None
    for _ in range(n_init):
        result = lloyd(x, kmeans_plus_plus(x, k, rng), n_iter)
        if best is None or result[2] < best[2]:
            best = result
    return best
