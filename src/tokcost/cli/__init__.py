"""The ``tokcost`` command line: one module per subcommand, each with ``register``.

``main(argv) -> int`` is the whole CLI, so tests drive it in-process. Exit
codes: 0 ok, 1 bad input, 2 usage. Errors are one line that states the fix.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Optional, Sequence

from tokcost.cli.common import CliError, print_error

# Subcommand modules in help order; each defines register(subparsers).
COMMANDS = ["report", "count", "languages", "spend", "models", "bench"]
DEFAULT_COMMAND = "report"

EPILOG = """examples:
  tokcost                               the multilingual cost report on the bundled sample
  tokcost report --out report.html      the same as one shareable HTML page with charts
  tokcost count src/ --model gpt-4o     token counts per file, like wc
  tokcost languages --format csv        the tokenizer premium, language by language
  tokcost spend --model gpt-4o-mini --input-tokens 1e6 --output-tokens 2e5
  tokcost models --provider openai      the dated price catalog

'tokcost COMMAND --help' shows each command's options and examples.
"""


class _Parser(argparse.ArgumentParser):
    """argparse with one-line usage errors that name the fix (exit code 2)."""

    def error(self, message: str):
        if "invalid choice" in message and self.prog == "tokcost":
            from tokcost.errors import did_you_mean

            wrong = message.split("'")[1] if "'" in message else ""
            message = f"unknown command {wrong!r}.{did_you_mean(wrong, COMMANDS)} Commands: {', '.join(COMMANDS)}"
        print_error(f"{message} (see '{getattr(self, 'help_hint', self.prog)} --help')")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="tokcost",
        description="Exact token counts and LLM cost analytics.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from tokcost import __version__

    parser.add_argument("--version", action="version", version=f"tokcost {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"tokcost.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"tokcost.cli.{name}":
                raise
            continue  # command not built yet
        module.register(subparsers)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    commands = set(parser._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version")):
        default = DEFAULT_COMMAND if DEFAULT_COMMAND in commands else "count"
        argv = [default, *argv]
    if argv[0] in commands:
        parser.help_hint = f"tokcost {argv[0]}"  # unknown options are reported by the top parser
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: 0 for --help, 2 for usage errors
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
    except (ValueError, KeyError, OSError) as exc:
        # tokcost's own errors already say how to fix them.
        print_error(str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc))
        return 1


def run() -> None:
    sys.exit(main())
