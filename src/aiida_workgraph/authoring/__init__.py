"""Authoring layer: ``WorkGraph``, ``Task`` and the ``task`` decorator family, on node-graph."""
