"""Where to open new sites: maximal covering and p-median, proven optimal with HiGHS, and instant previews.

Pure Python (numpy, scipy, highspy, numba), no Django. Build a SitingProblem, then call
maximal_covering(), p_median(), preview_covering() or preview_median(); README.md beside this
package describes the models, the reductions and the figures.
"""

from .covering import maximal_covering
from .errors import InfeasiblePlanError, PlanningError
from .median import p_median
from .preview import preview_covering, preview_median
from .problem import SitingProblem
from .results import ChosenSite, EquityOutcome, GroupOutcome, ModelSize, SitingResult, SolverReport

__all__ = [
    "ChosenSite",
    "EquityOutcome",
    "GroupOutcome",
    "InfeasiblePlanError",
    "ModelSize",
    "PlanningError",
    "SitingProblem",
    "SitingResult",
    "SolverReport",
    "maximal_covering",
    "p_median",
    "preview_covering",
    "preview_median",
]
