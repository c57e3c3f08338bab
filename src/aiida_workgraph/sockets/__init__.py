"""The socket and property classes of WorkGraph tasks, registered under the ``workgraph.*`` identifiers."""
