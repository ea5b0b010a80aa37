"""oplint: will this TensorFlow model run on the device you ship to?"""

__version__ = "0.1.0"
