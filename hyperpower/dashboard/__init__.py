"""``hyperpower dashboard``: a live, local, read-only web page over an experiment store.

A view over the store, as ``status``, ``best``, ``pareto`` and ``plot`` are: it reads jobs through
the same ``ExperimentStore`` interface (opened read-only) and states them through the same report
functions (``hyperpower.report``), so the page and the terminal never disagree. Plotly's own
JavaScript bundle, as the ``plotly`` package ships it, draws every figure in the browser.

The package follows the data's path, one concern per module:

* ``source``: which experiments, their settings, folders and jobs, read from the store;
* ``overview``, ``job_table``, ``job_page``: the JSON views of one experiment;
* ``figures``, ``figures_hardware``, ``figures_pareto``: the Plotly figures, as JSON, with what
  they share (escaping, hover text, layout) in ``figure_style``;
* ``job_files``: which of an experiment's files a job page may serve (and nothing else);
* ``views``: one experiment's state for the page's polling, cached until the store changes;
* ``server``: the HTTP routes, security headers and static files (``static/``).
"""
