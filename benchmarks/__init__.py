"""Benchmarks for autograd_mini: timing harness and hand-written reference implementations."""
