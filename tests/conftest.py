"""Suite-wide settings: every measurement the tests make (in this process and in the job and
measurement processes they start, which inherit the environment) is a quick one, 3 windows over
0.2 s instead of the 12-window protocol (``hardware.sensors.sensor_set``). Tests of the protocol
itself remove the variable with ``monkeypatch.delenv``."""

import os

from hyperpower.hardware.sensors.sensor_set import QUICK_MEASURE_ENV

os.environ.setdefault(QUICK_MEASURE_ENV, "1")
