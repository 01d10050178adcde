"""What the benchmark scripts share: where the shared data and the peers' environment are
(``paths``), result caching (``cache``), the peers' set-up (``peers``), the Syne Tune ask/tell
loop (``syne_tune``), NAS-Bench-201's table (``nb201``) and the write-ups' generated blocks
(``writeup``).

Every benchmark script puts the repository root first on ``sys.path`` (so the checkout's
``hyperpower`` is the one measured, whichever venv runs the script) and imports these as
``benchmarks.common.<module>``.
"""
