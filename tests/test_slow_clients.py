"""Issue #15, finding 4: slow clients cannot hold the production server's workers.

The real thing, ``python main.py serve`` with 2 workers (benchmarks/serving.py), against 10
connections trickling header lines and 10 trickling a body, as benchmarks/attacks_limits.py does.
Before #15 (gunicorn's threaded workers, 4 threads each) GET / then waited until the slow clients
gave up; now the event loop reads requests whole and threads only run complete ones.
"""

from __future__ import annotations

import socket

import pytest
import requests

from benchmarks.attacks_limits import slow_clients
from benchmarks.serving import Server

pytestmark = pytest.mark.slow  # starts gunicorn servers and holds them with slow clients

HOME_BOUND_S = 1.0  # the target for GET / under attack


def test_home_page_answers_while_twenty_slow_clients_trickle(tmp_path):
    with Server(f"sqlite:///{tmp_path / 'history.sqlite3'}", workers=2, warm_models=False) as server:
        figures = slow_clients(server, headers=10, bodies=10, hold_s=4.0)
        assert figures.home_failed == 0
        assert figures.home_max_s is not None and figures.home_max_s < HOME_BOUND_S, figures
        # The server still reads ordinary requests whole: a body sent at once is analysed as before.
        response = requests.post(server.url("/api/v1/text"), data={"text": "too short"}, timeout=30)
        assert response.status_code == 422 and "error" in response.json()


def test_a_body_over_the_largest_limit_is_refused_before_it_is_read(tmp_path):
    with Server(f"sqlite:///{tmp_path / 'history.sqlite3'}", workers=1, warm_models=False) as server:
        # Content-Length says 1 GB; nothing of it is sent, yet the answer comes at once.
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(f"POST /api/v1/video HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
                         f"Content-Type: video/mp4\r\nContent-Length: {1 << 30}\r\n\r\n".encode())
            assert sock.recv(4096).startswith(b"HTTP/1.1 413")
