"""A portfolio folder: the scenario files in it, and the optional mapping file of vendor ids.

Members are the scenario files (``.yaml``, ``.yml``, ``.json``) directly in the folder and
``scenario.yaml`` (``.yml``, ``.json``) one folder down, sorted by their path relative to
the folder. A mapping file says which party of a member is the shared vendor, where the
member spells its id differently::

    members:
      chain-c.yaml: kaseya                              # the vendor is party `kaseya` here
      chain-d.yaml: {party: rmm-co, service: vsa-cloud}  # and its compromise enters at vsa-cloud
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aftershock.errors import Problem, ScenarioError, UsageError
from aftershock.io.yaml_lines import parse_document

#: Suffixes of scenario files.
SCENARIO_SUFFIXES = (".yaml", ".yml", ".json")

#: Most members one portfolio may hold.
MAX_MEMBERS = 1000

#: Largest mapping file read, in bytes.
MAX_MAPPING_BYTES = 1_000_000


@dataclass(frozen=True)
class MemberMapping:
    """Where the shared vendor is in one member: its party id, and optionally its entry service."""

    party: str
    service: str | None = None


def portfolio_files(folder: Path, *, exclude: Path | None = None) -> list[Path]:
    """The member scenario files of ``folder`` (see the module), without ``exclude``."""
    if not folder.is_dir():
        raise UsageError(f"{folder}: not a folder (expected a folder of scenario files)")
    skip = exclude.resolve() if exclude is not None else None
    found = [p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SCENARIO_SUFFIXES]
    for sub in folder.iterdir():
        if sub.is_dir() and not sub.name.startswith("."):
            found += [
                sub / f"scenario{suffix}"
                for suffix in SCENARIO_SUFFIXES
                if (sub / f"scenario{suffix}").is_file()
            ]
    files = sorted(
        (p for p in found if not p.name.startswith(".") and p.resolve() != skip),
        key=lambda p: p.relative_to(folder).as_posix(),
    )
    if not files:
        raise UsageError(
            f"{folder}: no scenario files (expected *.yaml, *.yml or *.json in it, or */scenario.yaml)"
        )
    if len(files) > MAX_MEMBERS:
        raise UsageError(f"{folder}: {len(files):,} scenario files; at most {MAX_MEMBERS:,} in one portfolio")
    return files


def read_mapping(path: Path, members: list[str]) -> dict[str, MemberMapping]:
    """The mapping file at ``path``: member (path relative to the folder) -> where the vendor is.

    Every problem (unknown member, a value that is neither a party id nor ``{party, service}``)
    is reported at once, naming the file, line and field.
    """
    if not path.is_file():
        raise UsageError(f"--mapping {path}: file not found")
    if path.stat().st_size > MAX_MAPPING_BYTES:
        raise UsageError(f"--mapping {path}: larger than {MAX_MAPPING_BYTES:,} bytes")
    data, lines = parse_document(path.read_text(encoding="utf-8"), path.name, is_json=path.suffix == ".json")
    source = path.name

    def line(*key: object) -> int | None:
        return lines.get(tuple(key))  # type: ignore[arg-type]

    if not isinstance(data, dict) or set(data) != {"members"} or not isinstance(data["members"], dict):
        raise ScenarioError.from_problems(
            [Problem(source, "expected one key, `members`: a mapping of member file -> party id", line=1)]
        )
    problems: list[Problem] = []
    out: dict[str, MemberMapping] = {}
    known = set(members)
    for key, value in data["members"].items():
        field = f"members.{key}"
        where = line("members", key)
        if str(key) not in known:
            problems.append(
                Problem(
                    source,
                    f"no member '{key}' in the folder (members: {', '.join(members)})",
                    line=where,
                    field=field,
                )
            )
            continue
        if isinstance(value, str) and value:
            out[str(key)] = MemberMapping(value)
        elif (
            isinstance(value, dict)
            and isinstance(value.get("party"), str)
            and set(value) <= {"party", "service"}
            and isinstance(value.get("service", ""), str)
        ):
            out[str(key)] = MemberMapping(value["party"], value.get("service"))
        else:
            problems.append(
                Problem(
                    source,
                    f"expected a party id or {{party: ID, service: ID}}, got {value!r}",
                    line=where,
                    field=field,
                )
            )
    if problems:
        raise ScenarioError.from_problems(problems)
    return out
