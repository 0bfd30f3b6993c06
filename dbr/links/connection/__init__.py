"""Linear, embedding and convolution links."""

# link name -> module in this package; dbr.links imports a module on first use.
EXPORTS = {
    'Bilinear': 'bilinear',
    'Convolution1D': 'convolution_nd',
    'Convolution2D': 'convolution_2d',
    'Convolution3D': 'convolution_nd',
    'ConvolutionND': 'convolution_nd',
    'Deconvolution1D': 'deconvolution_nd',
    'Deconvolution2D': 'deconvolution_2d',
    'Deconvolution3D': 'deconvolution_nd',
    'DeconvolutionND': 'deconvolution_nd',
    'DeformableConvolution2D': 'deformable_convolution_2d',
    'DepthwiseConvolution2D': 'depthwise_convolution_2d',
    'DilatedConvolution2D': 'dilated_convolution_2d',
    'EmbedID': 'embed_id',
    'Inception': 'inception',
    'InceptionBN': 'inceptionbn',
    'Linear': 'linear',
    'LocalConvolution2D': 'local_convolution_2d',
    'MLPConvolution2D': 'mlp_convolution_2d',
    'Parameter': 'parameter',
}
