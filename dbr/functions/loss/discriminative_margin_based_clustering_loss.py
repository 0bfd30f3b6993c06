"""Discriminative loss for instance segmentation (De Brabandere et al., 2017)."""
import numpy

from dbr import backend
from dbr.variable import Variable


def _l1(x, axis):
    from dbr.functions.math.absolute import absolute
    from dbr.functions.math.sum import sum as sum_
    return sum_(absolute(x), axis=axis)


def _l2(x, axis):
    from dbr.functions.math.sqrt import sqrt
    from dbr.functions.math.sum import sum as sum_
    from dbr.functions.math.where import where
    s = sum_(x * x, axis=axis)
    # sqrt has an infinite slope at 0 (absent instances, unlabelled pixels, equal centres):
    # take 0 there instead of NaN gradients.
    pos = s.array > 0
    return where(pos, sqrt(where(pos, s, 1.0)), 0.0)


def discriminative_margin_based_clustering_loss(
        embeddings, labels, delta_v, delta_d, max_embedding_dim,
        norm=1, alpha=1.0, beta=1.0, gamma=0.001):
    """Discriminative margin-based clustering loss ("Semantic Instance Segmentation with a
    Discriminative Loss Function", arXiv:1708.02551).

    Pixels labelled ``c`` in ``1..max_embedding_dim`` form instance ``c`` of their image
    (label 0 and larger labels are ignored); ``mu[b, c]`` is the mean embedding of the
    instance (0 if it is absent). With ``d`` the L1 or L2 distance over the embedding axis,
    ``C = max_embedding_dim`` and ``N_c`` the pixel count of instance ``c`` over the batch:

    - variance: ``sum_c sum_{pixels p of c} relu(d(e_p, mu[b, c]) - delta_v)^2 / max(N_c, 1)
      / C`` (pull force),
    - distance: ``sum_b sum_{c < c'} relu(2 delta_d - d(mu[b, c], mu[b, c']))^2 /
      max(B C (C - 1) / 2, 1)`` (push force, over all instance pairs as in Chainer),
    - regularization: ``sum_c ||mu[:, c]|| / (C B)`` with the norm over batch and embedding.

    Args:
        embeddings: Variable or array ``(B, D, H, W)`` of pixel embeddings.
        labels: Integer array ``(B, H, W)`` of instance labels.
        delta_v (float): Distance within which pixels are not pulled to their centre (>= 0).
        delta_d (float): Centres closer than ``2 * delta_d`` are pushed apart.
        max_embedding_dim (int): Number ``C`` of instance labels considered.
        norm (int): 1 or 2, the distance used.
        alpha, beta, gamma (float): Weights of the three terms.

    Returns:
        tuple of Variables: ``(alpha * variance, beta * distance, gamma * regularization)``,
        each a scalar.

    Example:
        >>> emb = numpy.random.rand(2, 3, 4, 4).astype('f')
        >>> lab = numpy.random.randint(0, 4, (2, 4, 4))
        >>> l_var, l_dist, l_reg = F.discriminative_margin_based_clustering_loss(
        ...     emb, lab, 0.5, 1.5, 3)
        >>> l_var.shape
        ()
    """
    from dbr.functions.activation.relu import relu
    from dbr.functions.array.reshape import reshape
    from dbr.functions.math.matmul import matmul
    from dbr.functions.math.sum import sum as sum_
    name = 'discriminative_margin_based_clustering_loss'
    if norm not in (1, 2):
        raise ValueError(f'{name}: norm must be 1 or 2, got {norm}')
    if max_embedding_dim <= 0:
        raise ValueError(f'{name}: max_embedding_dim must be positive, got '
                         f'{max_embedding_dim}')
    if delta_v < 0:
        raise ValueError(f'{name}: delta_v must be non-negative, got {delta_v}')
    e = embeddings.array if isinstance(embeddings, Variable) else embeddings
    if e.ndim != 4 or e.dtype.kind != 'f':
        raise ValueError(f'{name}: embeddings must be a float array (B, D, H, W), got shape '
                         f'{e.shape} and dtype {e.dtype}')
    labels = labels.array if isinstance(labels, Variable) else labels
    b, _, h, w = e.shape
    if labels.shape != (b, h, w) or labels.dtype.kind not in 'iu':
        raise ValueError(f'{name}: labels must be an integer array of shape {(b, h, w)}, '
                         f'got shape {labels.shape} and dtype {labels.dtype}')
    xp = backend.get_array_module(e)
    dt = e.dtype
    c = int(max_embedding_dim)
    dist = _l1 if norm == 1 else _l2

    # member[b, c, p]: pixel p of image b belongs to instance c + 1
    member = (labels.reshape(b, 1, h * w) ==
              xp.arange(1, c + 1).reshape(1, c, 1)).astype(dt)
    counts = member.sum(axis=2)
    emb = reshape(embeddings, (b, -1, h * w))
    mu = matmul(emb, member, transb=True) / xp.maximum(counts, 1)[:, None, :]   # (B, D, C)

    l_reg = (_l1(mu, axis=None) if norm == 1 else sum_(_l2(mu, axis=(0, 1)))) / (c * b)

    # Each pixel is compared with the centre of its own instance only (0 for the others).
    centre = matmul(mu, member)
    pixel_dist = dist(emb - centre, axis=1)
    weight = (member / xp.maximum(counts.sum(axis=0), 1)[None, :, None]).sum(axis=1) / c
    l_var = sum_(relu(pixel_dist - delta_v) ** 2 * weight)

    pair_dist = dist(mu[:, :, :, None] - mu[:, :, None, :], axis=1)  # (B, C, C)
    upper = xp.triu(xp.ones((c, c), dt), 1)
    l_dist = sum_(relu(2 * delta_d - pair_dist) ** 2 * upper) / \
        max(b * c * (c - 1) // 2, 1)
    return alpha * l_var, beta * l_dist, gamma * l_reg
