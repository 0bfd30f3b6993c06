"""Pooling and unpooling."""

# function name -> module in this package; dbr.functions imports a module on first use.
EXPORTS = {
    'average_pooling_2d': 'average_pooling_2d',
    'average_pooling_nd': 'average_pooling_nd',
    'max_pooling_2d': 'max_pooling_2d',
    'max_pooling_nd': 'max_pooling_nd',
    'unpooling_2d': 'unpooling_2d',
    'unpooling_nd': 'unpooling_nd',
    'upsampling_2d': 'upsampling_2d',
}
