"""Chainer's first ROI pooling: boxes carry their batch index, corners are inclusive."""
import numpy

from dbr import backend
from dbr import type_check
from dbr.functions.pooling import _roi

_LABEL = 'roi_pooling_2d'


class ROIPooling2D(_roi.GatherROI):
    """Max over each integer bin of each ROI; the ROIs get no gradient."""

    label = _LABEL
    check_type_forward = type_check.expects(
        'x, rois', "x.dtype.kind == 'f'", 'x.ndim == 4', 'x.shape[2] > 0 and x.shape[3] > 0',
        "rois.dtype.kind == 'f'", 'rois.ndim == 2', 'rois.shape[1] == 5')

    def __init__(self, outsize, spatial_scale):
        super().__init__()
        self.outsize = outsize
        self.spatial_scale = spatial_scale

    def select(self, inputs):
        x, rois = inputs
        xp = backend.get_array_module(x)
        column = rois[:, 0]
        indices = column.astype(numpy.intp)
        if rois.shape[0] and not bool((indices == column).all()):
            raise ValueError(f'{self.label}: rois[:, 0] must hold whole batch indices, got '
                             f'{backend.to_cpu(column)}')
        _roi.check_batch_indices(indices, x.shape[0], self.label, 'rois[:, 0]')
        box = _roi.round_half_away(rois[:, 1:].astype(numpy.float64) * self.spatial_scale, xp)
        # The corners are pixels of the ROI: the far edge is one past them.
        return _roi.bin_max(x, indices, box[:, 1], box[:, 0], box[:, 3] + 1, box[:, 2] + 1,
                            self.outsize, xp)


def roi_pooling_2d(x, rois, outh, outw, spatial_scale):
    """ROI max pooling in Chainer's original form: ``rois`` rows are
    ``(batch_index, x_min, y_min, x_max, y_max)``.

    The same pooling as :func:`roi_max_pooling_2d` (integer bins, maximum per bin, 0 for an
    empty bin, gradient to the first maximum), except for the box format: the image index is
    the first column, coordinates come x before y, and ``x_max``/``y_max`` are the last pixels
    *inside* the ROI, so an ROI spans ``round(x_max * s) - round(x_min * s) + 1`` columns.

    Args:
        x: Variable or array ``(n, c, h, w)`` of floats.
        rois: Float array ``(R, 5)`` of ``(batch_index, x_min, y_min, x_max, y_max)``.
        outh (int): Output height (bins per column).
        outw (int): Output width (bins per row).
        spatial_scale (float): Factor from box coordinates to ``x``'s pixels.

    Returns:
        Variable ``(R, c, outh, outw)``.

    Example:
        >>> x = numpy.arange(16, dtype='f').reshape(1, 1, 4, 4)
        >>> rois = numpy.array([[0, 0, 0, 3, 3]], 'f')
        >>> F.roi_pooling_2d(x, rois, 2, 2, 1.0).array
        array([[[[ 5.,  7.],
                 [13., 15.]]]], dtype=float32)
    """
    outh, outw = _roi.check_pair((outh, outw), '(outh, outw)', _LABEL)
    node = ROIPooling2D((outh, outw), _roi.check_spatial_scale(spatial_scale, _LABEL))
    return node.apply((x, rois))[0]
