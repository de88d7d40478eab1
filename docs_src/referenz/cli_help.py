"""Prints `slmwiki --help` and the help of every subcommand (executed at build time)."""

import contextlib
import io

from slmwiki.cli import build_parser, main

parser = build_parser()
commands = [None]
for action in parser._subparsers._group_actions if parser._subparsers else []:
    commands.extend(sorted(action.choices))
for command in commands:
    argv = [command, "--help"] if command else ["--help"]
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        main(argv)
    print(f"$ slmwiki {' '.join(argv)}")
    print(buffer.getvalue())
