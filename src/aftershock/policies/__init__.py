"""Allocation policies, order caps and surge rules: small functions on arrays, in a registry."""

from aftershock.policies.registry import AllocationPolicy, allocation_policies, get_policy, register

__all__ = ["AllocationPolicy", "allocation_policies", "get_policy", "register"]
