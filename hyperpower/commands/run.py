"""``hyperpower run EXP``: generate the config, then suggest, train and measure until done.

Re-running resumes: finished jobs are kept, jobs of a dead run go back to the queue, and
``--max-evals`` counts the experiment's finished jobs in total. Ctrl-C or SIGTERM stops the run:
the running jobs go back to the queue, one line says so, and the exit status is 130 or 143.
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import TYPE_CHECKING

from hyperpower.commands.options import add_experiment_argument, add_experiment_options, options_from_args

if TYPE_CHECKING:
    from hyperpower.loop.interrupts import StopSignals
    from hyperpower.loop.preparation import PreparedRun


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
    from hyperpower.loop.interrupts import StopSignals

    _check_execution_flags(args)
    with StopSignals() as signals:  # before the loop, a signal interrupts at once (exit 130/143)
        return _run(args, signals)


def _run(args: argparse.Namespace, signals: StopSignals) -> int:
    from hyperpower.devices import check_run_devices
    from hyperpower.experiment import resolve_experiment
    from hyperpower.loop.driver import Driver, RunOptions, seeded_rng
    from hyperpower.loop.preparation import prepare_run, resolve_percentile_budgets, write_run_files
    from hyperpower.loop.transfer_sources import load_transfer_prior, transfer_lines
    from hyperpower.optimize import Optimizer
    from hyperpower.store import open_store

    paths = resolve_experiment(args.experiment)
    options = options_from_args(args, any_metric=paths.layout == "spearmint")
    prepared = prepare_run(paths, options, device=args.device)  # every refusal happens here: nothing written yet
    check_run_devices(prepared.config.settings, args.queue_only, layout=paths.layout)
    loaded_transfer = load_transfer_prior(prepared.store_uri, prepared.config)  # refusals before anything is written
    transfer = loaded_transfer[0] if loaded_transfer is not None else None
    print(_first_line(prepared.config, prepared.store_uri, options.budget_percentiles), flush=True)
    for line in prepared.notes:
        print(line, flush=True)
    if options.budget_percentiles:  # may profile first; says the value it chose
        resolve_percentile_budgets(paths, options, args.device)
        prepared = prepare_run(paths, options, device=args.device)
    config = prepared.config
    if loaded_transfer is not None:
        for line in transfer_lines(*loaded_transfer, config.settings.objectives.names):
            print(line, flush=True)
    if config.ignored:
        print(f"hyperpower: {paths.config}: ignoring Spearmint settings HyperPower does not use: "
              f"{', '.join(config.ignored)}", flush=True)
    with open_store(prepared.store_uri) as store:
        models = _models_for(paths, prepared, store, args)
        write_run_files(paths, prepared)
        finished = sum(j.status.finished for j in store.list_jobs(config.name))
        optimizer = Optimizer(config, models, seeded_rng(config.settings.search.seed, finished), transfer=transfer)
        driver = Driver(store, paths, config, prepared.config_path, optimizer,
                        RunOptions(workers=args.workers, queue_only=args.queue_only,
                                   heartbeat_timeout_s=args.heartbeat_timeout),
                        output=lambda line: print(line, flush=True), stop_event=signals.event)
        with signals.deferred():  # a first Ctrl-C/SIGTERM now stops the loop cleanly
            summary = driver.run()
        if summary.stopped_by == "interrupted":
            _print_interruption(paths, summary, signals.signal_name)
            return signals.exit_code
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


def _first_line(config, store_uri: str, percentiles: dict[str, float] | None = None) -> str:
    """The run's settings and effective limits, so a limit kept from an earlier run is visible;
    always the run's first line, also when profiling comes next (a percentile budget, ``memory
    <= p50``, gets its value from the model on a line of its own)."""
    from hyperpower.report.table import budget_text
    from hyperpower.settings.schedule import schedule_text
    from hyperpower.store import mask_uri

    settings = config.settings
    limit = f"at most {_duration_text(settings.search.max_time_s)}" if settings.search.max_time_s else "no time limit"
    budgets = [budget_text(config)] if config.constraint_tasks else []
    budgets += [f"{metric} <= p{percentile:g} (from the {metric} model)" for metric, percentile in (percentiles or {}).items()]
    fidelity = schedule_text(settings)
    return (f"hyperpower: {config.name}: {settings.search.method}{'' if settings.search.aware else ' (unaware)'}, "
            f"{_objectives_text(settings)}, budgets {', '.join(budgets) or 'none'}, up to {settings.search.max_evals} "
            f"evaluations, {limit}, " + (f"{fidelity}, " if fidelity else "") + f"store {mask_uri(store_uri)}")


def _objectives_text(settings) -> str:
    names = settings.objectives.names
    return f"objective {names[0]}" if len(names) == 1 else f"objectives {', '.join(names)} (Pareto front)"


def _duration_text(seconds: float) -> str:
    hours, rest = divmod(round(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    text = "".join(f"{value}{unit}" for value, unit in ((hours, "h"), (minutes, "m"), (secs, "s")) if value)
    return text or f"{seconds:g}s"


def _print_interruption(paths, summary, signal_name: str) -> None:
    """The one line an interrupted run ends with: what became of its running jobs."""
    given_back = (f"job(s) {', '.join(map(str, summary.released))} went back to the queue"
                  if summary.released else "no job was running")
    print(f"hyperpower: interrupted by {signal_name} after {summary.elapsed_s:.0f} s "
          f"({summary.complete} complete, {summary.broken} broken): {given_back}; "
          f"`hyperpower run {paths.root}` continues", file=sys.stderr, flush=True)


def _models_for(paths, prepared: PreparedRun, store, args) -> dict:
    """The budget metrics' models ``prepare_run`` found; an aware HyperPower run profiles the
    experiment first when one is missing, or when its own EXP/models/<metric>.json no longer fits
    the template (a model the user named is refused instead, by ``load_models``). Then says what
    each modelled budget means for the search space, and where a model predicts impossible values."""
    from hyperpower.errors import ConfigError
    from hyperpower.loop.model_files import load_models
    from hyperpower.loop.preparation import (budget_coverage_lines, impossible_prediction_lines, metrics_needing_models,
                                             template_feature_function_factory)

    config, loaded = prepared.config, prepared.loaded
    for metric, why in loaded.stale.items():
        print(f"hyperpower: {why}" + ("" if metric in prepared.to_profile else f"; not used (this run measures {metric})"),
              flush=True)
    if prepared.to_profile:
        from hyperpower.hardware.profile import profile_for_run

        print(f"hyperpower: no usable model for {', '.join(prepared.to_profile)}: profiling {paths.root.name} first",
              flush=True)
        if config.settings.devices.options:  # one model per device (issue 14)
            from hyperpower.loop.device_preparation import profile_devices

            profile_devices(paths, config, store, prepared.to_profile)
        else:
            profile_for_run(paths, config, store, prepared.to_profile, device=args.device)
        loaded = load_models(paths, config, template_feature_function_factory(paths))
        missing = metrics_needing_models(config, loaded.models)
        if missing:
            raise ConfigError(
                f"the aware method {config.settings.search.method} checks budgets a priori but there is no usable model "
                f"for {', '.join(missing)}: give one with --model METRIC=FILE or run `hyperpower profile {paths.root}`")
    for line in loaded.warnings:
        print(line, flush=True)
    for line in budget_coverage_lines(config, loaded.models):
        print(line, flush=True)
    for line in impossible_prediction_lines(config, loaded.models):
        print(line, flush=True)
    if loaded.models and config.settings.search.aware:
        names = ", ".join(sorted(loaded.models))
        print(f"hyperpower: models of {names}: " + (
            "fixed as profiled (--models-fixed)" if config.settings.budgets.models_fixed else
            "learning from this run's measurements (each model the prior mean of a GP over its residuals; "
            "--models-fixed keeps them as profiled)"), flush=True)
    return loaded.models


def _print_summary(store, paths, config, summary) -> None:
    from hyperpower.report.pareto import front_summary_line, has_several_objectives, pareto_front
    from hyperpower.feasibility import is_invalid_job
    from hyperpower.report.summary import best_feasible_job
    from hyperpower.report.table import format_params, jobs_table
    from hyperpower.units import format_value

    jobs = store.list_jobs(config.name)
    cancelled = (f"; {len(summary.cancelled)} queued job(s) no worker finished were cancelled"
                 if summary.cancelled else "")
    invalid = sum(is_invalid_job(job, config) for job in jobs)
    invalid_text = f" ({invalid} of them invalid: NaN result)" if invalid else ""
    print(f"hyperpower: stopped ({summary.stopped_by}) after {summary.elapsed_s:.0f} s: "
          f"{summary.complete} complete{invalid_text}, {summary.broken} broken{cancelled}", flush=True)
    print(jobs_table(jobs, config))
    best = best_feasible_job(jobs, config)
    if has_several_objectives(config):
        front = pareto_front(jobs, config)
        if front.jobs:
            print(f"hyperpower: {front_summary_line(front)} (`hyperpower pareto {paths.root}` for their files)")
        else:
            print("hyperpower: no feasible configuration yet", file=sys.stderr)
    elif best is None:
        print("hyperpower: no feasible configuration yet", file=sys.stderr)
    else:
        objective = config.settings.objectives.primary
        fidelity = f" at {best.epochs} epoch{'' if best.epochs == 1 else 's'}" if best.epochs is not None else ""
        print(f"hyperpower: best job {best.id}{fidelity}: {objective}="
              f"{format_value(objective, best.values.get(objective))} | {format_params(best.params)} "
              f"(`hyperpower best {paths.root}` for its files)")
