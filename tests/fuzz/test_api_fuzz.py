"""Every endpoint of the REST API, fuzzed from its OpenAPI schema: never a reply >= 500.

Schemathesis draws requests (path, query, JSON and multipart bodies) from the app's own
OpenAPI document. Half of the draws are steered towards what the server holds, so that
they get past the first 404: a path's ``ref`` becomes a bundled name or an uploaded
scenario's id, ``run_id`` the id of a finished run, and the bodies of ``/api/validate``,
``POST /api/scenarios`` and ``POST /api/plan`` become mutated bundled scenarios (see
``mutations.py``) or mutated example plan tables.

Checks on every reply: the status is below 500, and an error (>= 400) is JSON with the
problem shape. The server runs in process with one worker and small limits, so a drawn
``POST /api/runs`` or optimise call costs little.
"""

from __future__ import annotations

import dataclasses
import json
import math
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import schemathesis
from hypothesis import given
from hypothesis import strategies as st
from mutations import CORPUS, dump, mutate_table, mutated
from schemathesis.python import asgi

from aftershock.limits import Limits
from aftershock.web import Settings, create_app

pytestmark = pytest.mark.fuzz

EXAMPLES = Path(__file__).parents[2] / "examples" / "plan"
PLAN_TABLES = {role: (EXAMPLES / f"{name}.csv").read_text() for role, name in
               (("backlog", "backlog"), ("stock", "stores"), ("capacity", "capacity"))}  # fmt: skip

#: Examples per operation; the ones that make a worker compute get fewer.
DEFAULT_EXAMPLES = 100
EXAMPLES_OF = {
    "POST /api/scenarios/{ref}/optimize": 16,
    "POST /api/plan": 40,
    "POST /api/runs": 40,
    "POST /api/validate": 200,
    "POST /api/scenarios": 150,
}


ODD_NUMBERS = [math.inf, -math.inf, math.nan, 1e308, -1e308, 2**63, 2**64, 10**30, -1, 0, 5e-324]


def settings_for(folder: Path) -> Settings:
    """A small server: its own database, one worker, small limits, the test client's host."""
    wanted: dict[str, Any] = {
        "db": str(folder / "runs.db"),
        "demo_run": False,
        "run_workers": 1,
        "max_body_bytes": 300_000,
        "allowed_hosts": (asgi.HOST,),
        "run_timeout_s": 60.0,
        "limits": Limits(replications=3, years=50, store_days=20_000_000),
    }
    known = {f.name for f in dataclasses.fields(Settings)}
    return Settings(**{k: v for k, v in wanted.items() if k in known})


def operation_keys() -> list[str]:
    """``METHOD /path`` of every operation in the OpenAPI document (read without starting the app)."""
    spec = create_app(settings_for(Path(tempfile.gettempdir()))).openapi()
    keys = [f"{m.upper()} {p}" for p, ops in spec["paths"].items() for m in ops]
    # deletes and cancels last: they end the runs the other operations are steered to
    return sorted(keys, key=lambda k: k.startswith(("DELETE", "POST /api/runs/{run_id}/cancel")))


@dataclasses.dataclass
class Served:
    """The app under test, its schema, and ids of what it holds."""

    schema: Any
    client: Any
    refs: list[str]
    run_ids: list[str]
    services: list[str]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    app = create_app(settings_for(tmp_path_factory.mktemp("api-fuzz")))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)  # starts the app (lifespan)
    with asgi.get_client(app) as client:
        name = sorted(CORPUS)[0]
        data, table = CORPUS[name]
        files = {"scenario": ("scenario.yaml", dump(data)), "stores": ("stores.csv", table)}
        uploaded = client.post("/api/scenarios", files=files)
        assert uploaded.status_code == 201, uploaded.text
        refs = [*sorted(CORPUS), uploaded.json()["id"]]
        runs = [client.post("/api/runs", json={"scenario": ref, "replications": 2}) for ref in refs[:2]]
        run_ids = [r.json()["id"] for r in runs if r.status_code == 202]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            states = {client.get(f"/api/runs/{i}").json()["status"] for i in run_ids}
            if states <= {"done", "failed", "cancelled"}:
                break
            time.sleep(0.3)
        services = sorted({s["id"] for d, _ in CORPUS.values() for s in d["services"]})
        yield Served(schema, client, refs, run_ids, services)
    asgi.shutdown_lifespans()  # stops the worker and closes the store


def steer(case: Any, draw: st.DrawFn, served: Served) -> bool:
    """Point half of a case's parameters at what the server holds; True if the body needs raw JSON."""
    known = {
        "ref": served.refs,
        "run_id": served.run_ids or ["none"],
        "fmt": ["csv", "parquet", "json", "nc"],
    }
    for name, values in known.items():
        if name in (case.path_parameters or {}) and draw(st.booleans()):
            if name == "run_id" and case.method.upper() == "DELETE":
                continue  # keep the known runs for the operations still to come
            case.path_parameters[name] = draw(st.sampled_from(values))
    query = case.query if isinstance(case.query, dict) else None
    if query is not None and draw(st.booleans()):
        if "scenario" in query:
            query["scenario"] = draw(st.sampled_from(served.refs))
        if "ids" in query:
            query["ids"] = draw(st.lists(st.sampled_from(served.run_ids or ["none"]), min_size=1, max_size=3))
        if "service" in query:
            query["service"] = draw(st.sampled_from(served.services))
    odd = isinstance(case.body, dict) and bool(case.body) and draw(st.booleans())
    if odd:
        # a number JSON allows only by Python's reading of it (Infinity, NaN) or past int64
        key = draw(st.sampled_from(sorted(case.body, key=str)))
        case.body[key] = draw(st.sampled_from(ODD_NUMBERS))
    if isinstance(case.body, dict) and draw(st.booleans()):
        if case.path == "/api/runs" and case.method.upper() == "POST":
            case.body["scenario"] = draw(st.sampled_from(served.refs))
        if case.method.upper() == "POST" and case.path.startswith(("/api/runs", "/api/scenarios/")):
            case.body["replications"] = draw(st.integers(1, 3))  # within the server's limit: it computes
    return odd and case.media_type == "application/json"


