"""Reports on an experiment's jobs: summaries (best, violations), the status table, export, plots.

Every module here is a pure function of ``list[Job]`` and the ``ExperimentConfig`` except the
drawing code; the commands in ``hyperpower.commands`` only fetch jobs and print.
"""
