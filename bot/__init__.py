"""paperbot: each day's trending AI papers, ranked, in your team's chat."""

__version__ = "0.1.0"