@st.composite
def scenario_uploads(draw: st.DrawFn) -> tuple[str, str | bytes]:
    """A mutated bundled scenario: YAML text and store table."""
    data, table, text = draw(mutated())
    return (text if text is not None else dump(data)), table


@st.composite
def plan_uploads(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, str], str]:
    """The example plan tables with one of them mutated, form fields, and which one."""
    tables: dict[str, str | bytes] = dict(PLAN_TABLES)
    role = draw(st.sampled_from(sorted(tables)))
    tables[role] = mutate_table(draw, PLAN_TABLES[role])
    files = {r: (f"{r}.csv", t) for r, t in tables.items()}
    form = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "horizon_days": st.sampled_from(["1", "14", "366", "0", "-1", "1e9", "x"]),
                "budget_shifts": st.sampled_from(["0", "2.5", "1e308", "inf", "nan", "-1"]),
                "backlog_cost": st.sampled_from(["0", "0.1", "1e308", "inf", "nan"]),
                "start_date": st.sampled_from(["2024-01-01", "2022-02-30", "", "x"]),
            },
        )
    )
    return files, form, f"{role} table:\n{str(tables[role])[:2000]}\nform {form}"


def check_reply(response: Any, what: str, fuzz: Any = None) -> None:
    """Below 500; an error is JSON in the problem shape."""
    if fuzz is not None:
        fuzz.count(f"{response.status_code // 100}xx")
    assert response.status_code < 500, f"{response.status_code} for {what}: {response.text[:500]}"
    if response.status_code >= 400:
        kind = response.headers.get("content-type", "")
        kind = ",".join(kind) if isinstance(kind, list) else kind  # schemathesis keeps a list
        assert "json" in kind, f"{response.status_code} for {what} is {kind}, not JSON"
        body = json.loads(response.content)
        assert body.get("status") == response.status_code and "detail" in body, body


@pytest.mark.parametrize("key", operation_keys())
def test_no_request_gets_a_server_error(served: Served, key: str, fuzz) -> None:
    method, path = key.split(" ", 1)
    operations = [r.ok() for r in served.schema.get_all_operations()]
    operation = next(op for op in operations if (op.method.upper(), op.path) == (method, path))

    @fuzz.settings(EXAMPLES_OF.get(key, DEFAULT_EXAMPLES))
    @given(st.data())
    def check(data: st.DataObject) -> None:
        fuzz.count("examples")
        structured = data.draw(st.booleans(), label="structured")
        if structured and key in ("POST /api/validate", "POST /api/scenarios"):
            text, table = data.draw(scenario_uploads(), label="upload")
            if key == "POST /api/validate":
                csv_text = table if isinstance(table, str) else table.decode("utf-8", errors="replace")
                response = served.client.post(path, json={"scenario_yaml": text, "stores_csv": csv_text})
            else:
                scenario = ("scenario.yaml", text.encode("utf-8", "surrogatepass"))
                response = served.client.post(
                    path, files={"scenario": scenario, "stores": ("stores.csv", table)}
                )
            what = f"{key} with a mutated scenario:\n{text[:2000]}\ntable:\n{str(table)[:2000]}"
            check_reply(response, what, fuzz)
            return
        if structured and key == "POST /api/plan":
            files, form, what = data.draw(plan_uploads(), label="plan")
            check_reply(served.client.post(path, files=files, data=form), f"{key} with {what}", fuzz)
            return
        case = data.draw(operation.as_strategy(), label="case")
        if steer(case, data.draw, served):  # Infinity and NaN: requests would refuse to send them
            body = json.dumps(case.body, allow_nan=True)
            headers = {"content-type": "application/json"}
            response = served.client.request(method, case.formatted_path, data=body, headers=headers)
            check_reply(response, f"{method} {case.formatted_path} with body {body}", fuzz)
            return
        response = case.call()
        check_reply(response, case.as_curl_command(), fuzz)

    check()


#: The dashboard's pages (not in the OpenAPI document), with their parameters.
PAGES = [
    "/", "/scenarios/{ref}", "/scenarios/{ref}/graph", "/runs/new?scenario={ref}", "/optimize?scenario={ref}",
    "/plan", "/runs?offset={n}", "/runs/{run_id}", "/compare?ids={run_id}&ids={text}",
]  # fmt: skip


def test_no_page_gets_a_server_error(served: Served, fuzz) -> None:
    texts = st.one_of(st.text(max_size=30), st.sampled_from(["", "..", "%00", "[bold]", "9" * 40, "-1"]))

    @fuzz.settings(300)
    @given(st.data())
    def check(data: st.DataObject) -> None:
        fuzz.count("examples")
        page = data.draw(st.sampled_from(PAGES))
        values = {
            "ref": data.draw(st.one_of(st.sampled_from(served.refs), texts)),
            "run_id": data.draw(st.one_of(st.sampled_from(served.run_ids or ["none"]), texts)),
            "n": data.draw(st.one_of(st.integers(), st.integers(2**62, 2**70), texts)),
            "text": data.draw(texts),
        }
        url = page.format(**{k: quote(str(v), safe="") for k, v in values.items()})
        check_reply(served.client.get(url), f"GET {url}", fuzz)

    check()
