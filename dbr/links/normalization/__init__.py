"""Normalization links."""

# link name -> module in this package; dbr.links imports a module on first use.
EXPORTS = {
    'BatchNormalization': 'batch_normalization',
    'BatchRenormalization': 'batch_renormalization',
    'GroupNormalization': 'group_normalization',
    'LayerNormalization': 'layer_normalization',
}
