"""Region of interest (ROI) max pooling over integer bins."""
from dbr.functions.pooling import _roi


class ROIMaxPooling2D(_roi.IndexedROI, _roi.GatherROI):
    """Max over each integer bin of each ROI; the ROIs and their indices get no gradient."""

    label = 'roi_max_pooling_2d'
    rounded = True

    def select(self, inputs):
        x, indices, box, xp = self.boxes(inputs)
        return _roi.bin_max(x, indices, box[:, 0], box[:, 1], box[:, 2], box[:, 3],
                            self.outsize, xp)


def roi_max_pooling_2d(x, rois, roi_indices, outsize, spatial_scale):
    """Max pooling over regions of interest (Fast R-CNN's ROI pooling).

    ROI ``r`` spans rows ``round(y_min * s)`` to ``round(y_max * s)`` and columns
    ``round(x_min * s)`` to ``round(x_max * s)`` of image ``roi_indices[r]`` of ``x``, with
    ``s = spatial_scale`` (rounding halves away from zero; an ROI shorter than one pixel counts
    as one). With ``b = length / out`` along an axis, bin ``p`` covers pixels
    ``floor(p * b)`` to ``ceil((p + 1) * b)`` (exclusive) past the ROI's start, clipped to the
    image. Each output is the maximum of its bin, 0 for a bin left empty by the clipping; the
    gradient goes to the first maximal pixel (row-major) of each bin.

    Args:
        x: Variable or array ``(n, c, h, w)`` of floats.
        rois: Array ``(R, 4)`` of boxes ``(y_min, x_min, y_max, x_max)`` in input coordinates
            (floats; Variables are accepted and get no gradient).
        roi_indices: Integer array ``(R,)``: the image of ``x`` each box lies in.
        outsize (int or pair of ints): ``(outh, outw)``; ``o`` means ``(o, o)``.
        spatial_scale (float): Factor from box coordinates to ``x``'s pixels.

    Returns:
        Variable ``(R, c, outh, outw)``.

    Example:
        >>> x = numpy.arange(16, dtype='f').reshape(1, 1, 4, 4)
        >>> rois = numpy.array([[0, 0, 4, 4]], 'f'); idx = numpy.zeros(1, 'i')
        >>> F.roi_max_pooling_2d(x, rois, idx, 2, 1.0).array
        array([[[[ 5.,  7.],
                 [13., 15.]]]], dtype=float32)
    """
    return _roi.apply_indexed(ROIMaxPooling2D, (x, rois, roi_indices), outsize, spatial_scale)
