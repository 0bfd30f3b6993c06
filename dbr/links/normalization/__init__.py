"""Normalization links."""

# link name -> module in this package; dbr.links imports a module on first use.
EXPORTS = {
    'BatchNormalization': 'batch_normalization',
    'BatchRenormalization': 'batch_renormalization',
    'DecorrelatedBatchNormalization': 'decorrelated_batch_normalization',
    'GroupNormalization': 'group_normalization',
    'LayerNormalization': 'layer_normalization',
}
