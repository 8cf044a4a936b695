"""Variants in the dashboard and the REST API: listed on the scenario page, run from the form."""

from __future__ import annotations

import html

from fastapi.testclient import TestClient


def test_the_scenario_page_lists_each_variant_with_a_run_link(client: TestClient) -> None:
    page = html.unescape(client.get("/scenarios/ocs-2022").text)
    assert "Variants (what-ifs)" in page
    for name in ("spread", "long-pause", "cap-30"):
        assert f'href="/scenarios/ocs-2022:{name}"' in page
        assert f'href="/runs/new?scenario=ocs-2022%3A{name}"' in page
    assert "did not spread" in page  # the description
    assert "incident.spread_p_override: null" in page  # what it sets


def test_a_variant_has_its_own_page(client: TestClient) -> None:
    page = html.unescape(client.get("/scenarios/grocer-3dc:no-backup").text)
    assert "<h1>grocer-3dc:no-backup</h1>" in page
    assert "variant <strong>no-backup</strong> of" in page and "(this page)" in page
    body = client.get("/api/scenarios/grocer-3dc:no-backup").json()
    assert (body["name"], body["variant"]) == ("grocer-3dc:no-backup", "no-backup")
    assert body["summary"]["name"] == "grocer-3dc:no-backup"
    assert "backups: []" in body["content_yaml"]  # the stored copy is the variant
    assert {v["ref"] for v in body["variants"]} >= {"grocer-3dc:no-backup", "grocer-3dc:covered-first"}


def test_the_list_and_the_run_form_offer_the_variants(client: TestClient) -> None:
    items = {i["ref"]: i for i in client.get("/api/scenarios").json()["items"]}
    assert {v["ref"] for v in items["coop-kaseya-2021"]["variants"]} == {
        "coop-kaseya-2021:crews-200",
        "coop-kaseya-2021:no-app",
        "coop-kaseya-2021:calibrated",
    }
    form = client.get("/runs/new", params={"scenario": "ocs-2022:spread"}).text
    assert '<option value="ocs-2022:spread" selected' in form
    assert '<option value="grocer-3dc:no-backup"' in form
    assert 'href="/scenarios/ocs-2022:long-pause"' in client.get("/").text


def test_a_variant_run_is_named_after_it(client: TestClient, wait_done) -> None:
    r = client.post("/api/runs", json={"scenario": "ocs-2022:spread", "replications": 2, "seed": 3})
    assert r.status_code == 202, r.text
    run = wait_done(client, r.json()["id"])
    assert run["status"] == "done", run
    assert run["scenario"] == "ocs-2022:spread" and run["params"]["variant"] == "spread"
    assert run["summary"]["scenario"] == "ocs-2022:spread"
    listed = client.get("/api/runs", params={"scenario": "ocs-2022:spread"}).json()
    assert r.json()["id"] in {i["id"] for i in listed["items"]}


def test_an_unknown_variant_is_a_located_problem(client: TestClient) -> None:
    r = client.post("/api/runs", json={"scenario": "ocs-2022:sprad", "replications": 2})
    assert r.status_code == 422, r.text
    [problem] = r.json()["problems"]
    assert problem["message"] == (
        "ocs-2022 has no variant 'sprad'; did you mean 'spread'? "
        "(variants: spread, long-pause, cap-30, hoarding)"
    )
    assert problem["source"] == "scenario.yaml"  # never a folder of the server
    assert client.get("/api/scenarios/nope:spread").status_code == 404
