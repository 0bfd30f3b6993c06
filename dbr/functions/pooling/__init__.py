"""Pooling and unpooling."""

# function name -> module in this package; dbr.functions imports a module on first use.
EXPORTS = {
    'average_pooling_1d': 'average_pooling_1d',
    'average_pooling_2d': 'average_pooling_2d',
    'average_pooling_3d': 'average_pooling_3d',
    'average_pooling_nd': 'average_pooling_nd',
    'max_pooling_1d': 'max_pooling_1d',
    'max_pooling_2d': 'max_pooling_2d',
    'max_pooling_3d': 'max_pooling_3d',
    'max_pooling_nd': 'max_pooling_nd',
    'roi_average_align_2d': 'roi_average_align_2d',
    'roi_average_pooling_2d': 'roi_average_pooling_2d',
    'roi_max_align_2d': 'roi_max_align_2d',
    'roi_max_pooling_2d': 'roi_max_pooling_2d',
    'roi_pooling_2d': 'roi_pooling_2d',
    'spatial_pyramid_pooling_2d': 'spatial_pyramid_pooling_2d',
    'unpooling_1d': 'unpooling_1d',
    'unpooling_2d': 'unpooling_2d',
    'unpooling_3d': 'unpooling_3d',
    'unpooling_nd': 'unpooling_nd',
    'upsampling_2d': 'upsampling_2d',
}
