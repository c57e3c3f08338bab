"""Task kinds and the built-in tasks that ship with the package (``workgraph.*`` entry points)."""
