"""The settings of a run, grouped by concern (``section.HyperPowerSettings`` holds the groups)."""
