"""Region of interest (ROI) max align: the largest bilinear sample of each bin."""
import numpy

from dbr.functions.pooling import _roi


class ROIMaxAlign2D(_roi.IndexedROI, _roi.GatherROI):
    """Max of bilinearly interpolated samples per bin; the ROIs get no gradient."""

    label = 'roi_max_align_2d'

    def select(self, inputs):
        x, indices, box, xp = self.boxes(inputs)
        batch, c, h, w = x.shape
        (outh, outw), (ratio_h, ratio_w) = self.outsize, self.sampling_ratio
        y_low, y_high, y_frac, y_ok, _ = _roi.align_samples(box[:, 0], box[:, 2], outh, h,
                                                            ratio_h, xp)
        x_low, x_high, x_frac, x_ok, _ = _roi.align_samples(box[:, 1], box[:, 3], outw, w,
                                                            ratio_w, xp)
        n_rois, n_cols = x_low.shape[0], x_low.shape[2]
        # Every sample of a row of the sub-grid at once: bilinear interpolation is separable,
        # so the samples are two GEMMs, as in the average align, with one column per sample.
        cols = _roi.sample_weights(x_low, x_high, x_frac, w, xp).reshape(
            n_rois, outw * n_cols, w).astype(x.dtype, copy=False)
        for i in range(y_low.shape[2]):
            rows = _roi.sample_weights(y_low[:, :, i], y_high[:, :, i], y_frac[:, :, i], h, xp)
            samples = _roi.separable(x, _roi.batched_rows(rows, indices, batch, x.dtype, xp),
                                     cols, xp).reshape(n_rois, c, outh, outw, n_cols)
            ok = y_ok[:, None, :, i, None, None] & x_ok[:, None, None]
            samples = xp.where(ok, samples, -numpy.inf)
            j = samples.argmax(axis=4)
            v = xp.take_along_axis(samples, j[..., None], axis=4)[..., 0]
            if i == 0:
                best, arg = v, j
                continue
            # A later row replaces the running maximum only when strictly larger: the first
            # maximal sample (row-major) wins ties.
            better = v > best
            best = xp.where(better, v, best)
            arg = xp.where(better, i * n_cols + j, arg)
        # The four pixels and weights of each bin's winning sample.
        base = _roi.channel_offsets(indices, x.shape, xp)
        r = xp.arange(n_rois)[:, None, None, None]
        p = xp.arange(outh)[:, None]
        q = xp.arange(outw)
        i, j = arg // n_cols, arg % n_cols
        top = base + y_low[r, p, i] * w
        bottom = base + y_high[r, p, i] * w
        left, right = x_low[r, q, j], x_high[r, q, j]
        fy = y_frac[r, p, i].astype(x.dtype)
        fx = x_frac[r, q, j].astype(x.dtype)
        found = (y_ok.any(axis=2)[:, None, :, None] & x_ok.any(axis=2)[:, None, None, :])
        positions = xp.stack([top + left, top + right, bottom + left, bottom + right])
        weights = xp.stack([(1 - fy) * (1 - fx), (1 - fy) * fx, fy * (1 - fx), fy * fx])
        return positions, weights * found, xp.where(found, best, 0).astype(x.dtype, copy=False)


def roi_max_align_2d(x, rois, roi_indices, outsize, spatial_scale, sampling_ratio=None):
    """ROI align (Mask R-CNN) with max: the largest bilinear sample of each bin.

    ROI ``r`` spans ``y_min * s`` to ``y_max * s`` and ``x_min * s`` to ``x_max * s`` of image
    ``roi_indices[r]`` of ``x`` (``s = spatial_scale``, no rounding; an ROI shorter than one
    pixel counts as one). Each of its ``outh x outw`` bins holds ``gh x gw`` sample points at
    the centres of a regular sub-grid; a sample reads ``x`` by bilinear interpolation between
    pixel centres, clamped to the image when it lies less than one pixel outside and skipped
    when farther out. The output is the largest sample (0 when a bin has none); the gradient
    flows to the four pixels around the first largest sample (row-major).

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
        >>> rois = numpy.array([[0, 0, 4, 4]], 'f'); idx = numpy.zeros(1, 'i')
        >>> F.roi_max_align_2d(x, rois, idx, 1, 1.0, sampling_ratio=2).array
        array([[[[15.]]]], dtype=float32)
    """
    return _roi.apply_indexed(ROIMaxAlign2D, (x, rois, roi_indices), outsize, spatial_scale,
                              sampling_ratio)
