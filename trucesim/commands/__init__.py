"""One module per ``trucesim`` command.

Each module has ``NAME``, ``add_parser(subparsers)`` (returns its parser) and
``main(args) -> int`` (the exit status).  :mod:`trucesim.cli` lists them in
``COMMANDS``; a new command is a new module plus one line there.
"""
