"""Regression tests for the server's attack surface (issue 11): files, hostile input, origins."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from aftershock.web import Settings, create_app

SECRET = "correct-horse-battery-staple-0123456789"


def _body(tmp: Path, scenario_files, **changes) -> tuple[str, str]:
    return scenario_files(tmp, **changes)


def _with_table(yaml_text: str, table: str) -> str:
    return yaml_text.replace("table: stores.csv", f"table: {table!r}")


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "token.txt"
    path.write_text(f"id,region\n{SECRET},x\n")
    return path


@pytest.mark.parametrize(
    "table",
    ["{secret}", "../token.txt", "/proc/self/cmdline", "/proc/self/environ", "sub/stores.csv", "..", "."],
)
def test_validate_never_reads_a_server_file(client, tmp_path, scenario_files, secret_file, table):
    yaml_text, csv_text = scenario_files(tmp_path)
    yaml_text = _with_table(yaml_text, table.format(secret=secret_file))
    for stores in (csv_text, None):
        r = client.post("/api/validate", json={"scenario_yaml": yaml_text, "stores_csv": stores})
        assert r.status_code == 422, r.text
        body = r.json()
        assert SECRET not in r.text
        assert "aftershock-upload" not in r.text and "aftershock-web" not in r.text
        fields = [p["field"] for p in body["problems"]]
        assert "sites.stores.table" in fields


def test_the_token_leak_chain_is_closed(tmp_path, scenario_files):
    """cmdline gave the token file's path, reading that gave the write token."""
    token_file = tmp_path / "token"
    token_file.write_text(SECRET)
    app = create_app(Settings(db=str(tmp_path / "a.db"), token=SECRET, demo_run=False))
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        yaml_text, _ = scenario_files(tmp_path)
        for table in ("/proc/self/cmdline", str(token_file), "/proc/self/environ"):
            r = c.post("/api/validate", json={"scenario_yaml": _with_table(yaml_text, table)})
            assert r.status_code == 422
            assert SECRET not in r.text and "token" not in r.json()["detail"].lower()


def test_upload_without_its_table_copies_no_server_file(client, tmp_path, scenario_files, secret_file):
    yaml_text, _ = scenario_files(tmp_path)
    files = {"scenario": ("s.yaml", _with_table(yaml_text, str(secret_file)).encode())}
    r = client.post("/api/scenarios", files=files)
    assert r.status_code == 422
    assert SECRET not in r.text
    plain = {"scenario": ("s.yaml", yaml_text.encode())}
    r = client.post("/api/scenarios", files=plain)
    assert r.status_code == 422
    assert "was not sent with the scenario" in r.text


def test_upload_with_its_table_still_works(client, tmp_path, scenario_files):
    yaml_text, csv_text = scenario_files(tmp_path)
    files = {"scenario": ("s.yaml", yaml_text.encode()), "stores": ("stores.csv", csv_text.encode())}
    assert client.post("/api/scenarios", files=files).status_code == 201


