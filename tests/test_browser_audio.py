"""The voice answer in real Chromium with a fake microphone playing speech made at test time."""

from __future__ import annotations

import wave

import pytest

from browser import chromium_page, fake_devices, live_server, screenshot_dir
from speech import GERMAN_SENTENCE, spoken_wav

# Each skips the module, saying why: without Chromium, or without a trained speech model.
pytestmark = pytest.mark.usefixtures("chromium", "needs_speech_model")


def test_recording_reaches_the_dashboard(app, tmp_path):
    app.config["AUDIO_DURATION_S"] = 4  # the real answer is 15 s
    voice = spoken_wav(tmp_path / "voice.wav")
    shots = screenshot_dir(tmp_path)
    with live_server(app) as base, chromium_page(fake_devices(audio=voice)) as page:
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        sent = []  # the recording goes in chunks while it is made, then a finish that reads the last seconds
        page.on("request", lambda r: sent.append(r.url.split("/api/v1/audio", 1)[1])
                if "/api/v1/audio" in r.url else None)
        shown = []  # what the progress said while finishing, and whether "Stop" could still be pressed
        page.on("console", lambda m: shown.append(m.text) if m.text.startswith("progress:") else None)
        page.goto(f"{base}/audio/")
        page.evaluate("""new MutationObserver(() => console.log('progress:' + document.getElementById('stop').disabled
            + ':' + document.getElementById('progress-text').textContent)).observe(
            document.getElementById('progress-text'), {childList: true, characterData: true, subtree: true})""")
        assert page.is_disabled("#start")  # consent first
        page.check("#consent-box")
        page.click("#start")
        page.wait_for_selector("#stage:not([hidden])", timeout=15_000)
        page.wait_for_function("document.getElementById('level-fill').style.width !== '0%' "
                               "&& document.getElementById('level-fill').style.width !== ''", timeout=10_000)
        page.screenshot(path=str(shots / "audio_recording.png"))
        assert page.inner_text("#countdown").endswith("s")
        page.wait_for_url("**/audio/result/*", timeout=40_000)
        page.wait_for_selector("#chart-timeline.drawn svg", timeout=30_000)
        page.wait_for_selector("#chart-distribution.drawn svg", timeout=30_000)
        page.screenshot(path=str(shots / "audio_dashboard.png"), full_page=True)
        assert "dominant emotion" in page.inner_text("main")
        assert errors == []
        finishes = [i for i, u in enumerate(sent) if u.endswith("/finish")]
        chunks = [i for i, u in enumerate(sent) if "/sound/" in u]
        assert sent[0] == "/session" and len(finishes) == 1 and chunks and max(chunks) < finishes[0], sent
        assert "" not in sent  # not the whole recording to the upload route
        done = "progress:true:Recording done — reading your answer…"  # the button off, the words with the share
        assert shown and all(s.startswith(done) for s in shown), shown


def test_a_german_answer_shows_its_german_transcript_its_translation_and_the_words_reading(app, tmp_path):
    app.config["AUDIO_DURATION_S"] = 9
    voice = spoken_wav(tmp_path / "antwort.wav", GERMAN_SENTENCE, voice="de")
    shots = screenshot_dir(tmp_path)
    with live_server(app) as base, chromium_page(fake_devices(audio=voice)) as page:
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{base}/audio/")
        page.check("#consent-box")
        page.click("#start")
        page.wait_for_url("**/audio/result/*", timeout=60_000)
        page.wait_for_selector("#words blockquote.transcript", timeout=30_000)
        page.screenshot(path=str(shots / "audio_dashboard_german.png"), full_page=True)
        assert "German" in page.inner_text("#spoken-language")
        said = page.inner_text("#words blockquote.transcript[lang=de]").lower()
        assert "abend" in said or "schwester" in said, said
        english = page.inner_text("#translation").lower()
        assert "sister" in english or "evening" in english, english
        assert "text model reads" in page.inner_text("#words")
        assert errors == []


def test_upload_reaches_the_dashboard(app, tmp_path):
    voice = spoken_wav(tmp_path / "answer.wav")
    with live_server(app) as base, chromium_page() as page:
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{base}/audio/")
        page.set_input_files("#audio-file", str(voice))
        page.click("#upload-button")
        page.wait_for_url("**/audio/result/*", timeout=40_000)
        page.wait_for_selector("#chart-timeline.drawn svg", timeout=30_000)
        # espeak-ng's flat synthetic voice may read "unclear" (under the measured confidence): both are a reading
        main = page.inner_text("main")
        assert "dominant emotion" in main or "not sure enough to name one" in main
        assert errors == []
        analysis_id = page.url.rsplit("/", 1)[-1]
    with wave.open(str(voice)) as wav:
        seconds = wav.getnframes() / wav.getframerate()
    stored = app.extensions["esapr_store"].get(analysis_id, "audio")
    assert stored is not None and abs(stored.scores["duration_s"] - seconds) < 0.1  # this file's figures, stored


def test_refused_microphone_offers_upload(app):
    with live_server(app) as base, chromium_page(["--use-fake-device-for-media-stream"]) as page:
        page.context.grant_permissions([])  # no microphone permission: getUserMedia is refused
        page.goto(f"{base}/audio/")
        page.check("#consent-box")
        page.click("#start")
        page.wait_for_selector("#mic-error:not([hidden])", timeout=15_000)
        assert "upload" in page.inner_text("#mic-error-text")
        assert page.is_visible("#upload-form")


def test_bad_upload_shows_the_servers_reason(app, tmp_path):
    bogus = tmp_path / "notes.wav"
    bogus.write_text("these are not sounds " * 50)
    with live_server(app) as base, chromium_page() as page:
        page.goto(f"{base}/audio/")
        page.set_input_files("#audio-file", str(bogus))
        page.click("#upload-button")
        page.wait_for_selector("#audio-error:not([hidden])", timeout=15_000)
        assert page.inner_text("#audio-error").strip()
        assert "/audio/result/" not in page.url

