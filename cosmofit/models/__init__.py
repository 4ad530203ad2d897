"""Cosmological models: parameter declarations and the expansion rate E(z)^2.

Each model lives in one small module that declares its parameters once and
registers itself; :mod:`cosmofit.models.registry` is the only lookup.
"""
