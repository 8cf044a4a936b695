"""Recovery-plan what-ifs: grids of policies, caps and surge compared on common random numbers."""

from aftershock.recovery.compare import CompareRow, compare_plans, pareto_front
from aftershock.recovery.variants import CapSize, plan_variant

__all__ = ["CapSize", "CompareRow", "compare_plans", "pareto_front", "plan_variant"]
