"""A serving worker takes one new connection per wake-up of the shared listening socket (web/platform/worker.py)."""

from __future__ import annotations

import asyncio
import socket

from web.platform.worker import one_accept_per_wake


def test_one_connection_per_turn_of_the_event_loop():
    listener = socket.create_server(("127.0.0.1", 0))
    clients = [socket.create_connection(listener.getsockname()) for _ in range(3)]  # all three queued at once
    fair = one_accept_per_wake(listener)
    fair.setblocking(False)

    async def take() -> list[str]:
        steps = []
        for _ in range(3):
            conn, _ = fair.accept()
            conn.close()
            steps.append("accepted")
            try:
                fair.accept()  # a second one in the same turn: left for whichever worker wakes next
                steps.append("accepted twice")
            except BlockingIOError:
                steps.append("left")
            await asyncio.sleep(0)  # the next turn of the loop
        return steps

    try:
        assert asyncio.run(take()) == ["accepted", "left"] * 3
    finally:
        fair.close()
        for client in clients:
            client.close()
