"""The one place where errors become what a person sees on the terminal."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable

from rich.console import Console

from aftershock.errors import AftershockError, ParameterError

#: Exit codes: 0 ok, 1 bad input, 2 usage (click's own), 3 internal error (a bug).
EXIT_INPUT = 1
EXIT_BUG = 3
EXIT_INTERRUPTED = 130

#: Python parameters whose flag is not ``--`` + the name with dashes.
FLAGS = {
    "caps": "--cap",
    "surges": "--surge",
    "backup_shares": "--backup-share",
    "policies": "--policy",
    "services": "--service",
    "horizon_days": "--horizon",
    "params": "--param",
}


def run_guarded(app: Callable[..., object], argv: list[str] | None = None) -> int:
    """Run the Typer app; turn every error into one clear message and an exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    if debug:
        args.remove("--debug")
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        # standalone mode: usage errors print their own message and exit 2
        app(args=args, prog_name="aftershock")
    except SystemExit as exc:
        code = exc.code
        if code == EXIT_INTERRUPTED:  # click turns Ctrl-C into exit 130 before it reaches us
            err.print("interrupted")
        return code if isinstance(code, int) else (0 if code is None else EXIT_INPUT)
    except AftershockError as exc:
        err.print("[bold red]error:[/]", end=" ")
        # the API names Python parameters; here they are flags
        for line in [exc.for_flag(FLAGS)] if isinstance(exc, ParameterError) else exc.lines:
            err.print(line, markup=False)
        return EXIT_INPUT
    except KeyboardInterrupt:
        err.print("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return 0
    except Exception as exc:  # anything else is a bug: say so briefly
        if debug:
            traceback.print_exc()
        else:
            # the exception's text is shown as it is: "[x]" in it is not rich markup
            err.print("[bold red]internal error:[/]", end=" ")
            err.print(
                f"{type(exc).__name__}: {exc}\n"
                "This is a bug in aftershock. Rerun with --debug for the traceback and report it.",
                markup=False,
            )
        return EXIT_BUG
    return 0
