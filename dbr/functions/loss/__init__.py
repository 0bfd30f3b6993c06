"""Loss functions."""

# function name -> module in this package; dbr.functions imports a module on first use.
EXPORTS = {
    'absolute_error': 'absolute_error',
    'argmax_crf1d': 'crf1d',
    'bernoulli_nll': 'bernoulli_nll',
    'black_out': 'black_out',
    'connectionist_temporal_classification': 'connectionist_temporal_classification',
    'contrastive': 'contrastive',
    'crf1d': 'crf1d',
    'cross_covariance': 'cross_covariance',
    'decov': 'decov',
    'discriminative_margin_based_clustering_loss': 'discriminative_margin_based_clustering_loss',
    'gaussian_kl_divergence': 'gaussian_kl_divergence',
    'gaussian_nll': 'gaussian_nll',
    'hinge': 'hinge',
    'huber_loss': 'huber_loss',
    'mean_absolute_error': 'mean_absolute_error',
    'mean_squared_error': 'mean_squared_error',
    'negative_sampling': 'negative_sampling',
    'sigmoid_cross_entropy': 'sigmoid_cross_entropy',
    'softmax_cross_entropy': 'softmax_cross_entropy',
    'squared_error': 'squared_error',
    'triplet': 'triplet',
}
