"""sitegen: a static-site generator for machine-learning tutorials with in-browser demos."""

__version__ = "0.1.0"
