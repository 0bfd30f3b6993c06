"""Loss functions."""

# function name -> module in this package; dbr.functions imports a module on first use.
EXPORTS = {
    'bernoulli_nll': 'bernoulli_nll',
    'connectionist_temporal_classification': 'connectionist_temporal_classification',
    'contrastive': 'contrastive',
    'gaussian_kl_divergence': 'gaussian_kl_divergence',
    'gaussian_nll': 'gaussian_nll',
    'hinge': 'hinge',
    'huber_loss': 'huber_loss',
    'mean_absolute_error': 'mean_absolute_error',
    'mean_squared_error': 'mean_squared_error',
    'negative_sampling': 'negative_sampling',
    'sigmoid_cross_entropy': 'sigmoid_cross_entropy',
    'softmax_cross_entropy': 'softmax_cross_entropy',
    'triplet': 'triplet',
}
