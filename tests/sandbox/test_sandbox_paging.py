"""Paging (contract §3): opaque tokens carry the filters; keyset paging stays cheap at depth."""

from __future__ import annotations

import base64
import json

import pytest
from sandbox_helpers import APPS, ASSETS


def all_pages(api, first_params: dict, later_size: int | None = None) -> list[list[dict]]:
    pages = []
    answer = api.get(APPS, params=first_params)
    while True:
        assert answer.status_code == 200, answer.text
        body = answer.json()
        pages.append(body["applications"])
        if not body["next_page_token"]:
            return pages
        params = {"page_token": body["next_page_token"]}  # only the token, as clients do
        if later_size:
            params["page_size"] = later_size
        answer = api.get(APPS, params=params)


def test_paging_through_250_registrations_with_a_display_name_filter(api) -> None:
    for index in range(250):
        name = "blue" if index % 5 == 0 else f"other-{index}"
        assert api.post(APPS, json={"display_name": name, "custom_claims": {"n": str(index)}}).status_code == 200
    pages = all_pages(api, {"display_name": "blue", "page_size": 7})
    assert [len(page) for page in pages] == [7] * 7 + [1]
    found = [app for page in pages for app in page]
    assert all(app["display_name"] == "blue" for app in found)
    # Creation order, every one exactly once.
    assert [app["custom_claims"]["n"] for app in found] == [str(i) for i in range(0, 250, 5)]

    everything = all_pages(api, {"page_size": 100})
    assert [len(page) for page in everything] == [100, 100, 51]  # 250 + sandbox-admin
    ids = [app["client_id"] for page in everything for app in page]
    assert len(set(ids)) == 251
    # page_size may change on later pages, the filter may not be lost.
    resized = all_pages(api, {"display_name": "blue", "page_size": 20}, later_size=15)
    assert [len(page) for page in resized] == [20, 15, 15]


def test_default_page_size_is_100_and_large_sizes_are_clamped_to_1000(sandbox, api) -> None:
    sandbox.store.seed_applications(1200)
    first = api.get(APPS).json()
    assert len(first["applications"]) == 100 and first["next_page_token"]
    clamped = api.get(APPS, params={"page_size": 5000}).json()
    assert len(clamped["applications"]) == 1000
    rest = api.get(APPS, params={"page_token": clamped["next_page_token"]}).json()
    assert len(rest["applications"]) == 201 and rest["next_page_token"] == ""


def test_an_exact_page_boundary_ends_with_an_empty_token(api) -> None:
    api.post(APPS, json={"display_name": "solo"})
    answer = api.get(APPS, params={"page_size": 2}).json()  # sandbox-admin and solo
    assert len(answer["applications"]) == 2
    assert answer["next_page_token"] == ""
    assert api.get(APPS, params={"display_name": "nobody"}).json() == {"applications": [], "next_page_token": ""}


def forge(payload: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


@pytest.mark.parametrize(
    "token",
    [
        "garbage!!",
        base64.urlsafe_b64encode(b"not json").decode(),
        forge({"kind": "assets", "orig_req": {"page_size": 2}, "after": 1}),
        forge({"kind": "applications", "orig_req": {"page_size": 2}, "after": "1"}),
        forge({"kind": "applications", "orig_req": {"page_size": 2, "display_name": 5}, "after": 1}),
        forge({"orig_req": {"page_size": 2}, "skip": 2}),
    ],
    ids=["not-base64", "not-json", "other-list", "after-not-int", "filter-not-string", "real-service-shape"],
)
def test_a_bad_page_token_is_400(shared_api, token) -> None:
    answer = shared_api.get(APPS, params={"page_token": token})
    assert answer.status_code == 400
    assert answer.json()["code"] == 3
    assert "page_token" in answer.json()["message"]


def test_a_filter_that_contradicts_the_page_token_is_400(api) -> None:
    for _ in range(3):
        api.post(APPS, json={"display_name": "red"})
    token = api.get(APPS, params={"display_name": "red", "page_size": 1}).json()["next_page_token"]
    assert api.get(APPS, params={"page_token": token, "display_name": "red"}).status_code == 200
    answer = api.get(APPS, params={"page_token": token, "display_name": "green"})
    assert answer.status_code == 400
    assert "display_name" in answer.json()["message"]


@pytest.mark.parametrize("size", ["-1", "ten", "1.5"])
def test_a_bad_page_size_is_400(shared_api, size) -> None:
    answer = shared_api.get(APPS, params={"page_size": size})
    assert answer.status_code == 400
    assert "page_size" in answer.json()["message"]


def test_assets_page_too(api) -> None:
    first = api.get(ASSETS, params={"page_size": 2}).json()
    assert len(first["assets"]) == 2 and first["next_page_token"]
    rest = api.get(ASSETS, params={"page_token": first["next_page_token"]}).json()
    names = [a["attributes"]["arc_display_name"] for a in first["assets"] + rest["assets"]]
    assert len(names) == len(set(names)) >= 3
    assert api.get(ASSETS, params={"page_token": "nonsense"}).status_code == 400


def test_listing_uses_an_index_not_a_scan(sandbox) -> None:
    """Keyset paging: SQLite seeks by seq (and display_name), so deep pages cost what the first does."""
    db = sandbox.store._db  # white-box: the query plan is the only honest witness of "indexed"
    plain = " ".join(
        row[3]
        for row in db.execute(
            "EXPLAIN QUERY PLAN SELECT seq FROM applications WHERE seq > 90000 ORDER BY seq LIMIT 101"
        )
    )
    filtered = " ".join(
        row[3]
        for row in db.execute(
            "EXPLAIN QUERY PLAN SELECT seq FROM applications WHERE display_name = 'x' AND seq > 90000 ORDER BY seq LIMIT 101"
        )
    )
    assert "SEARCH applications USING INTEGER PRIMARY KEY" in plain
    assert "applications_by_name" in filtered and "TEMP B-TREE" not in filtered


def test_a_deep_page_at_100000_registrations_is_as_quick_as_the_first(sandbox, api) -> None:
    import time

    from rkvst_tui.sandbox.paging import encode_token

    sandbox.store.seed_applications(100_000)
    # A token as the server itself would hand out after paging to row 99,800.
    deep_token = encode_token("applications", {}, 100, 99_800)

    def best_of_three(params) -> tuple[float, dict]:
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            body = api.get(APPS, params=params).json()
            timings.append(time.perf_counter() - started)
        return min(timings), body

    first_time, first = best_of_three({"page_size": 100})
    deep_time, deep = best_of_three({"page_token": deep_token})
    assert len(first["applications"]) == 100
    assert len(deep["applications"]) == 100 and deep["applications"][-1]["display_name"] == "app-099899"
    assert deep_time < first_time * 3 + 0.02
    # A name filter near the end is an index seek as well.
    named_time, named = best_of_three({"display_name": "app-099999"})
    assert [a["display_name"] for a in named["applications"]] == ["app-099999"]
    assert named_time < first_time * 3 + 0.02
