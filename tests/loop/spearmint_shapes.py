"""Folders shaped like HIPS Spearmint's example folders (simple, noisy, constrained, distributed,
toy, moo), written for these tests (Spearmint's licence forbids copying its files) with the habits
those files have: ``float(params['x'])`` and ``float(np.square(...) + ...)`` on 1-element arrays,
``'%f' % (x, y)``, ``print(params)``, a ``try/except`` that returns NaN, a per-task main-file
and no top-level one, ``main_file`` spelled with an underscore, returned arrays. Only the Python 2
``print x`` lines are ported, as a user must (``run`` refuses them with a porting hint).
"""

from __future__ import annotations

import json
import math
import textwrap
from pathlib import Path

XY = {"x": {"type": "FLOAT", "size": 1, "min": -5, "max": 10}, "y": {"type": "FLOAT", "size": 1, "min": 0, "max": 15}}
BRANIN_MINIMUM = 0.397887  # at (-pi, 12.275), (pi, 2.275) and (9.42478, 2.475)

BRANIN = """\
    import math
    import numpy as np

    def branin(x, y):
        result = np.square(y - (5.1 / (4 * np.square(math.pi))) * np.square(x) + (5 / math.pi) * x - 6) \\
            + 10 * (1 - (1. / (8 * math.pi))) * np.cos(x) + 10
        result = float(result)
        print('Result = %f' % result)
        return result

    def main(job_id, params):
        print('Job #%d writes into its own log' % job_id)
        print(params)
        return branin(params['x'], params['y'])
    """

NOISY = BRANIN.replace("        return result\n", "        return result + np.random.normal() * 0.01\n")

#: Spearmint's constrained shape: NaN outside 0 <= x <= 5, y <= 5, two CONSTRAINT tasks, and every
#: exception caught, printed and turned into NaN
CONSTRAINED = """\
    import math
    import numpy as np

    def evaluate(job_id, params):
        x = params['X']
        y = params['Y']
        print('Evaluating at (%f, %f)' % (x, y))
        if x < 0 or x > 5.0 or y > 5.0:
            return np.nan
        obj = float(np.square(y - (5.1 / (4 * np.square(math.pi))) * np.square(x) + (5 / math.pi) * x - 6)
                    + 10 * (1 - (1. / (8 * math.pi))) * np.cos(x) + 10)
        return {'branin': obj, 'y_at_least_x': float(y - x), 'y_at_most_10': float(10.0 - y)}

    def main(job_id, params):
        try:
            return evaluate(job_id, params)
        except Exception as ex:
            print(ex)
            print('An error occurred in branin_con.py')
            return np.nan
    """

#: the distributed shape: the task names its main-file, which returns a dict (its sleep of up to 30 s
#: shows off parallel workers; left out so the test stays fast)
DISTRIBUTED = BRANIN.replace("        return result\n", "        return {'branin': result}\n")

#: the PESC/PESM toy: arithmetic on the arrays, arrays returned
TOY = """\
    import numpy as np

    def main(job_id, params):
        x1 = params['x']
        x2 = params['y']
        f = x1 + x2
        c1 = -(1.5 - x1 - 2.0 * x2 - 0.5 * np.sin(2 * np.pi * (x1 ** 2 - 2.0 * x2)))
        c2 = -(x1 ** 2 + x2 ** 2 - 1.5)
        return {'f': f, 'c1': c1, 'c2': c2}
    """

#: the PESM multi-objective shape: two OBJECTIVE tasks from one main-file
MOO = CONSTRAINED.replace("""        if x < 0 or x > 5.0 or y > 5.0:
            return np.nan
""", "").replace("return {'branin': obj, 'y_at_least_x': float(y - x), 'y_at_most_10': float(10.0 - y)}",
                 "return {'branin_1': obj, 'branin_2': -obj}")

UNIT_XY = {"x": {"type": "FLOAT", "size": 1, "min": 0, "max": 1}, "y": {"type": "FLOAT", "size": 1, "min": 0, "max": 1}}
CONSTRAINED_XY = {"X": XY["x"], "Y": XY["y"]}

