"""HyperPower: power- and memory-constrained hyper-parameter optimization for Keras networks.

The package is layered like the tool's data flow:

    template -> space -> optimize -> store -> loop -> objective -> hardware -> report

Each layer talks to the next through the small records defined in ``jobs`` and ``space``.
Heavy libraries (keras, pymongo, pynvml, matplotlib) are imported only where used, so the
command line and the optimizer start fast.
"""

__version__ = "0.1.0"
