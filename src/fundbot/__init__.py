"""fundbot: fund the open source your organisation depends on."""

__version__ = "0.1.0"
