"""Ready-made task functions (``aiida_workgraph.executors.test``)."""
