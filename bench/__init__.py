"""Rebound's benchmarks: ``python -m bench [--quick]`` from the repository root.

Modules: :mod:`bench.startup` (start-up and memory), :mod:`bench.ack_latency` (how fast
Slack gets its ack), :mod:`bench.concurrency` (many reps at once), and
``bench.weekly_summary`` (the weekly summary over a year of data). Shared pieces are in
:mod:`bench.harness`, :mod:`bench.reps` and :mod:`bench.noop_server` (the baseline). They
import the Slack stand-ins from ``tests/support``. Figures and how to read them:
bench/RESULTS.md.
"""
