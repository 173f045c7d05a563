# utilities: filled in by its owner.
