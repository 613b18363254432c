"""The one progress display of ``run``, ``sweep`` and ``design``: a bar on a terminal, a line every few seconds elsewhere.

On a terminal, :func:`progress` returns a tqdm bar.  When stderr is a file or a pipe
(a batch job's log, CI), it returns a :class:`LineProgress`, which prints at most one
line every ``interval`` seconds (5 by default), e.g.::

    sweep: worlds 120,000/400,000, 30%, eta 1m20s

and nothing for work that ends sooner.  Both have ``update(n)``, ``reset(total)``,
``close()`` and work as context managers, so callers need not know which they got.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

#: seconds between two progress lines when stderr is not a terminal
LINE_INTERVAL = 5.0


def format_eta(seconds: float) -> str:
    """A duration in seconds as ``45s``, ``1m20s`` or ``2h03m``.

    >>> format_eta(44.6), format_eta(80), format_eta(7380)
    ('45s', '1m20s', '2h03m')
    """
    s = max(0, round(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{(s % 3600) // 60:02d}m"


class LineProgress:
    """Progress as plain lines on ``stream``, at most one every ``interval`` seconds.

    ``total`` and the counts are in ``unit`` (worlds, simulations, points); ``desc``
    starts each line.  ``clock`` (seconds, monotonic) is replaceable for tests.

    >>> ticks = iter([0, 6, 7, 13, 14])
    >>> import io; out = io.StringIO()
    >>> p = LineProgress(40, "chunks", "sweep", stream=out, clock=lambda: next(ticks))
    >>> p.update(10); p.update(2); p.update(10); p.close()
    >>> print(out.getvalue(), end="")
    sweep: chunks 10/40, 25%, eta 18s
    sweep: chunks 22/40, 55%, eta 11s
    sweep: chunks 22/40, 55%, done in 14s
    """

    def __init__(
        self,
        total: int | None,
        unit: str = "it",
        desc: str = "",
        initial: int = 0,
        interval: float = LINE_INTERVAL,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total, self.unit, self.desc = total, unit, desc
        self.n: float = initial
        self._initial: float = initial
        self.interval = interval
        self.stream = stream if stream is not None else sys.stderr
        self._clock = clock
        self._start = self._last = clock()
        self._printed = False
        self._closed = False
        self.stopped = False  #: ended by an error or an interrupt (see :func:`stop`)

    def _count(self, n: float) -> str:
        return f"{n:,.0f}"

    def line(self, now: float) -> str:
        """The progress line at time ``now`` (seconds on ``clock``)."""
        head = f"{self.desc}: " if self.desc else ""
        units = self.unit if self.unit.endswith("s") else self.unit + "s"
        text = f"{head}{units} {self._count(self.n)}"
        if self.total:
            text += f"/{self._count(self.total)}, {100 * self.n / self.total:.0f}%"
            done = self.n - self._initial
            if done > 0 and self.n < self.total:
                rate = done / max(now - self._start, 1e-9)
                text += f", eta {format_eta((self.total - self.n) / rate)}"
        return text

    def update(self, n: float = 1) -> None:
        """Count ``n`` more units done; print a line if ``interval`` seconds passed since the last."""
        self.n += n
        now = self._clock()
        if now - self._last >= self.interval:
            print(self.line(now), file=self.stream, flush=True)
            self._last = now
            self._printed = True

    def reset(self, total: int | None = None) -> None:
        """Start counting again from 0, with a new ``total`` if given (as tqdm's ``reset``)."""
        self.n = self._initial = 0
        if total is not None:
            self.total = total
        self._start = self._clock()

    def close(self) -> None:
        """End the display: a last line with the time taken, if any line was printed."""
        if self._closed:
            return
        self._closed = True
        if self._printed:
            now = self._clock()
            head = self.line(now).split(", eta")[0]
            ended = "stopped after" if self.stopped else "done in"
            print(f"{head}, {ended} {format_eta(now - self._start)}", file=self.stream, flush=True)

    def __enter__(self) -> LineProgress:
        return self

    def __exit__(self, *exc) -> None:
        self.stopped = self.stopped or exc[0] is not None
        self.close()


def stop(display) -> None:
    """Close a display (tqdm or :class:`LineProgress`) that an error or an interrupt ended: a line display's last
    line says ``stopped after``, not ``done in``.

    >>> import io; out = io.StringIO()
    >>> p = LineProgress(40, "chunks", "sweep", stream=out, interval=0, clock=iter([0, 1, 2]).__next__)
    >>> p.update(10); stop(p); print(out.getvalue(), end="")
    sweep: chunks 10/40, 25%, eta 3s
    sweep: chunks 10/40, 25%, stopped after 2s
    """
    if isinstance(display, LineProgress):
        display.stopped = True
    display.close()


def _terminal_width(stream) -> dict:
    """Follow the terminal's size; one that reports none (0 x 0, as some CI consoles do) gets 100 x 40."""
    import os

    try:
        cols = os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError, AttributeError):
        cols = 0
    return {"dynamic_ncols": True} if cols > 0 else {"ncols": 100, "nrows": 40}


