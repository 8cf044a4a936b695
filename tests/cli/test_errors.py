"""run_guarded: exit 0 ok, 1 bad input, 2 usage, 3 bug; one line per problem, no traceback."""

from __future__ import annotations

import pytest
import typer

from aftershock.cli.errors import EXIT_BUG, EXIT_INPUT, run_guarded
from aftershock.errors import DataError, Problem, UsageError

demo = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@demo.command()
def act(what: str, count: int = 1) -> None:
    if what == "input":
        raise DataError.from_problems(
            [
                Problem("stores.csv", "expected a number >= 0, got '-1'", row=2, field="`x`"),
                Problem("stores.csv", "duplicate store id 's1' (first in row 1)", row=3),
            ]
        )
    if what == "usage":
        raise UsageError("seed: expected a whole number >= 0, got -1")
    if what == "markup":
        raise UsageError("name [bold]x[/] stays as written")
    if what == "bug":
        raise RuntimeError("boom")
    if what == "interrupt":
        raise KeyboardInterrupt
    if what == "pipe":
        raise BrokenPipeError
    print(f"done {count}")


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = run_guarded(demo, args)
    out, err = capsys.readouterr()
    return code, out, err


def test_ok(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["ok", "--count", "3"], capsys) == (0, "done 3\n", "")


def test_bad_input_is_one_line_per_problem(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["input"], capsys)
    assert (code, out) == (EXIT_INPUT, "")
    assert err.splitlines() == [
        "error: stores.csv row 2: `x`: expected a number >= 0, got '-1'",
        "stores.csv row 3: duplicate store id 's1' (first in row 1)",
    ]


def test_an_error_without_problems_prints_its_message(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["usage"], capsys)
    assert code == 1 and err == "error: seed: expected a whole number >= 0, got -1\n"
    code, _, err = run(["markup"], capsys)
    assert code == 1 and "name [bold]x[/] stays as written" in err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["ok", "--count", "many"], capsys)
    assert code == 2 and "Invalid value" in err
    assert run([], capsys)[0] == 2  # missing argument


def test_a_bug_exits_3_with_a_short_note(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["bug"], capsys)
    assert (code, out) == (EXIT_BUG, "")
    assert "internal error: RuntimeError: boom" in err
    assert "This is a bug in aftershock" in err and "Traceback" not in err


def test_debug_shows_the_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["--debug", "bug"], capsys)
    assert code == EXIT_BUG
    assert "Traceback (most recent call last)" in err and "RuntimeError: boom" in err


def test_interrupt_and_broken_pipe(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["interrupt"], capsys)[:2] == (130, "")
    assert run(["pipe"], capsys)[0] == 0


@pytest.mark.parametrize("text", ["bad [/] closing tag", "list [bold] index", "[red]x[/red]"])
def test_a_bug_whose_text_has_square_brackets_is_shown_as_written(
    text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # regression: the handler printed the exception text as rich markup and crashed itself
    bug = typer.Typer(add_completion=False, pretty_exceptions_enable=False)

    @bug.command()
    def fail() -> None:
        raise IndexError(text)

    code = run_guarded(bug, [])
    _, err = capsys.readouterr()
    assert code == EXIT_BUG
    assert f"internal error: IndexError: {text}" in err
