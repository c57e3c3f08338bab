"""Engine layer: the ``WorkGraphEngine`` process and how it runs tasks."""
