"""Fitting services: evaluating and optimizing models against data."""