EXAMPLES: dict[str, tuple[dict, dict[str, str]]] = {
    "simple": ({"language": "PYTHON", "main-file": "branin.py", "experiment-name": "simple-branin",
                "likelihood": "NOISELESS", "variables": XY}, {"branin.py": BRANIN}),
    "noisy": ({"language": "PYTHON", "main-file": "branin_noisy.py", "experiment-name": "noisy-branin",
               "likelihood": "GAUSSIAN", "variables": XY}, {"branin_noisy.py": NOISY}),
    "constrained": ({"language": "PYTHON", "main-file": "branin_con", "experiment-name": "constrained-branin",
                     "variables": CONSTRAINED_XY, "polling-time": 1, "tasks": {
                         "branin": {"type": "OBJECTIVE", "likelihood": "NOISELESS"},
                         "y_at_least_x": {"type": "CONSTRAINT", "likelihood": "NOISELESS"},
                         "y_at_most_10": {"type": "CONSTRAINT", "likelihood": "NOISELESS"}}},
                    {"branin_con.py": CONSTRAINED}),
    "distributed": ({"language": "PYTHON", "experiment-name": "distributed-branin", "polling-time": 1,
                     "resources": {"my-machine": {"scheduler": "local", "max-concurrent": 1}},
                     "tasks": {"branin": {"type": "OBJECTIVE", "likelihood": "NOISELESS", "main-file": "branin",
                                          "resources": ["my-machine"]}},
                     "variables": XY}, {"branin.py": DISTRIBUTED}),
    "toy": ({"language": "PYTHON", "main_file": "toy", "experiment-name": "toy-problem", "acquisition": "PES",
             "max_finished_jobs": 40, "variables": UNIT_XY,
             "tasks": {"f": {"type": "objective"}, "c1": {"type": "constraint"}, "c2": {"type": "constraint"}}},
            {"toy.py": TOY}),
    "moo": ({"language": "PYTHON", "main_file": "branin_con", "experiment-name": "branin-multiobjective",
             "likelihood": "GAUSSIAN", "acquisition": "PESM", "variables": CONSTRAINED_XY,
             "tasks": {"branin_1": {"type": "OBJECTIVE", "fit_mean": False},
                       "branin_2": {"type": "OBJECTIVE", "fit_mean": False}}}, {"branin_con.py": MOO}),
}


def write_example(parent: Path, name: str, config: dict | None = None, files: dict[str, str] | None = None) -> Path:
    """EXAMPLES[name] as a folder under ``parent`` (``config``/``files`` replace the example's)."""
    example_config, example_files = EXAMPLES[name]
    folder = parent / name
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(config or example_config, indent=4) + "\n")
    for file, source in (files or example_files).items():
        (folder / file).write_text(textwrap.dedent(source))
    return folder


def branin(x: float, y: float) -> float:
    return (y - 5.1 / (4 * math.pi ** 2) * x ** 2 + 5 / math.pi * x - 6) ** 2 \
        + 10 * (1 - 1 / (8 * math.pi)) * math.cos(x) + 10


def toy(x: float, y: float) -> dict[str, float]:
    return {"f": x + y, "c1": -(1.5 - x - 2.0 * y - 0.5 * math.sin(2 * math.pi * (x ** 2 - 2.0 * y))),
            "c2": -(x ** 2 + y ** 2 - 1.5)}


def expected_values(name: str, x: float, y: float) -> dict[str, float]:
    """What the example's main-file returns at (x, y), computed here in plain Python."""
    if name in ("simple", "noisy"):
        return {"main": branin(x, y)}
    if name == "distributed":
        return {"branin": branin(x, y)}
    if name == "toy":
        return toy(x, y)
    if name == "moo":
        return {"branin_1": branin(x, y), "branin_2": -branin(x, y)}
    if x < 0 or x > 5.0 or y > 5.0:
        return {"branin": math.nan, "y_at_least_x": math.nan, "y_at_most_10": math.nan}
    return {"branin": branin(x, y), "y_at_least_x": y - x, "y_at_most_10": 10.0 - y}
