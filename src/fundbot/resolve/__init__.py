"""resolve: find each package's source repository and funding channels (async, I/O)."""
