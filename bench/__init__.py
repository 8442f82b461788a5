"""Benchmarks of the bot: `python -m bench` (see bench/README.md).

Every figure is printed next to a baseline measured in the same run, so a slow machine slows
both and the ratio still says whether the bot's own cost is where it should be.
"""
