"""Model wrappers: Classifier."""

# link name -> module in this package; dbr.links imports a module on first use.
EXPORTS = {
    'Classifier': 'classifier',
    'GoogLeNet': 'vision.googlenet',
    'VGG16Layers': 'vision.vgg',
    'VGG19Layers': 'vision.vgg',
    'ResNet50Layers': 'vision.resnet',
    'ResNet101Layers': 'vision.resnet',
    'ResNet152Layers': 'vision.resnet',
}
