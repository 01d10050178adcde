"""``hyperpower run EXP``: generate the config, then suggest, train and measure until done.

Re-running resumes: finished jobs are kept, jobs of a dead run go back to the queue, and
``--max-evals`` counts the experiment's finished jobs in total.
"""

from __future__ import annotations

import argparse
import math
import sys

from hyperpower.commands.options import add_experiment_argument, add_experiment_options, options_from_args


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "run", help="optimize an experiment: suggest, train and measure until --max-evals or --max-time")
    add_experiment_argument(parser)
    add_experiment_options(parser)
    group = parser.add_argument_group("execution")
    group.add_argument("--workers", type=int, default=1, metavar="N",
                       help="local workers running jobs in parallel (with --queue-only: workers expected)")
    group.add_argument("--queue-only", action="store_true",
                       help="only suggest and queue jobs; `hyperpower worker` processes run them")
    group.add_argument("--heartbeat-timeout", type=float, default=60.0, metavar="SECONDS",
                       help="a running job whose worker sent no heartbeat for this long returns to the queue "
                            "(positive; default 60)")
    group.add_argument("--device", metavar="DEV", help="measurement device for on-the-fly profiling, e.g. gpu:0")


def run(args: argparse.Namespace) -> int:
    from hyperpower.experiment import resolve_experiment
    from hyperpower.loop.driver import Driver, RunOptions, seeded_rng
    from hyperpower.loop.preparation import prepare_run, resolve_percentile_budgets, write_run_files
    from hyperpower.optimize import Optimizer
    from hyperpower.store import open_store

    _check_execution_flags(args)
    paths = resolve_experiment(args.experiment)
    options = options_from_args(args, any_metric=paths.layout == "spearmint")
    prepared = prepare_run(paths, options, device=args.device)  # every refusal happens here: nothing written yet
    if options.budget_percentiles:
        resolve_percentile_budgets(paths, options, args.device)
        prepared = prepare_run(paths, options, device=args.device)
    config = prepared.config
    print(_first_line(config, prepared.store_uri), flush=True)
    if config.ignored:
        print(f"hyperpower: {paths.config}: ignoring Spearmint settings HyperPower does not use: "
              f"{', '.join(config.ignored)}", flush=True)
    with open_store(prepared.store_uri) as store:
        models = _profile_missing_models(paths, prepared, store, args)
        write_run_files(paths, prepared)
        finished = sum(j.status.finished for j in store.list_jobs(config.name))
        optimizer = Optimizer(config, models, seeded_rng(config.settings.seed, finished))
        driver = Driver(store, paths, config, prepared.config_path, optimizer,
                        RunOptions(workers=args.workers, queue_only=args.queue_only,
                                   heartbeat_timeout_s=args.heartbeat_timeout),
                        output=lambda line: print(line, flush=True))
        summary = driver.run()
        _print_summary(store, paths, config, summary)
    return 0


def _check_execution_flags(args: argparse.Namespace) -> None:
    from hyperpower.errors import ConfigError

    if args.workers < 1:
        raise ConfigError(f"--workers must be at least 1, got {args.workers}")
    if not math.isfinite(args.heartbeat_timeout) or args.heartbeat_timeout <= 0:
        raise ConfigError(f"--heartbeat-timeout must be a positive number of seconds, got {args.heartbeat_timeout:g}: "
                          f"a running job goes back to the queue when its worker sent no heartbeat for that long, "
                          f"so 0 would take every job away from the worker running it (workers beat every "
                          f"few seconds; the default is 60)")


def _first_line(config, store_uri: str) -> str:
    """The run's settings and effective limits, so a limit kept from an earlier run is visible."""
    from hyperpower.report.table import budget_text
    from hyperpower.store import mask_uri

    settings = config.settings
    limit = f"at most {_duration_text(settings.max_time_s)}" if settings.max_time_s else "no time limit"
    return (f"hyperpower: {config.name}: {settings.method}{'' if settings.aware else ' (unaware)'}, "
            f"objective {settings.objective}, budgets {budget_text(config)}, up to {settings.max_evals} "
            f"evaluations, {limit}, store {mask_uri(store_uri)}")


def _duration_text(seconds: float) -> str:
    hours, rest = divmod(round(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    text = "".join(f"{value}{unit}" for value, unit in ((hours, "h"), (minutes, "m"), (secs, "s")) if value)
    return text or f"{seconds:g}s"


def _profile_missing_models(paths, prepared, store, args) -> dict:
    """An aware HyperPower run lacking a budget metric's model profiles the experiment first
    (after every check passed: this writes models and profiles)."""
    from hyperpower.loop.preparation import load_models, template_feature_function_factory

    if not prepared.to_profile:
        return prepared.models
    from hyperpower.errors import ConfigError
    from hyperpower.hardware.profile import profile_for_run
    from hyperpower.loop.preparation import metrics_needing_models

    config = prepared.config
    print(f"hyperpower: no model for {', '.join(prepared.to_profile)}: profiling {paths.root.name} first", flush=True)
    profile_for_run(paths, config, store, prepared.to_profile, device=args.device)
    models = load_models(paths, config, template_feature_function_factory(paths))
    missing = metrics_needing_models(config, models)
    if missing:
        raise ConfigError(
            f"the aware method {config.settings.method} checks budgets a priori but there is no model for "
            f"{', '.join(missing)}: give one with --model METRIC=FILE or run `hyperpower profile {paths.root}`")
    return models


def _print_summary(store, paths, config, summary) -> None:
    from hyperpower.report.summary import best_feasible_job
    from hyperpower.report.table import jobs_table

    jobs = store.list_jobs(config.name)
    print(f"hyperpower: stopped ({summary.stopped_by}) after {summary.elapsed_s:.0f} s: "
          f"{summary.complete} complete, {summary.broken} broken", flush=True)
    print(jobs_table(jobs, config))
    best = best_feasible_job(jobs, config)
    if best is None:
        print("hyperpower: no feasible configuration yet", file=sys.stderr)
    else:
        print(f"hyperpower: best job {best.id}: {config.settings.objective}={best.values.get(config.settings.objective):.4g} "
              f"params {best.params}")
