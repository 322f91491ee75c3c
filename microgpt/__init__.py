"""microgpt: Karpathy's microgpt as a package. A faithful scalar engine, a fast engine proven equal to it, and the
training, sampling and checkpoint code that the CLI (`python -m microgpt`) and the web page's worker share."""

__version__ = "0.1.0"