def progress(
    total: int | None,
    unit: str = "it",
    desc: str = "",
    initial: int = 0,
    enabled: bool = True,
    leave: bool = True,
    stream: TextIO | None = None,
    interval: float | None = None,
) -> Any:
    """A progress display for ``total`` units of work on ``stream`` (default stderr).

    A tqdm bar if ``stream`` is a terminal, else a :class:`LineProgress` (a line every
    ``interval`` seconds, default :data:`LINE_INTERVAL`); with ``enabled=False``, a display that shows nothing.  ``leave``:
    keep the finished bar on the terminal.

    >>> import io
    >>> type(progress(10, "worlds", "run", stream=io.StringIO())).__name__
    'LineProgress'
    """
    stream = stream if stream is not None else sys.stderr
    interactive = bool(getattr(stream, "isatty", lambda: False)())
    if interactive or not enabled:
        from tqdm import tqdm

        tqdm.monitor_interval = 0  # no monitor thread: worker processes may then start by a fast fork
        return tqdm(
            total=total,
            initial=initial,
            unit=unit,
            unit_scale=unit == "world",
            desc=desc,
            file=stream,
            disable=not enabled,
            leave=leave,
            smoothing=0.1,
            **_terminal_width(stream),
        )
    every = LINE_INTERVAL if interval is None else interval
    return LineProgress(total, unit, desc, initial=initial, interval=every, stream=stream)


class GenerationProgress:
    """The progress of a fit, as ``calibrate``'s ``on_progress(t, accepted, n, evaluations)``: a display per generation.

    Each generation (``t``; -1 is pyabc's pass over the prior) gets its own :func:`progress`
    of accepted particles, named ``generation T/GENERATIONS`` after ``prefix``; call
    :meth:`close` when the fit ends (or fails).  With ``what`` (a reference table's one pass),
    the display counts ``what`` and is named ``prefix`` alone.

    >>> import io
    >>> bars = GenerationProgress(2, "fold 1/3", stream=io.StringIO())
    >>> bars(0, 5, 16, 8); bars(0, 16, 16, 30); bars(1, 4, 16, 9); bars.close()
    >>> bars.bar.desc
    'fold 1/3: generation 2/2'
    """

    def __init__(self, generations: int, prefix: str = "", stream: TextIO | None = None, what: str = "") -> None:
        self.generations = generations
        self.what = what
        self.prefix = f"{prefix}: " if prefix else ""
        self.stream = stream
        self.t: int | None = None
        self.bar: Any = None
        self.done = 0

    def __call__(self, t: int, accepted: int, n: int, evaluations: int) -> None:
        if t != self.t:
            self.close()
            if self.what:  # one pass (a reference table), named by the prefix alone
                label = self.prefix.removesuffix(": ")
            else:
                label = self.prefix + (f"generation {t + 1}/{self.generations}" if t >= 0 else "prior pass")
            self.t, self.done = t, 0
            self.bar = progress(n, self.what or "particles", label, stream=self.stream)
        self.bar.update(accepted - self.done)
        self.done = accepted

    def close(self) -> None:
        """Close the current generation's display, if any."""
        if self.bar is not None:
            self.bar.close()
