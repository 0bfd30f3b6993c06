"""Label validation shared by the classification metrics."""


def check_labels(label, t, n_class, ignore_label):
    """Raises ValueError naming ``label`` if a label outside ``[0, n_class)`` is not ignored.

    ``n_class`` None checks only that labels are non-negative. The common case costs one
    reduction; the offending value is looked up only on the error path.
    """
    bad = t < 0
    if n_class is not None:
        bad |= t >= n_class
    if ignore_label is not None:
        bad &= t != ignore_label
    if bool(bad.any()):
        value = int(t[bad].ravel()[0])
        valid = f'[0, {n_class})' if n_class is not None else 'non-negative'
        ignored = '' if ignore_label is None else f' or equal to ignore_label={ignore_label}'
        hint = ''
        if ignore_label is None and value < 0:
            hint = f' (pass ignore_label={value} to skip such entries)'
        raise ValueError(f'{label}: labels must be {valid}{ignored}, got {value}{hint}')
