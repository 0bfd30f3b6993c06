"""Region of interest (ROI) average align: bilinear samples averaged over each bin."""
import numpy

from dbr import backend
from dbr.functions.pooling import _roi

_LABEL = 'roi_average_align_2d'


class ROIAverageAlign2D(_roi.SeparableROI):
    """Mean of bilinearly interpolated samples per bin; the ROIs get no gradient."""

    label = _LABEL
    check_type_forward = _roi.check_indexed_rois

    def __init__(self, outsize, spatial_scale, sampling_ratio):
        super().__init__()
        self.outsize = outsize
        self.spatial_scale = spatial_scale
        self.sampling_ratio = sampling_ratio

    def tables(self, inputs):
        x, rois, indices = inputs
        xp = backend.get_array_module(x)
        batch, _, h, w = x.shape
        _roi.check_batch_indices(indices, batch, self.label)
        box = rois.astype(numpy.float64) * self.spatial_scale
        (outh, outw), (ratio_h, ratio_w) = self.outsize, self.sampling_ratio
        rows = _roi.sample_profile(
            *_roi.align_samples(box[:, 0], box[:, 2], outh, h, ratio_h, xp), h, xp)
        cols = _roi.sample_profile(
            *_roi.align_samples(box[:, 1], box[:, 3], outw, w, ratio_w, xp), w, xp)
        return (_roi.batched_rows(rows, indices, batch, x.dtype, xp),
                cols.astype(x.dtype, copy=False))


def roi_average_align_2d(x, rois, roi_indices, outsize, spatial_scale, sampling_ratio=None):
    """ROI align (Mask R-CNN) with averaging: bilinear samples on a regular grid in each bin.

    ROI ``r`` spans ``y_min * s`` to ``y_max * s`` and ``x_min * s`` to ``x_max * s`` of image
    ``roi_indices[r]`` of ``x`` (``s = spatial_scale``, no rounding; an ROI shorter than one
    pixel counts as one). Each of its ``outh x outw`` bins holds ``gh x gw`` sample points at
    the centres of a regular sub-grid; a sample reads ``x`` by bilinear interpolation between
    pixel centres (integer coordinates), clamped to the image when it lies less than one pixel
    outside, and counts as 0 when farther out. The output is the mean over the ``gh * gw``
    samples, so the gradient flows to the pixels around every sample.

    Args:
        x: Variable or array ``(n, c, h, w)`` of floats.
        rois: Array ``(R, 4)`` of boxes ``(y_min, x_min, y_max, x_max)`` in input coordinates
            (floats; Variables are accepted and get no gradient).
        roi_indices: Integer array ``(R,)``: the image of ``x`` each box lies in.
        outsize (int or pair of ints): ``(outh, outw)``; ``o`` means ``(o, o)``.
        spatial_scale (float): Factor from box coordinates to ``x``'s pixels.
        sampling_ratio (int or pair of ints or None): Samples per bin along each axis
            ``(gh, gw)``; None (or a None entry) takes ``ceil(roi_size / out)`` per ROI.

    Returns:
        Variable ``(R, c, outh, outw)``.

    Example:
        >>> x = numpy.arange(16, dtype='f').reshape(1, 1, 4, 4)
        >>> rois = numpy.array([[0, 0, 2, 2]], 'f'); idx = numpy.zeros(1, 'i')
        >>> F.roi_average_align_2d(x, rois, idx, 1, 1.0, sampling_ratio=1).array
        array([[[[5.]]]], dtype=float32)
    """
    node = ROIAverageAlign2D(
        _roi.check_pair(outsize, 'outsize', _LABEL),
        _roi.check_spatial_scale(spatial_scale, _LABEL),
        _roi.check_pair(sampling_ratio, 'sampling_ratio', _LABEL, allow_none=True))
    return node.apply((x, rois, roi_indices))[0]
