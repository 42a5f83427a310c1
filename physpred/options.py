"""The option vocabulary that ``physpred world`` and ``physpred probe`` share with ``fit``.

The same thing has the same name everywhere, spelled as LightningCLI spells it (snake_case):
``--frame_size``, ``--num_workers``, ``--ckpt_path``, ``--batch_size``, ``--frame_step``…
Both front-ends are jsonargparse parsers, so a run can be saved and replayed as YAML
(``-c FILE``, ``--print_config``) as with ``fit``, and counts are typed (``PositiveInt``).

Old spellings (``--size``, ``--workers``, ``--ckpt``, kebab-case) keep working for one release:
they are rewritten to the new ones before parsing, with a note on stderr.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from jsonargparse import ActionConfigFile, ArgumentParser, Namespace

from physpred.usage import one_line


class UsageError(Exception):
    """A command line or config file the parser refuses; the message is one line."""


def new_parser(prog: str, description: str) -> ArgumentParser:
    """A parser that raises :class:`UsageError` instead of exiting, with ``-c``/``--config``
    (YAML, repeatable, later files win) and ``--print_config``."""
    parser = ArgumentParser(prog=prog, description=description, exit_on_error=False)
    parser.add_argument(
        "-c", "--config", action=ActionConfigFile, help="YAML file of options (repeatable)"
    )
    return parser


def modern_argv(
    argv: Sequence[str],
    known: set[str],
    renamed: Mapping[str, str],
    prog: str,
) -> list[str]:
    """``argv`` with old option spellings replaced by the vocabulary's, each noted on stderr.

    An option is old when ``renamed`` names it, or when it is kebab-case and its snake_case
    form is one of ``known`` (the parser's options) while it is not.

    Args:
        argv: the command line after the command's name.
        known: every option string of the parser (``--frame_size``, …).
        renamed: old spelling -> new spelling.
        prog: the command's name, for the note.

    Returns:
        The rewritten command line (``--size=64`` keeps its ``=value``).
    """
    modern = []
    for token in argv:
        option, equals, value = token.partition("=")
        new = renamed.get(option)
        if new is None and option.startswith("--") and option not in known:
            snake = "--" + option[2:].replace("-", "_")
            new = snake if snake in known and snake != option else None
        if new is None:
            modern.append(token)
            continue
        print(
            f"{prog}: note: {option} is now {new}; the old spelling goes in the next release",
            file=sys.stderr,
        )
        modern.append(new + equals + value)
    return modern


def option_strings(parser: ArgumentParser) -> set[str]:
    """Every option string of a parser (``-c``, ``--config``, ``--frame_size``, …)."""
    return {string for action in parser._actions for string in action.option_strings}


def parse(
    parser: ArgumentParser, argv: Sequence[str], renamed: Mapping[str, str] | None = None
) -> Namespace:
    """Parse ``argv`` (old spellings rewritten); a refusal becomes one-line :class:`UsageError`.

    jsonargparse names a bad value by its key (``Parser key "batch_size": …``); the message
    names the option instead (``--batch_size: …``).
    """
    argv = modern_argv(argv, option_strings(parser), renamed or {}, parser.prog)
    try:
        return parser.parse_args(argv)
    except SystemExit:  # --help, --print_config
        raise
    except Exception as error:  # jsonargparse raises ArgumentError, or TypeError on bad YAML
        raise UsageError(f"{parser.prog}: error: {readable(error)}") from error


# jsonargparse's wording of a bad count, and what the user needs to read instead
_COUNTS = {"PositiveInt": ("v>0", "a positive"), "NonNegativeInt": ("v>=0", "a non-negative")}


def readable(error: BaseException) -> str:
    """jsonargparse's message on one line, naming the option (``--batch_size: …``)."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    key = re.fullmatch(r'Parser key "([\w.]+)"(?: element \d+)?:', lines[0]) if lines else None
    if key is None:
        return one_line(error)
    message = f"--{key.group(1)}: " + "; ".join(lines[1:])
    for name, (rule, words) in _COUNTS.items():
        message = re.sub(
            rf"Not of type {name}: (.*) does not conform to restriction {re.escape(rule)}",
            rf"must be {words} whole number, got \1",
            message,
        )
    return message


def as_dict(namespace: Namespace) -> dict[str, Any]:
    """The parsed options as a plain dict, without the config files' record."""
    values = namespace.as_dict()
    values.pop("config", None)
    return values
