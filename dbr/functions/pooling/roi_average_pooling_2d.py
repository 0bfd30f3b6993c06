"""Region of interest (ROI) average pooling over integer bins."""
from dbr.functions.pooling import _roi


class ROIAveragePooling2D(_roi.IndexedROI, _roi.SeparableROI):
    """Mean over each integer bin of each ROI; the ROIs and their indices get no gradient."""

    label = 'roi_average_pooling_2d'
    rounded = True

    def tables(self, inputs):
        x, indices, box, xp = self.boxes(inputs)
        batch, _, h, w = x.shape
        outh, outw = self.outsize
        rows = _roi.box_profile(*_roi.quantized_bins(box[:, 0], box[:, 2], outh, h, xp), h, xp)
        cols = _roi.box_profile(*_roi.quantized_bins(box[:, 1], box[:, 3], outw, w, xp), w, xp)
        return (_roi.batched_rows(rows, indices, batch, x.dtype, xp),
                cols.astype(x.dtype, copy=False))


def roi_average_pooling_2d(x, rois, roi_indices, outsize, spatial_scale):
    """Average pooling over regions of interest, each cut into an ``outsize`` grid of bins.

    ROI ``r`` spans rows ``round(y_min * s)`` to ``round(y_max * s)`` and columns
    ``round(x_min * s)`` to ``round(x_max * s)`` of image ``roi_indices[r]`` of ``x``, with
    ``s = spatial_scale`` (rounding halves away from zero; an ROI shorter than one pixel counts
    as one). With ``b = length / out`` along an axis, bin ``p`` covers pixels
    ``floor(p * b)`` to ``ceil((p + 1) * b)`` (exclusive) past the ROI's start, clipped to the
    image; each output is the mean of its bin, 0 for a bin left empty by the clipping.

    Args:
        x: Variable or array ``(n, c, h, w)`` of floats.
        rois: Array ``(R, 4)`` of boxes ``(y_min, x_min, y_max, x_max)`` in input coordinates
            (floats; Variables are accepted and get no gradient).
        roi_indices: Integer array ``(R,)``: the image of ``x`` each box lies in.
        outsize (int or pair of ints): ``(outh, outw)``; ``o`` means ``(o, o)``.
        spatial_scale (float): Factor from box coordinates to ``x``'s pixels (e.g. 1/16 for a
            feature map of stride 16).

    Returns:
        Variable ``(R, c, outh, outw)``.

    Example:
        >>> x = numpy.arange(16, dtype='f').reshape(1, 1, 4, 4)
        >>> rois = numpy.array([[0, 0, 4, 4]], 'f'); idx = numpy.zeros(1, 'i')
        >>> F.roi_average_pooling_2d(x, rois, idx, 2, 1.0).array
        array([[[[ 2.5,  4.5],
                 [10.5, 12.5]]]], dtype=float32)
    """
    return _roi.apply_indexed(ROIAveragePooling2D, (x, rois, roi_indices), outsize,
                              spatial_scale)
