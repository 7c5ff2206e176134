"""wipbot: where every production order stands, asked where people already talk."""

__version__ = "0.1.0"
