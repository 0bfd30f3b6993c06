"""Batch, layer and group normalization and friends."""

# function name -> module in this package; dbr.functions imports a module on first use.
EXPORTS = {
    'batch_normalization': 'batch_normalization',
    'batch_renormalization': 'batch_renormalization',
    'decorrelated_batch_normalization': 'decorrelated_batch_normalization',
    'fixed_batch_normalization': 'fixed_batch_normalization',
    'fixed_batch_renormalization': 'batch_renormalization',
    'fixed_decorrelated_batch_normalization': 'decorrelated_batch_normalization',
    'group_normalization': 'group_normalization',
    'layer_normalization': 'layer_normalization',
    'local_response_normalization': 'local_response_normalization',
    'normalize': 'normalize',
}
