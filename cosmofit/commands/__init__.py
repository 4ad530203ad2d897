"""Command groups of the ``cosmofit`` CLI: flags -> settings -> one service call -> render."""
