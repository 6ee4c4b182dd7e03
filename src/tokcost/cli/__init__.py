"""The ``tokcost`` command line: one module per subcommand, each with ``register(subparsers)``.

``main(argv) -> int`` is the whole CLI, so tests drive it in-process. Exit
codes: 0 ok, 1 bad input, 2 usage, 3 over ``--budget`` (spend, usage). Errors
are one line that states the fix.

argparse, through its public API only: each command module registers its own
subparser and sets ``run`` as its default, and the command names are this
module's own table, so no parser internals or error texts are read back.
(click, as in llm and ttok, would mean rewriting every command module at once.)

>>> main(["--version"])  # doctest: +ELLIPSIS
tokcost ...
0
"""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
from typing import Optional, Sequence

from tokcost.cli.common import CliError, print_error
from tokcost.errors import TokcostError

# Subcommands in help order, each with the line `tokcost --help` shows for it (the same text as its
# module's add_parser help, which tests/test_cli.py holds them to). A command's module
# (tokcost.cli.<name>) is imported only when that command runs or shows its own help: importing
# all seven for `tokcost --help` took the price catalog and pydantic along, 0.3 s of CPU.
COMMANDS = {
    "report": "the multilingual cost report (the default command)",
    "count": "count tokens in files or stdin",
    "languages": "tokenizer premium per language (parallel corpus)",
    "spend": "monthly spend of a workload across models",
    "usage": "replay provider usage logs: cost as billed, and what if",
    "models": "the dated price catalog",
    "bench": "benchmark tokcost against tiktoken on this machine",
}
DEFAULT_COMMAND = "report"
_TOP_LEVEL_OPTIONS = ("-h", "--help", "--version")

EPILOG = """examples:
  tokcost                               the multilingual cost report on the bundled sample
  tokcost report --out report.html      the same as one shareable HTML page with charts
  tokcost count src/ --model gpt-4o     token counts per file, like wc
  tokcost languages --format csv        the tokenizer premium, language by language
  tokcost spend --model gpt-4o-mini --input-tokens 1e6 --output-tokens 2e5
  tokcost usage logs/*.jsonl --by day   replay provider usage logs, priced as billed
  tokcost models --provider openai      the dated price catalog

'tokcost COMMAND --help' shows each command's options and examples.
"""


class _Parser(argparse.ArgumentParser):
    """argparse with one-line usage errors that name the fix (exit code 2).

    ``help_hint`` is the command whose ``--help`` the error points to: options
    left over after a subcommand are reported by the top parser, but belong to
    the subcommand.
    """

    def __init__(self, *args, help_hint: Optional[str] = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.help_hint = help_hint or self.prog

    def error(self, message: str):
        usage_error(f"{message} (see '{self.help_hint} --help')")


def usage_error(message: str):
    print_error(message)
    raise SystemExit(2)


def build_parser(command: Optional[str] = None) -> argparse.ArgumentParser:
    """The whole parser; ``command`` is the subcommand being run, for the help hint of leftover options."""
    from tokcost import __version__

    parser = _Parser(
        prog="tokcost",
        description="Exact token counts and LLM cost analytics.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        help_hint=f"tokcost {command}" if command else None,
    )
    parser.add_argument("--version", action="version", version=f"tokcost {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    # Only the command being run: registering `usage` alone imports the price catalog (0.15 s).
    for name, summary in COMMANDS.items():
        if name == command:
            command_module(name).register(subparsers)
        elif command is None:  # the top-level help lists every command
            subparsers.add_parser(name, help=summary)
    return parser


def command_module(name: str):
    """The module of subcommand ``name`` (``tokcost.cli.<name>``), imported on first use."""
    return importlib.import_module(f"tokcost.cli.{name}")


def _with_command(argv: list) -> list:
    """``argv`` starting with a known command: the report when none is named; a usage error for an unknown one."""
    if not argv or (argv[0].startswith("-") and argv[0] not in _TOP_LEVEL_OPTIONS):
        return [DEFAULT_COMMAND, *argv]
    if argv[0] not in COMMANDS and argv[0] not in _TOP_LEVEL_OPTIONS:
        from tokcost.errors import did_you_mean

        usage_error(f"unknown command {argv[0]!r}.{did_you_mean(argv[0], COMMANDS)} "
                    f"Commands: {', '.join(COMMANDS)} (see 'tokcost --help')")
    return argv


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:  # argparse exits: 0 for --help and --version, 2 for usage errors
        argv = _with_command(argv)
        args = build_parser(argv[0] if argv[0] in COMMANDS else None).parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        return int(args.run(args) or 0)
    except CliError as exc:
        print_error(str(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        print_error("interrupted")
        return 130
    except BrokenPipeError:
        return 0
    except (TokcostError, ValueError, KeyError, OSError, ImportError) as exc:
        # tokcost's own errors already say how to fix them (an optional extra's names the pip install).
        print_error(str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc))
        return 1


def run() -> None:
    code = main()
    # The process ends here. The interpreter's last collections walk every object the imports
    # made (rich, the encodings' modules) to free cycles whose memory the exit returns anyway:
    # about 30 M instructions of `tokcost count`, on one thread after the counting threads are
    # done. Frozen, they are skipped (the output files are closed and stdout is flushed as ever).
    gc.freeze()
    sys.exit(code)
