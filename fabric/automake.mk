# fabric: filled in by its owner.
