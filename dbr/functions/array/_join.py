"""Concatenation shared by concat, hstack, vstack and dstack: one node, split as backward."""
import numpy

from dbr import backend
from dbr import type_check
from dbr.function_node import FunctionNode


class Join(FunctionNode):
    """Concatenates its inputs along one axis, after viewing each in a common ndim.

    Subclasses define ``_layout(shapes) -> (view_shapes, axis)``; the views are reshapes
    (``vstack`` sees a vector as one row), so the gradient is a split followed by reshapes.
    """

    _shapes = None  # the input shapes, kept only when some input was reshaped

    def _layout(self, shapes):
        raise NotImplementedError

    def check_type_forward(self, in_types):
        if not in_types:
            raise type_check.InvalidType('at least one input', 'no inputs', self.label)
        views, axis = self._layout([x.shape for x in in_types])
        x0 = in_types[0]
        v0 = views[0]
        for i in range(1, len(in_types)):
            x = in_types[i]
            if x.dtype != x0.dtype:
                raise type_check.InvalidType('inputs of one dtype',
                                             f'x0.dtype={x0.dtype}, x{i}.dtype={x.dtype}',
                                             self.label)
            v = views[i]
            if len(v) != len(v0) or v[:axis] != v0[:axis] or v[axis + 1:] != v0[axis + 1:]:
                raise type_check.InvalidType(
                    f'input shapes equal except on the joined axis {axis}',
                    f'x0.shape={x0.shape}, x{i}.shape={x.shape}', self.label)

    def forward(self, inputs):
        xp = backend.get_array_module(*inputs)
        shapes = [x.shape for x in inputs]
        views, axis = self._layout(shapes)
        self._axis = axis
        self._sizes = [v[axis] for v in views]
        if views is not shapes:
            self._shapes = shapes
            inputs = [x.reshape(v) for x, v in zip(inputs, views)]
        return xp.concatenate(inputs, axis=axis),

    def backward(self, indexes, grad_outputs):
        from dbr.functions.array.reshape import reshape
        from dbr.functions.array.split_axis import split_axis
        gy, = grad_outputs
        if len(self._sizes) == 1:
            gxs = (gy,)
        else:
            gxs = split_axis(gy, numpy.cumsum(self._sizes[:-1]).tolist(), self._axis)
        shapes = self._shapes
        if shapes is None:
            return tuple([gxs[i] for i in indexes])
        return tuple([reshape(gxs[i], shapes[i]) for i in indexes])


def as_inputs(xs, label):
    """Checks that ``xs`` is a list/tuple of Variables or arrays and returns it as a tuple."""
    if not isinstance(xs, (list, tuple)):
        raise TypeError(f'{label}: expected a list or tuple of Variables or arrays, got '
                        f'{type(xs).__name__}')
    return tuple(xs)
