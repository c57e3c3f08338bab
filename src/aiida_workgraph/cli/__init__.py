"""Command line: ``verdi workgraph``."""
