"""Cascade: an agent-based model of strategy diffusion through middle management."""

from .agents import Employee, Executive, MiddleManager
from .calibrate import calibrate  # the function: import the package's modules with `from sim.calibrate.x import ...`
from .model import Intervention, OrgModel
from .params import PARAMS, ParameterError, validate
from .runner import Results, compare, run
from .scenario import Scenario, load_scenario
from .sweep import analyze, sweep  # the functions: import the package's modules with `from sim.sweep.x import ...`

__version__ = "0.1.0"
__all__ = ["OrgModel", "Intervention", "Executive", "MiddleManager", "Employee", "PARAMS",
           "ParameterError", "validate", "__version__",
           "load_scenario", "Scenario", "run", "compare", "Results", "sweep", "analyze",
           "calibrate"]
