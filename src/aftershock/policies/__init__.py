"""Allocation policies, order caps and surge rules: small functions on arrays, in a registry."""

from aftershock.policies.registry import (
    AllocationPolicy,
    DispatchContext,
    allocation_policies,
    get_policy,
    register,
    unknown_policy_message,
)

__all__ = [
    "AllocationPolicy",
    "DispatchContext",
    "allocation_policies",
    "get_policy",
    "register",
    "unknown_policy_message",
]
