"""Linear, embedding and convolution functions."""

# function name -> module in this package; dbr.functions imports a module on first use.
EXPORTS = {
    'bilinear': 'bilinear',
    'convolution_1d': 'convolution_nd',
    'convolution_2d': 'convolution_2d',
    'convolution_3d': 'convolution_nd',
    'convolution_nd': 'convolution_nd',
    'deconvolution_1d': 'deconvolution_nd',
    'deconvolution_2d': 'deconvolution_2d',
    'deconvolution_3d': 'deconvolution_nd',
    'deconvolution_nd': 'deconvolution_nd',
    'deformable_convolution_2d_sampler': 'deformable_convolution_2d_sampler',
    'depthwise_convolution_2d': 'depthwise_convolution_2d',
    'dilated_convolution_2d': 'dilated_convolution_2d',
    'embed_id': 'embed_id',
    'im2col': 'im2col',
    'linear': 'linear',
    'local_convolution_2d': 'local_convolution_2d',
    'shift': 'shift',
}
