"""Gaussian likelihoods of CMB distance priors, BAO and supernova data."""
