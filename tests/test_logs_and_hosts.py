"""Security and privacy v2 (#15), findings 7 and 8: no token or session id in the logs, nothing private
cached, and only our own host names answered (DNS rebinding)."""

from __future__ import annotations

import logging
import re
import urllib.request

import pytest

from benchmarks.serving import Server
from conftest import make_test_app
from sample_texts import ESSAY

pytestmark = pytest.mark.slow  # starts gunicorn servers

HEADER = "X-ESAPR-Token"


# --- finding 7: secrets in logs -------------------------------------------------------------------

def test_the_production_access_log_shows_no_token_and_no_session_id(tmp_path):
    """Before: gunicorn's access log held `GET /my/<token>` and `/my/<token>/export.json` as they came, and
    the interview's session id in every step's path."""
    with Server(f"sqlite:///{tmp_path / 'history.sqlite3'}", workers=1, warm_models=False) as server:
        request = urllib.request.Request(server.url("/api/v1/interview"), method="POST")
        with urllib.request.urlopen(request, timeout=60) as answer:
            token = answer.headers[HEADER]
            session_id = re.search(r'"session":\s*"([0-9a-f]{32})"', answer.read().decode()).group(1)
        for path in (f"/my/{token}", f"/my/{token}/export.json", f"/api/v1/interview/{session_id}"):
            urllib.request.urlopen(urllib.request.Request(server.url(path), headers={HEADER: token}), timeout=60).read()
        server.stop()
        log = server.log_text()
    assert f"/my/[token]/export.json" in log and "/api/v1/interview/[id]" in log  # the lines are there...
    assert token not in log and session_id not in log  # ...without the secrets


def test_the_development_server_and_app_logs_are_redacted_too(app):
    from web.platform.log_redaction import RedactSecrets

    token, sid = "A" * 16 + "b_-" + "c" * 13, "0123456789abcdef" * 2
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, '%s - - "%s" %s %s',
                               ("127.0.0.1", f"GET /my/{token}/result/{sid} HTTP/1.1", "200", "-"), None)
    RedactSecrets().filter(record)
    line = record.getMessage()
    assert token not in line and sid not in line and "/my/[token]/result/[id]" in line
    assert any(isinstance(f, RedactSecrets) for f in logging.getLogger(app.logger.name).filters)
    assert any(isinstance(f, RedactSecrets) for f in logging.getLogger("gunicorn.access").filters)


@pytest.mark.real_models
def test_every_private_answer_is_no_store_and_public_pages_are_not(app, client):
    """Before: results, reports, My results and the API's answers carried no Cache-Control."""
    analysed = client.post("/api/v1/text", data={"text": ESSAY})
    token, text_id = analysed.headers[HEADER], analysed.get_json()["id"]
    session_id = client.post("/interview/", data={"consent": "yes"}).headers["Location"].split("/")[-2]
    private = [analysed, client.get(f"/text/result/{text_id}"), client.get(f"/my/{token}"),
               client.get(f"/my/{token}/result/{text_id}"), client.get(f"/my/{token}/export.json"),
               client.get(f"/my/{token}/history/text.csv"), client.get("/api/v1/me", headers={HEADER: token}),
               client.get(f"/interview/{session_id}/video"), client.get(f"/api/v1/interview/{session_id}"),
               client.get("/interview/")]
    for response in private:
        assert response.status_code < 400 and response.headers.get("Cache-Control") == "no-store", response.request.path
    for path in ("/", "/about", "/api/v1/history/text", "/api/v1/history/text.csv", "/static/css/style.css"):
        assert "no-store" not in client.get(path).headers.get("Cache-Control", ""), path


# --- finding 8: host allow-list --------------------------------------------------------------------

def test_a_foreign_host_is_refused_with_400(client):
    """Before: a foreign Host with a matching Origin passed (DNS rebinding against a local install)."""
    rebinding = {"Origin": "http://evil.example:5000"}
    refused = client.post("/api/v1/interview", headers=rebinding, base_url="http://evil.example:5000")
    assert refused.status_code == 400 and "ESAPR_TRUSTED_HOSTS" in refused.get_json()["error"]
    assert client.get("/", base_url="http://evil.example").status_code == 400
    assert client.get("/", base_url="http://localhost.evil.example").status_code == 400


@pytest.mark.parametrize("base", ["http://localhost", "http://localhost:5000", "http://127.0.0.1:8000",
                                  "http://[::1]:5000", "http://LOCALHOST"])
def test_local_names_are_allowed_by_default(client, base):
    assert client.get("/", base_url=base).status_code == 200


def test_the_allowed_hosts_come_from_the_environment(tmp_path, shared_loaders, monkeypatch):
    monkeypatch.setenv("ESAPR_TRUSTED_HOSTS", "esapr.example.org, .lab.example")
    app = make_test_app(tmp_path, shared_loaders)
    client = app.test_client()
    assert client.get("/", base_url="https://esapr.example.org").status_code == 200
    assert client.get("/", base_url="https://team.lab.example").status_code == 200
    assert client.get("/", base_url="http://localhost").status_code == 400  # the list replaces the default
    app.extensions["esapr_store"].close()
    monkeypatch.setenv("ESAPR_TRUSTED_HOSTS", "*")
    anything = make_test_app(tmp_path / "any", shared_loaders)
    assert anything.test_client().get("/", base_url="http://whatever.example").status_code == 200
    anything.extensions["esapr_store"].close()
