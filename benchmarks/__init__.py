"""Benchmark scripts and their results (not part of the installed package).

A regular package, so that ``benchmarks.common`` is found from the repository root even where an
installed distribution also ships a top-level ``benchmarks``.
"""
