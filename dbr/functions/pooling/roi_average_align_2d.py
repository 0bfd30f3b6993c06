"""Region of interest (ROI) average align: bilinear samples averaged over each bin."""
from dbr.functions.pooling import _roi


class ROIAverageAlign2D(_roi.IndexedROI, _roi.SeparableROI):
    """Mean of bilinearly interpolated samples per bin; the ROIs get no gradient."""

    label = 'roi_average_align_2d'

    def tables(self, inputs):
        x, indices, box, xp = self.boxes(inputs)
        batch, _, h, w = x.shape
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
    return _roi.apply_indexed(ROIAverageAlign2D, (x, rois, roi_indices), outsize, spatial_scale,
                              sampling_ratio)
