"""Typed errors with one-line messages that name the problem and the fix.

Library code raises these; only the command-line layer turns them into text
and exit codes, so the Python API never prints or exits.
"""

from __future__ import annotations


class CosmofitError(Exception):
    """Base class: ``str(error)`` is a complete one-line message for the user."""

    exit_code = 1


class UsageError(CosmofitError):
    """The request itself is wrong (unknown name, bad value, conflicting flags)."""

    exit_code = 2


class ParameterError(UsageError):
    """A parameter name is unknown for the model or a value is outside its bounds."""


class ConfigError(UsageError):
    """The configuration (TOML file, environment) is malformed or inconsistent."""


class DataError(CosmofitError):
    """A dataset file is missing, malformed, fails its checksum or its covariance is unusable."""


class PhysicsError(CosmofitError):
    """A parameter point is unphysical (for example E(z)^2 <= 0 somewhere)."""


class OptimizationError(CosmofitError):
    """The optimizer failed to produce a usable result."""


class StoreError(CosmofitError):
    """The parameter store cannot be read or written safely."""
