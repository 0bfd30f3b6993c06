"""Whether an op may write into its input: the argument is a temporary nothing else can reach.

``F.softmax_cross_entropy(model.out(h), t)`` hands the loss a logits Variable that dies when the
call returns. Writing the scores into the logits' memory then saves a buffer the size of the
logits, which for a language model's vocabulary is the largest allocation of the step.

The test is NumPy's own test for eliding temporaries: reference counts. An argument is a
temporary when the only references to the Variable are the call chain's, the only reference to
its array is the Variable's, and the array owns its memory (not a view). Any other holder, such as
a name in the caller, an attribute (``self.y`` in ``L.Classifier``), a list, a view, ``.array``
kept by the caller, or another node that retained it, adds a reference and turns the check off.
The expected counts are measured once at import with a known temporary and a known named value;
where the interpreter can pass named values without a reference (CPython 3.14's borrowed stack
references, free-threaded builds, other implementations), the check is off altogether.
"""
import sys

from dbr.variable import Variable


def _counts(value):
    if isinstance(value, Variable):
        data = value._data
        return sys.getrefcount(value), sys.getrefcount(data)
    return sys.getrefcount(value), 0


def owns_argument(value):
    """True when ``value`` is a temporary argument whose array no one else can see.

    Call it directly from the public function that received ``value`` as a parameter (the
    expected reference counts assume exactly that frame and this one), before storing it anywhere.

    Args:
        value: The Variable or array the public function was called with.

    Returns:
        bool: True if the function may overwrite the array.

    Example:
        >>> def scale_(x):
        ...     return owns_argument(x)
        >>> scale_(dbr.Variable(numpy.ones(3)))
        True
        >>> v = dbr.Variable(numpy.ones(3))
        >>> scale_(v)
        False
    """
    if _EXPECTED is None or _counts(value) != _EXPECTED[isinstance(value, Variable)]:
        return False
    data = value._data if isinstance(value, Variable) else value
    flags = data.flags
    return data.base is None and flags.c_contiguous and getattr(flags, 'writeable', True)


def _calibrate():
    import numpy

    def public_function(value):  # stands for an op's public function calling owns_argument
        return via_owns_argument(value)

    def via_owns_argument(value):  # stands for owns_argument itself
        return _counts(value)

    if sys.implementation.name != 'cpython' or sys.version_info >= (3, 14):
        return None
    if not getattr(sys, '_is_gil_enabled', lambda: True)():
        return None
    expected = {}
    for is_var in (False, True):
        temporary = public_function(Variable(numpy.zeros(1)) if is_var else numpy.zeros(1))
        named = Variable(numpy.zeros(1)) if is_var else numpy.zeros(1)
        held = public_function(named)
        kept_array = numpy.zeros(1)
        held_array = public_function(Variable(kept_array)) if is_var else None
        # A named value must read one more than a temporary, or the counts cannot tell them apart.
        if held[0] != temporary[0] + 1 or (is_var and held_array[1] != temporary[1] + 1):
            return None
        expected[is_var] = temporary
    return expected


_EXPECTED = _calibrate()
