"""One module per `fundbot` sub-command, each with `add_parser(sub)` and `run(args)`."""
