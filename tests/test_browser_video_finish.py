"""The end of a live video answer in real Chromium (fake camera and microphone), on the video page and in the
interview's video step, at a phone's and a laptop's width: the microphone goes in chunks while the person speaks,
the page then says "Recording done — reading your answer…" with the server's progress, "Finish now" can no longer
be pressed, the heading fits the screen, and the dashboard (or the next step) opens."""

from __future__ import annotations

import pytest

from browser import chromium_page, live_server, screenshot_dir
from live_answer import answer_and_watch, fake_devices, open_capture
from speech import spoken_wav

pytestmark = pytest.mark.usefixtures("chromium", "needs_speech_model")
SECONDS = 14  # long enough for the server to read a stretch of the voice before the end (the real answer is 45 s)


@pytest.fixture(autouse=True)
def _needs_face_model():
    from library.video.model import DEFAULT_PATH

    if not DEFAULT_PATH.exists():
        pytest.skip(f"no trained expression model at {DEFAULT_PATH}")


@pytest.mark.parametrize("where", ["video page", "interview step"])
@pytest.mark.parametrize("width, height", [(1280, 900), (390, 844)], ids=["laptop", "phone"])
def test_the_answer_is_read_while_spoken_and_its_end_shows_the_reading(app, tmp_path, where, width, height):
    app.config["VIDEO_DURATION_S"] = SECONDS
    devices = fake_devices(app, tmp_path, spoken_wav(tmp_path / "voice.wav"))
    shots = screenshot_dir(tmp_path)
    name = where.split()[0]  # "video" or "interview"
    with live_server(app) as base, chromium_page(devices) as page:
        page.set_viewport_size({"width": width, "height": height})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        next_url = open_capture(page, base, name)
        watched = answer_and_watch(page, next_url, SECONDS, shots / f"video_finishing_{name}_{width}.png")
        state = watched.finishing
        assert "Recording done — reading your answer…" in state["text"], state
        assert state["stopDisabled"] and state["countdownHidden"] and state["micNote"] == "", state
        assert state["right"] <= width and state["scrollWidth"] <= width and not state["overflows"], state
        assert watched.chunks_while_speaking >= SECONDS - 3  # a chunk a second went while the person spoke
        shares = [int(s.rstrip("%")) for s in watched.shares]
        assert shares and shares == sorted(shares), shares  # the share read only grows
        print(f"{where} at {width} px: end -> next page {watched.end_to_next_page_s:.2f} s, shown {watched.shares}")
        if where == "video page":
            page.wait_for_selector("#chart-voice_timeline.drawn svg", timeout=30_000)
            assert "celebrate" in page.inner_text("#words").lower()
        assert errors == []


def test_a_chunk_lost_on_the_way_is_sent_again_when_the_finish_names_it(app, tmp_path):
    """Chunk 5 never reaches the server though the page heard "OK" (a proxy that dropped it): the finish answers
    409 naming it, the page sends it again from what it kept, finishes, and the voice covers the whole answer."""
    app.config["VIDEO_DURATION_S"] = SECONDS
    devices = fake_devices(app, tmp_path, spoken_wav(tmp_path / "voice.wav"))
    seen: list[str] = []
    with live_server(app) as base, chromium_page(devices) as page:
        def drop_once(route):
            seen.append(route.request.url)
            if len([u for u in seen if "/sound/5?" in u]) == 1:
                route.fulfill(status=200, content_type="application/json", body='{"duplicate": false}')
            else:
                route.continue_()
        page.route("**/sound/5?*", drop_once)
        finishes: list[int] = []
        page.on("response", lambda r: finishes.append(r.status) if r.url.endswith("/finish") else None)
        next_url = open_capture(page, base, "video")
        answer_and_watch(page, next_url, SECONDS)
        assert finishes == [409, 200] and len(seen) == 2  # named, sent again, finished
        page.wait_for_selector("#chart-voice_timeline.drawn svg", timeout=30_000)
        assert "celebrate" in page.inner_text("#words").lower()
        stored = app.extensions["esapr_store"].get(page.url.rsplit("/", 1)[-1], "video")
        assert stored.scores["voice"]["duration_s"] >= SECONDS - 1.5  # the voice of the whole answer, gap filled
