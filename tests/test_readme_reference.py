"""The README's Reference section against the code (issue 26 point 8): a config key, a metric, a job
value, an export field, a model-file field or a store table that exists in the code without a row
in the Reference fails here, and so does a row naming one that does not exist. Each list comes
from the code that reads or writes it, never from a copy: the section's tables are parsed, not
grepped, so a name mentioned in passing elsewhere does not count as its row."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from hyperpower import config as config_module
from hyperpower.commands.best import best_record
from hyperpower.commands.options import ExperimentContext
from hyperpower.experiment import ExperimentPaths
from hyperpower.hardware.profile_models import model_document
from hyperpower.hardware.provenance import PROVENANCE_KEYS
from hyperpower.hardware.regression import fit_linear_model
from hyperpower.jobs import Job
from hyperpower.metrics import MEASUREMENT_RECORDS, METRICS
from hyperpower.objective import LATENCY_SPREAD
from hyperpower.report.export import export_records, nested_column
from hyperpower.settings.section import known_keys
from hyperpower.space import Variable, VariableType
from hyperpower.store.mongo import KINDS
from hyperpower.store.mongo_connection import COUNTERS
from hyperpower.store.sqlite_schema import ADDED_COLUMNS, EXPERIMENT_TABLES, JOB_COLUMNS, SCHEMA_VERSION

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text()

HYPERPOWER_KEYS = "config.json's `hyperpower` section"
SPEARMINT_KEYS = "config.json's Spearmint keys"
METRICS_TABLE = "Metrics"
OTHER_VALUES = "A job's other values"
RECORD = "A job's record (`export`, `best --json`)"
MODEL_FILES = "Model files (`EXP/models/METRIC.json`)"
STORES = "Stores"


# -- reading the README -------------------------------------------------------------------------
def top_section(text: str, title: str) -> str:
    """The body of ``## title`` up to the next ``## `` heading."""
    parts = text.split(f"\n## {title}\n", 1)
    assert len(parts) == 2, f"README has no '## {title}' section"
    return re.split(r"\n## ", parts[1], maxsplit=1)[0]


def subsections(section: str) -> dict[str, str]:
    """``### heading`` -> its body, for every subsection of ``section``."""
    pieces = re.split(r"^### (.+)$", section, flags=re.MULTILINE)
    return {heading.strip(): body for heading, body in zip(pieces[1::2], pieces[2::2])}


def split_row(line: str) -> list[str]:
    """The cells of one Markdown table row; ``\\|`` stays inside its cell."""
    cells = re.split(r"(?<!\\)\|", line.strip().strip("|"))
    return [cell.strip() for cell in cells]


def table_rows(body: str) -> list[dict[str, str]]:
    """The rows of the first Markdown table in ``body``, as header -> cell."""
    lines = [line for line in body.splitlines()]
    start = next((i for i, line in enumerate(lines) if line.startswith("|")), None)
    assert start is not None, f"no table in:\n{body[:300]}"
    block = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        block.append(line)
    header, separator, *rows = block
    assert set(separator.replace("|", "").split()) <= {"---"}, f"not a table header: {header}"
    names = split_row(header)
    parsed = []
    for row in rows:
        cells = split_row(row)
        assert len(cells) == len(names), f"row has {len(cells)} cells, the header {len(names)}: {row}"
        parsed.append(dict(zip(names, cells)))
    return parsed


def code_names(cell: str) -> list[str]:
    """The names a cell gives in backticks (`min_epochs`, `max_epochs`, `eta` -> three)."""
    return re.findall(r"`([^`]+)`", cell)


def reference(text: str = README) -> dict[str, str]:
    return subsections(top_section(text, "Reference"))


def first_column(rows: list[dict[str, str]]) -> list[str]:
    column = next(iter(rows[0]))
    return [name for row in rows for name in code_names(row[column])]


