"""``python -m quotetrack``: the command line, as the ``quotetrack`` script runs it."""

from .cli import cli

if __name__ == "__main__":  # not in the worker processes that spawn starts from this module
    cli(prog_name="quotetrack")