ALIAS_BOMB = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{n}: &{n} [{','.join(['*' + p] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (ALIAS_BOMB, "aliases expanded"),
        ("a: " + "[" * 5000 + "]" * 5000, "levels deep"),
        ("name: x\x00\n", "not allowed"),
        ("horizon_days: " + "9" * 5000, "a number of 5000 characters"),
        ("start_date: 2022-02-30\n", "not a valid date"),
        ("a: [" + ",".join(["*x"] * 1200) + "]\nx: &x 1\n", None),  # undefined alias: a syntax error
    ],
)
def test_hostile_documents_are_refused_fast(client, text, expected):
    started = time.monotonic()
    r = client.post("/api/validate", json={"scenario_yaml": text})
    assert time.monotonic() - started < 1.0
    assert r.status_code == 422, r.text
    if expected:
        assert expected in r.text


def test_a_foreign_host_is_refused(client):
    r = client.get("/api/scenarios", headers={"Host": "evil.example:8000"})
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/problem+json")
    assert client.get("/api/scenarios", headers={"Host": "localhost:8000"}).status_code == 200


def test_a_write_from_a_foreign_origin_is_refused(client, tmp_path, scenario_files):
    yaml_text, csv_text = scenario_files(tmp_path)
    files = {"scenario": ("s.yaml", yaml_text.encode()), "stores": ("stores.csv", csv_text.encode())}
    r = client.post("/api/scenarios", files=files, headers={"Origin": "http://evil.example"})
    assert r.status_code == 403
    r = client.post("/api/runs", json={"scenario": "ocs-2022"}, headers={"Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403
    r = client.post("/api/runs", json={"scenario": "ocs-2022"}, headers={"Origin": "null"})
    assert r.status_code == 403


def test_a_browser_write_needs_the_page_csrf_token(client):
    page = client.get("/")
    cookie = page.cookies.get("aftershock_csrf")
    assert cookie, "the dashboard sets the CSRF cookie"
    same = {"Origin": "http://127.0.0.1:8000", "Sec-Fetch-Site": "same-origin"}
    body = {"scenario": "ocs-2022", "replications": 1, "horizon_days": 30}
    assert client.post("/api/runs", json=body, headers=same).status_code == 403
    wrong = {**same, "X-CSRF-Token": "nope"}
    assert client.post("/api/runs", json=body, headers=wrong).status_code == 403
    ok = client.post("/api/runs", json=body, headers={**same, "X-CSRF-Token": cookie})
    assert ok.status_code == 202, ok.text


def test_allowed_hosts_are_configurable(tmp_path):
    app = create_app(
        Settings(db=str(tmp_path / "h.db"), demo_run=False, allowed_hosts=("aftershock.internal",))
    )
    with TestClient(app, base_url="http://aftershock.internal") as c:
        assert c.get("/api/health").status_code == 200
        assert c.get("/api/health", headers={"Host": "127.0.0.1"}).status_code == 400


def test_server_bounds_the_work_of_a_run(client):
    r = client.post("/api/runs", json={"scenario": "ocs-2022", "replications": 2000, "horizon_days": 3660})
    assert r.status_code == 422
    assert "store-days" in r.json()["detail"]
    assert r.json()["problems"][0]["field"] == "replications"
    r = client.post("/api/runs", json={"scenario": "ocs-2022", "replications": 5000})
    assert r.status_code == 422
    assert r.json()["problems"][0]["field"] == "replications"


def test_huge_offsets_are_a_422_not_a_500(client):
    assert client.get("/api/runs", params={"offset": 2**63}).status_code == 422
    assert client.get("/runs", params={"offset": 2**63}).status_code == 422


def test_a_lone_surrogate_in_a_request_is_answered_in_ascii_json(client):
    body = '{"scenario": "coop-kaseya-2021", "policy": "\\ud800\\udc00", "replications": 1}'
    r = client.post("/api/runs", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 422
    assert r.content.isascii()
    assert "unknown allocation policy" in r.json()["detail"] + str(r.json()["problems"])


def test_run_knobs_are_finite_and_read_back_as_numbers(client):
    r = client.post("/api/runs", json={"scenario": "ocs-2022", "order_cap": 1e300})
    assert r.status_code == 422
    assert r.json()["problems"][0]["field"].startswith("body.order_cap")
    from aftershock.api.what_if import _yaml_number

    assert _yaml_number(1e-05) == "1.0e-05"
    assert _yaml_number(40.0) == "40.0"


def test_a_same_origin_write_with_a_bearer_token_needs_no_csrf_token(tmp_path):
    app = create_app(Settings(db=str(tmp_path / "t.db"), token=SECRET, demo_run=False))
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        same = {"Origin": "http://127.0.0.1:8000", "Sec-Fetch-Site": "same-origin"}
        body = {"scenario": "ocs-2022", "replications": 1, "horizon_days": 30}
        assert c.post("/api/runs", json=body, headers=same).status_code == 403  # neither token
        with_token = {**same, "Authorization": f"Bearer {SECRET}"}
        assert c.post("/api/runs", json=body, headers=with_token).status_code == 202
        foreign = {**with_token, "Origin": "http://evil.example"}
        assert c.post("/api/runs", json=body, headers=foreign).status_code == 403


@pytest.mark.parametrize("table", ["a\x00b.csv", "x" * 300 + ".csv"])
def test_impossible_table_names_are_a_located_422(client, tmp_path, scenario_files, table):
    yaml_text, csv_text = scenario_files(tmp_path)
    for stores in (csv_text, None):
        r = client.post(
            "/api/validate", json={"scenario_yaml": _with_table(yaml_text, table), "stores_csv": stores}
        )
        assert r.status_code == 422, r.text
        assert r.json()["problems"][0]["field"] == "sites.stores.table"


def test_a_valid_scenario_reply_names_no_server_folder(client, tmp_path, scenario_files):
    yaml_text, csv_text = scenario_files(tmp_path)
    r = client.post("/api/validate", json={"scenario_yaml": yaml_text, "stores_csv": csv_text})
    assert r.status_code == 200
    assert "aftershock-upload" not in r.text and r.json()["path"] is None