def rows_by_name(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    column = next(iter(rows[0]))
    return {name: row for row in rows for name in code_names(row[column])}


def assert_same_names(documented: list[str], actual: set[str], what: str) -> None:
    duplicated = sorted({name for name in documented if documented.count(name) > 1})
    missing = sorted(actual - set(documented))
    unknown = sorted(set(documented) - actual)
    assert not missing, f"README's Reference has no row for {what} {missing}"
    assert not unknown, f"README's Reference documents {what} {unknown}, which the code does not have"
    assert not duplicated, f"README's Reference has two rows for {what} {duplicated}"


# -- the parser itself ---------------------------------------------------------------------------
def test_a_removed_row_is_missed() -> None:
    """The check can fail: the README with one key's row taken out lacks that key."""
    body = reference()[HYPERPOWER_KEYS]
    row = next(line for line in body.splitlines() if line.startswith("| `transfer_from` |"))
    trimmed = README.replace(row + "\n", "")
    documented = first_column(table_rows(reference(trimmed)[HYPERPOWER_KEYS]))
    assert "transfer_from" not in documented
    with pytest.raises(AssertionError, match="no row for"):
        assert_same_names(documented, set(known_keys().values()), "config keys")


def test_cells_keep_an_escaped_bar() -> None:
    assert split_row(r"| `a\|b` | c |") == [r"`a\|b`", "c"]


# -- config.json -----------------------------------------------------------------------------------
def test_every_key_of_the_hyperpower_section_has_a_row() -> None:
    documented = first_column(table_rows(reference()[HYPERPOWER_KEYS]))
    assert_same_names(documented, set(known_keys().values()), "hyperpower-section keys")


def test_each_key_row_names_the_settings_group_that_owns_it() -> None:
    from hyperpower.settings.section import GROUPS

    owner = {key: name for name, group in GROUPS.items() for key in group.KEYS}
    rows = table_rows(reference()[HYPERPOWER_KEYS])
    column = list(rows[0])
    for row in rows:
        for key in code_names(row[column[0]]):
            assert row[column[1]] == owner.get(key, "-"), f"README's Reference gives {key!r} to {row[column[1]]!r}"


def test_every_spearmint_key_has_a_row_saying_where_it_goes() -> None:
    rows = table_rows(reference()[SPEARMINT_KEYS])
    top_level, task = set(config_module._USED_KEYS), set(config_module._TASK_KEYS)
    assert_same_names(first_column(rows), top_level | task, "Spearmint keys")
    by_name = rows_by_name(rows)
    for name in top_level:
        assert "top level" in by_name[name]["where"], f"`{name}` is read at the top level"
    for name in task:
        assert "task" in by_name[name]["where"], f"`{name}` is read in a task"


def test_the_variables_row_names_every_key_a_variable_is_written_with() -> None:
    """``config_to_json``'s variable form, of a FLOAT with every option and of an ENUM."""
    rich = Variable(name="x", type=VariableType.FLOAT, min=1, max=8, size=2, transform="X2", log_scale=True,
                    structural=True)
    enum = Variable(name="y", type=VariableType.ENUM, options=("a", "b"))
    written = set(config_module._variable_to_json(rich)) | set(config_module._variable_to_json(enum))
    cell = rows_by_name(table_rows(reference()[SPEARMINT_KEYS]))["variables"]["meaning (default)"]
    listed = set(re.findall(r"\w+", code_names(cell)[0]))
    assert written <= listed, f"the `variables` row lacks {sorted(written - listed)}"


# -- metrics and values ----------------------------------------------------------------------------
def test_every_metric_has_a_row_with_its_unit_origin_and_budget_units() -> None:
    rows = table_rows(reference()[METRICS_TABLE])
    assert_same_names(first_column(rows), set(METRICS), "metrics")
    for name, row in rows_by_name(rows).items():
        metric = METRICS[name]
        assert row["unit"] == (metric.unit or "-"), f"{name}: the README says unit {row['unit']!r}"
        assert row["origin"] == metric.origin.value, f"{name}: the README says origin {row['origin']!r}"
        documented = {unit.lower() for unit in code_names(row["budget units"])}
        assert documented == {suffix for suffix, _ in metric.suffixes}, (
            f"{name}: the README's budget units {sorted(documented)} are not the registry's "
            f"{sorted(s for s, _ in metric.suffixes)}")


def test_every_other_job_value_has_a_row() -> None:
    documented = first_column(table_rows(reference()[OTHER_VALUES]))
    assert_same_names(documented, {LATENCY_SPREAD, *MEASUREMENT_RECORDS}, "job values")


# -- export and best ---------------------------------------------------------------------------------
def _best_fields(tmp_path: Path) -> set[str]:
    """The keys of ``best --json``'s record of a job (a Spearmint folder: no network file)."""
    config = config_module.config_from_json({"variables": {"x": {"type": "FLOAT", "min": 0, "max": 1}}})
    context = ExperimentContext(paths=ExperimentPaths(tmp_path, "spearmint"), config=config,
                                store_uri=f"sqlite:///{tmp_path / 'hyperpower.sqlite'}")
    return set(best_record(context, Job(id=1, experiment="x")))


def _export_fields() -> set[str]:
    """The keys of ``export``'s record, with the ``pareto_rank`` and verdict it always adds."""
    return set(export_records([Job(id=1, experiment="x")], {}, {1: None}, {1: None})[0])


def test_every_field_of_export_and_best_has_a_row(tmp_path: Path) -> None:
    exported, best = _export_fields(), _best_fields(tmp_path)
    rows = table_rows(reference()[RECORD])
    assert_same_names(first_column(rows), exported | best, "record fields")
    for name, row in rows_by_name(rows).items():
        only_export, only_best = name in exported - best, name in best - exported
        assert row["meaning"].startswith("`export` only") == only_export, f"`{name}`: say whether only export has it"
        assert row["meaning"].startswith("`best --json` only") == only_best, f"`{name}`: say whether only best has it"


def test_csv_columns_named_in_the_reference_are_what_export_writes() -> None:
    body = reference()[RECORD]
    columns = [name for name in re.findall(r"`((?:values|predicted)\.\w+)`", body) if not name.isupper()
               and "METRIC" not in name]
    assert columns, "the Reference names no CSV column"
    known = [*METRICS, *MEASUREMENT_RECORDS, LATENCY_SPREAD]
    for column in columns:
        field = column.split(".", 1)[0]
        assert any(nested_column(field, name) == column for name in known), f"export writes no column {column}"


# -- model files and stores ------------------------------------------------------------------------
def _model_fields() -> set[str]:
    """The keys of a model file as ``profile`` writes it (``model_document`` of a tiny fit)."""
    features = np.arange(1.0, 7.0).reshape(-1, 1)
    fit = fit_linear_model("memory", ["x"], features, 3.0 * features[:, 0] + 10.0, folds=3,
                           rng=np.random.default_rng(0))
    provenance = {key: {} for key in PROVENANCE_KEYS}
    return set(model_document({"hyperparameters": fit}, fit, "profiles/memory.json", provenance))


def test_every_model_file_field_has_a_row() -> None:
    documented = first_column(table_rows(reference()[MODEL_FILES]))
    assert_same_names(documented, _model_fields(), "model-file fields")


def test_every_store_table_and_collection_has_a_row() -> None:
    rows = table_rows(reference()[STORES])
    assert_same_names(first_column(rows), set(EXPERIMENT_TABLES), "SQLite tables")
    collections = [name for row in rows for name in code_names(row["MongoDB collection"])]
    assert_same_names(collections, {f"NAME.{kind}" for kind in KINDS} | {COUNTERS}, "MongoDB collections")


def test_the_stores_paragraph_states_the_schema_version_and_its_columns() -> None:
    body = reference()[STORES]
    stated = re.search(r"schema version (\d+)", body)
    assert stated and int(stated.group(1)) == SCHEMA_VERSION, "the Reference states another schema version"
    for version, columns in ADDED_COLUMNS.items():
        assert f"version {version} " in body, f"the Reference does not say what version {version} added"
        for column, _ in columns:
            assert f"`{column}`" in body, f"the Reference does not name column {column} of version {version}"


def test_every_stored_job_column_is_a_record_field_or_named_in_the_jobs_row() -> None:
    jobs_row = rows_by_name(table_rows(reference()[STORES]))["jobs"]["holds"]
    unnamed = [column for column in JOB_COLUMNS
               if column != "experiment" and column not in _export_fields() and f"`{column}`" not in jobs_row]
    assert not unnamed, f"the Reference's jobs row does not name the stored columns {unnamed}"


# -- the Development tree ------------------------------------------------------------------------------
def test_the_development_tree_names_every_module_and_package() -> None:
    tree = top_section(README, "Development").split("```", 2)[1]
    package = REPO / "hyperpower"
    names = [path.name for path in package.glob("*.py") if path.name not in ("__init__.py", "__main__.py")]
    names += [f"{path.name}/" for path in package.iterdir() if (path / "__init__.py").is_file()]
    missing = sorted(name for name in names if not re.search(rf"(?<![\w/]){re.escape(name)}", tree))
    assert not missing, f"README's Development tree does not name {missing}"
