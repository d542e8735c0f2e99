"""Small timing harness for the benchmarks: medians, a plain-text table, peak memory.

The machine is shared and noisy, so every figure is a median over several
repeats, each repeat timing an auto-calibrated number of back-to-back calls.
``keep_freed_memory()`` optionally takes page-fault cost out of the timings.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable, Sequence


def keep_freed_memory(threshold_bytes: int = 1 << 30) -> bool:
    """Make glibc's malloc reuse freed memory instead of handing it back to the OS.

    By default glibc serves large blocks with ``mmap`` and trims the heap
    after big frees, so every large numpy temporary of a step lands on fresh
    pages, and on this VM the page faults cost more than the arithmetic
    (about 1800 faults and over half the time of a numpy W3 step). Raising
    ``M_MMAP_THRESHOLD`` and ``M_TRIM_THRESHOLD`` to ``threshold_bytes``
    keeps the pages mapped for the next step. It is process-wide, so call it
    once before timing and it applies to every implementation alike. Returns
    False (and changes nothing) where glibc's ``mallopt`` is unavailable.
    """
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return False
    mallopt = getattr(ctypes.CDLL(libc_name), "mallopt", None)
    if mallopt is None:
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3
    return bool(mallopt(m_mmap_threshold, threshold_bytes)) and bool(mallopt(m_trim_threshold, threshold_bytes))


def format_seconds(seconds: float) -> str:
    """Format a duration as e.g. ``"812 ns"``, ``"5.6 µs"``, ``"1.34 ms"`` or ``"2.5 s"``."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def print_table(
    title: str,
    rows: Sequence[tuple[str, float] | tuple[str, float, float | None]],
    baseline_name: str,
    spreads: dict[str, tuple[float, float]] | None = None,
) -> None:
    """Print an aligned table of ``(name, seconds[, target_ratio])`` rows.

    Columns: name, median time per step, ratio to the row named
    ``baseline_name`` (e.g. ``3.21x``) and, for rows that give a target
    ratio, ``<= 4x: ok`` or ``<= 4x: MISS``. With ``spreads`` (name to the
    low and high ratio of the rounds, see ``ratio_range``), each named row's
    ratio is followed by that range, e.g. ``1.04x (1.01-1.08)``, so that a
    verdict whose range crosses its target can be seen to be one.
    """
    baseline = {row[0]: row[1] for row in rows}[baseline_name]
    lines = []
    for row in rows:
        name, seconds = row[0], row[1]
        target = row[2] if len(row) > 2 else None
        ratio = seconds / baseline
        spread = ""
        if spreads and name in spreads and name != baseline_name:
            lo, hi = spreads[name]
            spread = f"({lo:.2f}-{hi:.2f})"
        verdict = "" if target is None else f"<= {target:g}x: {'ok' if ratio <= target else 'MISS'}"
        lines.append((name, format_seconds(seconds), f"{ratio:.2f}x", spread, verdict))
    widths = [max(len(line[i]) for line in lines) for i in range(5)]
    print(title)
    for name, time_text, ratio_text, spread, verdict in lines:
        spread = f"  {spread:<{widths[3]}}" if widths[3] else ""
        print(f"  {name:<{widths[0]}}  {time_text:>{widths[1]}}  {ratio_text:>{widths[2]}}{spread}  {verdict}".rstrip())


def peak_memory(fn: Callable[[], object]) -> float:
    """Return the peak MiB allocated during one call of ``fn()``, above what was live before.

    Uses tracemalloc, which sees Python objects and numpy array buffers (numpy
    reports its allocations to it); memory from libraries with their own
    allocator (e.g. torch tensors) is invisible to it.
    """
    gc.collect()
    started_here = not tracemalloc.is_tracing()
    if started_here:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before, _ = tracemalloc.get_traced_memory()
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        if started_here:
            tracemalloc.stop()
    return (peak - before) / 2**20


CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}
"""The clocks a benchmark can time with. "cpu" is the process's CPU time (user
and system, page faults included): on a loaded machine it leaves out the time
the process waits for a core, which wall time charges to whichever row was
running. It adds up all of the process's threads, so it measures a
single-threaded run only (BLAS and torch limited to one thread)."""


def interleaved_samples(
    rows: dict[str, Callable[[], object]], repeat: int, min_time: float,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, list[float]]:
    """Seconds per call of each row in each of `repeat` rounds, the rows' repeats taken in turn.

    Timing one row's repeats back to back lets a burst of load on a shared
    machine land on one row only. Here every round times each row once (an
    auto-calibrated batch of calls, garbage collector off), so load bursts
    spread over all rows and the ratios stay stable. Round r starts at row
    r (mod the number of rows), so no row always follows the same other row.
    Sample i of every row comes from round i: ``samples[a][i] / samples[b][i]``
    is a ratio of two timings taken moments apart. `clock` reads the time of
    each round (``time.process_time`` for CPU time: see ``CLOCKS``); the batch
    sizes are calibrated on the wall clock.
    """
    numbers = {}
    for name, fn in rows.items():
        fn()  # warm-up
        number = 1
        while True:
            start = time.perf_counter()
            for _ in range(number):
                fn()
            if time.perf_counter() - start >= min_time / 4:
                break
            number *= 2
        numbers[name] = number
    names = list(rows)
    samples: dict[str, list[float]] = {name: [] for name in rows}
    gc_was_enabled = gc.isenabled()
    try:
        for r in range(repeat):
            for name in names[r % len(names):] + names[: r % len(names)]:
                fn = rows[name]
                gc.collect()
                gc.disable()
                start = clock()
                for _ in range(numbers[name]):
                    fn()
                samples[name].append((clock() - start) / numbers[name])
                gc.enable()
    finally:
        if gc_was_enabled:
            gc.enable()
        else:
            gc.disable()
    return samples


def interleaved_medians(
    rows: dict[str, Callable[[], object]], repeat: int, min_time: float
) -> dict[str, float]:
    """Median seconds per call of each row over `repeat` interleaved rounds (see interleaved_samples)."""
    return {name: statistics.median(s) for name, s in interleaved_samples(rows, repeat, min_time).items()}


def ratio_range(samples: dict[str, list[float]], name: str, baseline: str) -> tuple[float, float]:
    """The lowest and highest ratio of `name` to `baseline` within one round (quartiles
    from 8 rounds on, so that a single disturbed round does not set the range)."""
    ratios = sorted(a / b for a, b in zip(samples[name], samples[baseline], strict=True))
    if len(ratios) >= 8:
        q1, _, q3 = statistics.quantiles(ratios, n=4, method="inclusive")
        return q1, q3
    return ratios[0], ratios[-1]
