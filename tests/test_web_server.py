"""The page's server over HTTP: logins on every route, throttled failures, no server paths, users not starving."""

from __future__ import annotations

import socket
from pathlib import Path

ROOT = Path(__file__).parents[1]


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


import json  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from typing import Any  # noqa: E402

import httpx  # noqa: E402
import pytest  # noqa: E402
from fake_openai import FakeOpenAI  # noqa: E402

from assistant.llm import ModelConfig  # noqa: E402
from assistant.web.app import AssistantPage, build_app  # noqa: E402
from assistant.web.guard import Throttle  # noqa: E402

REPORT = ROOT / "eval_cases" / "reports" / "kunming-2023-self-evaluation.txt"
USER, PASSWORD = "caiwu", "Qh-2024-pw"


def _serve(app: AssistantPage, **kwargs: Any) -> str:
    port = free_port()
    app.queue().launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, **kwargs)
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def guarded() -> Iterator[tuple[str, AssistantPage]]:
    app = build_app(None, examples_dir=ROOT / "examples", eval_dir=ROOT / "eval_cases")
    url = _serve(app, auth=(USER, PASSWORD))
    try:
        yield url, app
    finally:
        app.close()


def _login(client: httpx.Client, password: str = PASSWORD) -> httpx.Response:
    return client.post("/login", data={"username": USER, "password": password})


PROTECTED = [
    "/config",
    "/gradio_api/openapi.json",
    "/openapi.json",
    "/gradio_api/info",
    "/gradio_api/heartbeat/abc123",
    "/gradio_api/token",
    "/gradio_api/app_id",
    "/gradio_api/runs",
    "/monitoring/anything",
]


def test_with_auth_every_route_needs_a_login(guarded: tuple[str, AssistantPage]) -> None:
    url, _ = guarded
    with httpx.Client(base_url=url) as anon:
        assert anon.get("/").status_code == 200  # the login page itself
        for route in PROTECTED:
            r = anon.get(route)
            assert r.status_code == 401, (route, r.status_code)
        assert anon.post("/gradio_api/reset", json={}).status_code == 401
        assert anon.post("/gradio_api/cancel", json={}).status_code == 401
    with httpx.Client(base_url=url) as user:
        assert _login(user).status_code == 200
        assert user.get("/config").status_code == 200
        assert user.get("/gradio_api/info").status_code == 200
        assert user.get("/openapi.json").status_code == 404  # FastAPI's own schema route is switched off


def test_failed_logins_are_throttled(guarded: tuple[str, AssistantPage]) -> None:
    url, _ = guarded
    with httpx.Client(base_url=url) as client:
        for _ in range(5):
            assert _login(client, "wrong").status_code == 400
        r = _login(client)  # even the right password waits now
        assert r.status_code == 429 and "分钟后再试" in r.json()["detail"] and int(r.headers["retry-after"]) > 0
        assert client.get("/config").status_code == 401


def test_the_throttle_forgets_old_failures_and_successes() -> None:
    t = Throttle(limit=2, window=10)
    t.failed("a", now=0)
    t.failed("a", now=1)
    assert t.blocked("a", now=2) > 0 and t.blocked("b", now=2) == 0
    assert t.blocked("a", now=12) == 0
    t.failed("a", now=20)
    t.succeeded("a")
    assert t.blocked("a", now=21) == 0


def test_config_holds_no_server_paths(guarded: tuple[str, AssistantPage]) -> None:
    url, app = guarded
    with httpx.Client(base_url=url) as user:
        _login(user)
        text = user.get("/config").text
    for folder in (str(ROOT), str(app.handlers.workdir), "/tmp/", "/root/", "/home/"):
        assert folder not in text, folder
    assert "kunming-2023.yaml" in text  # examples are offered by name only


def test_one_users_slow_model_review_does_not_hold_up_anothers(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    from gradio_client import Client, handle_file

    fake_openai.default = json.dumps({"findings": []})
    fake_openai.latency = 1.0
    config = ModelConfig(model="fake-model", base_url=fake_openai.base_url, api_key="k", concurrency=1, timeout=30)
    app = build_app(config, examples_dir=ROOT / "examples", eval_dir=ROOT / "eval_cases")
    url = _serve(app)
    small = tmp_path / "短报告.txt"
    small.write_text("一、部门基本情况\n本局2024年预算执行率95%，完成了年度目标。\n", encoding="utf-8")
    try:
        slow_user, quick_user = Client(url + "/", verbose=False), Client(url + "/", verbose=False)
        slow = slow_user.submit(handle_file(str(REPORT)), None, api_name="/review")
        deadline = time.monotonic() + 30
        while not fake_openai.requests and time.monotonic() < deadline:
            time.sleep(0.05)  # the slow review is now talking to the model
        quick = quick_user.submit(handle_file(str(small)), None, api_name="/review")
        status = quick.result(timeout=60)[0]
        assert "审阅完成" in status
        assert not slow.done(), "the second user's review waited for the first user's slow one"
        assert "审阅完成" in slow.result(timeout=120)[0]
    finally:
        app.close()


def test_a_session_cannot_start_a_second_job_alongside_its_first(tmp_path: Path) -> None:
    from assistant.web.handlers import Handlers

    h = Handlers(workdir=tmp_path)
    order: list[str] = []

    def second() -> None:
        with h._model(None, "same"):
            order.append("second")

    with h._model(None, "same"):
        t = threading.Thread(target=second)
        t.start()
        time.sleep(0.2)
        order.append("first-done")
    t.join(5)
    assert order == ["first-done", "second"]
