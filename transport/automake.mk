# transport: filled in by its owner.
