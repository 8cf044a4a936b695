"""Compile the network to arrays; spread, availability, blast radius and cut sets."""

from aftershock.graph.availability import propagate
from aftershock.graph.compile import CAPABILITIES, CompiledNetwork, compile_network
from aftershock.graph.cuts import CutSet, minimal_cut_sets, single_points_of_failure
from aftershock.graph.impact import Impact, blast_radius
from aftershock.graph.spread import NEVER, compromise_days, sample_live_edges, worst_case
from aftershock.graph.timeline import IncidentTimeline, build_timeline

__all__ = [
    "CAPABILITIES",
    "NEVER",
    "CompiledNetwork",
    "CutSet",
    "Impact",
    "IncidentTimeline",
    "blast_radius",
    "build_timeline",
    "compile_network",
    "compromise_days",
    "minimal_cut_sets",
    "propagate",
    "sample_live_edges",
    "single_points_of_failure",
    "worst_case",
]
