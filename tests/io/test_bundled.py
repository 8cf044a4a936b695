"""Bundled scenarios: listed, resolvable by name, folder or file, with a did-you-mean."""

from __future__ import annotations

from pathlib import Path

import pytest

from aftershock.errors import ScenarioError
from aftershock.io import bundled_scenarios, resolve_scenario_path
from aftershock.io.bundled import bundled_root
from aftershock.testing import write_scenario


def test_every_bundled_scenario_is_listed_with_title_and_sources() -> None:
    found = {b.name: b for b in bundled_scenarios()}
    assert list(found) == ["coop-kaseya-2021", "grocer-3dc", "ocs-2022"]  # sorted by name
    for b in found.values():
        assert b.path == bundled_root() / b.name / "scenario.yaml" and b.path.is_file()
        assert b.title and b.description and "\n" not in b.description
        assert b.sources and all(s.startswith("https://") for s in b.sources)


def test_names_folders_and_files_resolve(tmp_path: Path) -> None:
    assert resolve_scenario_path("ocs-2022") == bundled_root() / "ocs-2022" / "scenario.yaml"
    path = write_scenario(tmp_path, name="mine.yaml")
    assert resolve_scenario_path(path) == path
    assert resolve_scenario_path(str(path)) == path
    write_scenario(tmp_path / "folder")
    assert resolve_scenario_path(tmp_path / "folder") == tmp_path / "folder" / "scenario.yaml"


@pytest.mark.parametrize(
    ("typo", "meant"),
    [("ocs-2021", "ocs-2022"), ("coop-kaseya", "coop-kaseya-2021")],
)
def test_unknown_bundled_name_suggests_the_closest(typo: str, meant: str) -> None:
    with pytest.raises(ScenarioError) as exc:
        resolve_scenario_path(typo)
    [problem] = exc.value.problems
    assert problem.source == typo
    assert problem.message == (
        f"no such scenario file or bundled scenario; did you mean '{meant}'? "
        "(bundled: coop-kaseya-2021, grocer-3dc, ocs-2022)"
    )


def test_missing_path_is_not_taken_for_a_name(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as exc:
        resolve_scenario_path(tmp_path / "ocs-2022.yaml")
    assert exc.value.lines == [f"{tmp_path / 'ocs-2022.yaml'}: file not found"]
