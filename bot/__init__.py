"""Rebound: a Slack assistant for learning from lost deals and running honest pilots."""

__version__ = "0.1.0"
