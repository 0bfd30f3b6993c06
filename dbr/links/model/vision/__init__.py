"""Pre-trained ImageNet models with Chainer's layer names (VGG, GoogLeNet, ResNet).

The links are exported through ``dbr.links.model.EXPORTS``; the modules also stand at
Chainer's paths (``dbr.links.model.vision.vgg``, ``...googlenet``, ``...resnet``).
"""
