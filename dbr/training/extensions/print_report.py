"""``PrintReport``: prints selected entries of the LogReport's log as aligned columns."""
import sys

from dbr.training.extension import Extension
from dbr.training.extensions import progress_bar


class PrintReport(Extension):
    """Prints a header once, then one row per new entry of a LogReport's log.

    Each column is ``max(10, len(entry))`` characters wide, columns are separated by two
    spaces, numbers are printed with the ``g`` format and missing values as blanks. Rows are
    written above a :class:`ProgressBar` drawn on the same stream.

    Args:
        entries (list of str): Keys of the log to print, e.g. ``['epoch', 'main/loss']``.
        log_report (str or LogReport): Name of the trainer's LogReport extension, or a
            LogReport instance that this extension calls itself.
        out: Stream to print to (standard output, looked up at each print, by default).

    Example:
        >>> trainer.extend(extensions.PrintReport(
        ...     ['epoch', 'main/loss', 'validation/main/accuracy']))  # doctest: +SKIP
    """

    def __init__(self, entries, log_report='LogReport', out=None):
        self._entries = list(entries)
        self._log_report = log_report
        self._out = out
        self._log_len = 0  # number of log entries already printed
        widths = [max(10, len(s)) for s in self._entries]
        self._header = '  '.join(f'{e:{w}}' for e, w in zip(self._entries, widths)) + '\n'
        self._widths = widths

    def _stream(self):
        return self._out if self._out is not None else sys.stdout

    def __call__(self, trainer):
        log_report = self._log_report
        if isinstance(log_report, str):
            log_report = trainer.get_extension(log_report)
        elif hasattr(log_report, 'log') and callable(log_report):
            log_report(trainer)  # an instance of our own: we keep it up to date
        else:
            raise TypeError(f'PrintReport: log_report must be a LogReport or the name of one, '
                            f'got {type(log_report).__name__}')
        text = ''
        if self._header:
            text = self._header
            self._header = None
        log = log_report.log
        while len(log) > self._log_len:
            text += self._format_row(log[self._log_len])
            self._log_len += 1
        if text:
            progress_bar.write_above_bars(self._stream(), text)

    def _format_row(self, observation):
        cells = []
        for entry, width in zip(self._entries, self._widths):
            if entry not in observation:
                cells.append(' ' * (width + 2))
                continue
            value = observation[entry]
            try:
                cells.append(f'{value:<{width}g}  ')
            except (TypeError, ValueError):
                cells.append(f'{str(value):<{width}}  ')
        return ''.join(cells) + '\n'

    def serialize(self, serializer):
        log_report = self._log_report
        if not isinstance(log_report, str):
            log_report.serialize(serializer['_log_report'])
