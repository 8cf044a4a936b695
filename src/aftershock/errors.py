"""The exceptions aftershock raises on purpose.

Every error a user can cause is a subclass of :class:`AftershockError`. The CLI prints
them as one line each and exits 1; the web app turns them into one JSON problem shape.
Anything else that escapes is a bug.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where it is, which field, and what was expected."""

    source: str
    message: str
    line: int | None = None
    field: str | None = None
    row: int | None = None

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        if self.row is not None:
            where = f"{self.source} row {self.row}"
        if self.field:
            return f"{where}: {self.field}: {self.message}"
        return f"{where}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "line": self.line,
            "row": self.row,
            "field": self.field,
            "message": self.message,
        }


@dataclass(frozen=True)
class ScenarioWarning:
    """Something suspicious in a valid scenario: shown with every output, never an error.

    Located like a :class:`Problem` (``scenario.yaml:22: sites.dcs[0].pick_capacity_units_per_day:
    ...``); made once when a scenario is loaded (``model/warnings.py``, ``io/scenario_file.py``).
    """

    source: str
    message: str
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        return {"source": self.source, "line": self.line, "field": self.field, "message": self.message}


class AftershockError(Exception):
    """Base of every error caused by input or environment rather than by a bug."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems: list[Problem] = list(problems or [])

    @property
    def lines(self) -> list[str]:
        """One human-readable line per problem (or the message when there are none)."""
        return [str(p) for p in self.problems] or [str(self)]

    def __reduce__(self) -> tuple[object, ...]:
        # Errors cross process boundaries (worker processes, Dask) whole: type, message,
        # problems and any other attribute, whatever a subclass's ``__init__`` takes.
        return (_restore_error, (type(self), self.args, dict(self.__dict__)))


def _restore_error(
    cls: type[AftershockError], args: tuple[object, ...], state: dict[str, object]
) -> AftershockError:
    """Unpickle an :class:`AftershockError` without calling its ``__init__``."""
    exc = cls.__new__(cls, *args)
    exc.args = args
    exc.__dict__.update(state)
    return exc


class ScenarioError(AftershockError):
    """A scenario file (or an override of it) is missing, malformed or inconsistent."""

    @classmethod
    def from_problems(cls, problems: list[Problem]) -> ScenarioError:
        n = len(problems)
        head = f"{n} problem{'s' if n != 1 else ''} in scenario"
        return cls(head + ":\n" + "\n".join(str(p) for p in problems), problems)


class DataError(AftershockError):
    """A data table (CSV/Parquet) has a missing column or a bad value."""

    @classmethod
    def from_problems(cls, problems: list[Problem]) -> DataError:
        n = len(problems)
        head = f"{n} problem{'s' if n != 1 else ''} in data"
        return cls(head + ":\n" + "\n".join(str(p) for p in problems), problems)


class UsageError(AftershockError):
    """A command-line flag or API parameter has a value that cannot be used."""


class ParameterError(UsageError):
    """One parameter has a value that cannot be used.

    The message names the Python parameter (``replications: …``); the command line shows
    the same error under its flag (``--replications: …``), see :meth:`for_flag`.
    """

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter
        self.reason = message

    def for_flag(self, flags: dict[str, str] | None = None) -> str:
        """The message under the command-line flag of the parameter."""
        flag = (flags or {}).get(self.parameter) or "--" + self.parameter.replace("_", "-")
        return f"{flag}: {self.reason}"


class SolverError(AftershockError):
    """An optimisation backend is missing, failed, or found the problem infeasible."""


class StoreError(AftershockError):
    """The run store cannot be reached or is inconsistent."""


class NotFoundError(StoreError):
    """A run or scenario id that the store does not hold."""
