"""Where an experiment's files are: HyperPower's layout (design §4) or a plain Spearmint folder."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from hyperpower.errors import ConfigError


@dataclasses.dataclass(frozen=True)
class ExperimentPaths:
    root: Path
    layout: str  # "hyperpower" (keras_model/network_def.py) or "spearmint" (config.json at root)

    @property
    def name(self) -> str:
        return self.root.name

    @property
    def template(self) -> Path:
        return self.root / "keras_model" / "network_def.py"

    @property
    def config(self) -> Path:
        if self.layout == "spearmint":
            return self.root / "config.json"
        return self.root / "spearmint" / "config.json"

    @property
    def output_dir(self) -> Path:
        return self.root / "output"

    @property
    def run_config(self) -> Path:
        """The effective settings of the last ``run`` (flags included), which its jobs read."""
        return self.output_dir / "run_config.json"

    @property
    def models_dir(self) -> Path:
        return self.root / "models"

    @property
    def profiles_dir(self) -> Path:
        """Every profiling run's measured samples (``profile-<device>-<time>.json``)."""
        return self.root / "profiles"

    @property
    def plots_dir(self) -> Path:
        """Where ``hyperpower plot`` writes its figures by default."""
        return self.root / "plots"

    @property
    def default_store_uri(self) -> str:
        return f"sqlite:///{(self.root / 'hyperpower.sqlite').resolve()}"

    def job_log(self, job_id: int) -> Path:
        return self.output_dir / f"job_{job_id:05d}.out"

    def job_network(self, job_id: int) -> Path:
        return self.output_dir / f"job_{job_id:05d}_network.py"

    def job_model(self, job_id: int) -> Path:
        """The job's trained model in Keras's native format (``keras.saving.load_model`` reads it)."""
        return self.output_dir / f"job_{job_id:05d}.keras"


def resolve_experiment(path: str | Path) -> ExperimentPaths:
    """Find the layout of an experiment folder; ConfigError when it is neither."""
    root = Path(path).expanduser().resolve()
    if not root.is_dir():
        raise ConfigError(f"experiment folder {path} does not exist")
    if (root / "keras_model" / "network_def.py").is_file():
        return ExperimentPaths(root, "hyperpower")
    if (root / "config.json").is_file():
        return ExperimentPaths(root, "spearmint")
    if (root / "spearmint" / "config.json").is_file():
        return ExperimentPaths(root, "hyperpower")
    raise ConfigError(
        f"{path} is not an experiment folder: expected keras_model/network_def.py (HyperPower) "
        f"or config.json (Spearmint)"
    )
