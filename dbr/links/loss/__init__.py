"""Links that own a loss's parameters: BinaryHierarchicalSoftmax, NegativeSampling."""

# link name -> module in this package; dbr.links imports a module on first use.
EXPORTS = {
    'BinaryHierarchicalSoftmax': 'hierarchical_softmax',
    'BlackOut': 'black_out',
    'CRF1d': 'crf1d',
    'NegativeSampling': 'negative_sampling',
}
