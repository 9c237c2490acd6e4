"""The quality screens: defect history, entry dialog, Pareto and SPC charts."""

from widgets.quality.screen import QualityScreen

__all__ = ["QualityScreen"]
