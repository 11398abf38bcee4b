"""Racing requests: a quota cannot be overrun and a secret cannot be duplicated by sending many
requests at once (each write is one IMMEDIATE transaction in the sandbox)."""

from __future__ import annotations

import asyncio

import httpx
from security_helpers import APPS, TALLY, create_registration, mint, secret_of, token_answer


async def burst(server, token: str, calls: list[tuple[str, str, dict | None]]) -> list[httpx.Response]:
    async with httpx.AsyncClient(
        base_url=server.base_url,
        timeout=20,
        headers={"Authorization": f"Bearer {token}"},
        limits=httpx.Limits(max_connections=len(calls)),
    ) as client:
        return await asyncio.gather(*(client.request(method, path, json=body) for method, path, body in calls))


async def test_racing_creates_never_overrun_the_quota(make_sandbox) -> None:
    server = make_sandbox(max_apps=5)
    answers = await burst(server, mint(server), [("POST", APPS, {"display_name": f"racer-{n}"}) for n in range(20)])
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200] * 5 + [402] * 15, statuses
    assert server.store.count_applications() == 5 + 1  # the admin is outside the quota
    TALLY["racing requests (quota, regenerate, delete)"] += len(answers)


async def test_racing_regenerates_leave_exactly_one_working_secret(sandbox) -> None:
    application = create_registration(sandbox, "raced")
    path = f"{APPS}/{application['client_id']}:regenerate-secret"
    answers = await burst(sandbox, mint(sandbox), [("POST", path, None)] * 10)
    assert {answer.status_code for answer in answers} == {200}
    secrets = [secret_of(answer.json()) for answer in answers] + [secret_of(application)]
    assert len(set(secrets)) == len(secrets)  # every regenerate made its own secret
    working = [s for s in secrets if token_answer(sandbox, application["client_id"], s).status_code == 200]
    assert len(working) == 1, f"{len(working)} secrets work"
    TALLY["racing requests (quota, regenerate, delete)"] += len(answers)


async def test_racing_delete_and_regenerate_never_crash_or_revive(sandbox) -> None:
    application = create_registration(sandbox, "raced-away")
    uuid = application["client_id"]
    calls = (
        [("DELETE", f"{APPS}/{uuid}", None)] * 3
        + [("POST", f"{APPS}/{uuid}:regenerate-secret", None)] * 5
        + [("PATCH", f"{APPS}/{uuid}", {"display_name": "renamed"})] * 3
    )
    answers = await burst(sandbox, mint(sandbox), calls)
    assert all(answer.status_code in (200, 404) for answer in answers), [a.status_code for a in answers]
    assert [a.status_code for a in answers[:3]].count(200) == 1  # deleted once
    assert sandbox.store.get_application(uuid) is None
    for answer in answers[3:8]:
        if answer.status_code == 200:  # a secret handed out before the delete must not work after it
            assert token_answer(sandbox, uuid, secret_of(answer.json())).status_code == 401
    TALLY["racing requests (quota, regenerate, delete)"] += len(answers)
