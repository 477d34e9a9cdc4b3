"""The values people type and read, one rule each: money, percentages and dates.

Typed answers (bot/engine), the CSV import (bot/domain), the templates (bot/render) and the
store's integer cents (bot/store) all read and write these through this package, so the
same input gives the same value and the same text on every path. It is pure (no I/O, no
clock, no other ``bot`` package), which is why every layer may import it.
"""
