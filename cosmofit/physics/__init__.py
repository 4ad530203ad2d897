"""Background physics: constants, the distance grid and early-universe scales."""
