"""Security and privacy v2 (#15), finding 12 (and the pages' limit of finding 10): IPv6 is counted by its
/64, IPv4 by its address; the HTML interview start and result pages are limited too."""

from __future__ import annotations

import pytest

from conftest import make_test_app
from sample_texts import ESSAY


@pytest.mark.parametrize("address, key", [
    ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
    ("2001:db8:1:2:ffff:ffff:ffff:fffe", "2001:db8:1:2::/64"),
    ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
    ("fe80::1%eth0", "fe80::/64"),
    ("::ffff:192.0.2.7", "192.0.2.7"),  # an IPv4 client on a dual-stack socket is its IPv4 address
    ("192.0.2.7", "192.0.2.7"),
    ("192.0.2.8", "192.0.2.8"),  # IPv4: each address alone (NAT shares them; they are scarce to rotate)
    (None, "unknown"),
])
def test_client_key(address, key):
    from library.history.rate_limits import client_key

    assert client_key(address) == key


@pytest.fixture
def limited(tmp_path, shared_loaders):
    app = make_test_app(tmp_path, shared_loaders, RATE_LIMITS_ENABLED=True, RATE_LIMIT_ANALYSIS="2/minute",
                        RATE_LIMIT_PAGES="2/minute")
    yield app
    app.extensions["esapr_store"].close()


def test_addresses_of_one_ipv6_64_share_one_limit(limited):
    """Before: each address was counted alone, so rotating through a /64 multiplied the limit."""
    client = limited.test_client()

    def start(address: str) -> int:
        return client.post("/api/v1/interview", environ_base={"REMOTE_ADDR": address}).status_code

    assert [start(f"2001:db8:aa:bb::{i}") for i in (1, 2, 3)] == [201, 201, 429]
    assert start("2001:db8:aa:cc::1") == 201  # another /64 is another client


def test_the_html_interview_start_counts_as_an_analysis(limited):
    """Before: POST /interview/ was not limited while the analysis budget was used up."""
    client = limited.test_client()
    assert [client.post("/api/v1/interview").status_code for _ in range(2)] == [201, 201]
    refused = client.post("/interview/", data={"consent": "yes"})
    assert refused.status_code == 429 and "Retry-After" in refused.headers


def test_result_pages_have_a_limit(limited):
    client = limited.test_client()
    analysis_id = client.post("/api/v1/text", data={"text": ESSAY}).get_json()["id"]
    statuses = [client.get(f"/text/result/{analysis_id}").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert client.get("/").status_code == 200  # the home page is not a result page


# --- Security v3 (#27), finding 9 ------------------------------------------------------------------

def test_the_64s_of_one_48_share_sixteen_times_the_limit(limited):
    """Before: each /64 was a fresh limit, so a /48 sent 65,536 times it."""
    client = limited.test_client()

    def start(address: str) -> int:
        return client.post("/api/v1/interview", environ_base={"REMOTE_ADDR": address}).status_code

    statuses = [start(f"2001:db8:aa:{i:x}::1") for i in range(34)]  # 34 /64s, one request each
    assert statuses == [201] * 32 + [429, 429]  # 2 a minute x 16
    refused = client.post("/api/v1/interview", environ_base={"REMOTE_ADDR": "2001:db8:aa:99::1"})
    assert "network" in refused.get_json()["error"] and "32 every minute" in refused.get_json()["error"]
    assert start("2001:db8:ab::1") == 201  # another /48 is another site


def test_unparsable_forwarded_addresses_share_one_limit(tmp_path, shared_loaders):
    """Before: each junk X-Forwarded-For value was a client of its own."""
    from library.history.rate_limits import client_keys

    assert client_keys("junk-1") == client_keys("junk-2") == client_keys(None) == [("unknown", 1)]
    app = make_test_app(tmp_path, shared_loaders, RATE_LIMITS_ENABLED=True, RATE_LIMIT_ANALYSIS="2/minute",
                        TRUSTED_PROXIES=1)
    client = app.test_client()
    statuses = [client.post("/api/v1/interview", headers={"X-Forwarded-For": f"junk-{i}"}).status_code
                for i in range(3)]
    assert statuses == [201, 201, 429]
    app.extensions["esapr_store"].close()
