"""What a person sees when a form is refused, on a laptop's screen (1280x900), in real Chromium: the
reason comes into view and takes the focus (it was below the fold, and nothing visible changed), in
plain words; without JavaScript the typed text survives; and the microphone meter does not cry wolf."""

from __future__ import annotations

import pytest

from browser import chromium_page, live_server
from sample_texts import ESSAY

pytestmark = pytest.mark.usefixtures("chromium")  # skips the module, saying why, without Chromium

LAPTOP = {"width": 1280, "height": 900}
IN_VIEW_AND_FOCUSED = """(id) => {
    const el = document.getElementById(id), r = el.getBoundingClientRect();
    return {visible: !el.hidden && r.height > 0, inView: r.top >= 0 && r.bottom <= window.innerHeight,
            focused: document.activeElement === el, role: el.getAttribute('role'), text: el.innerText};
}"""


def _seen(page, element_id: str) -> dict:
    page.wait_for_selector(f"#{element_id}:not([hidden])", timeout=15_000)
    return page.evaluate(IN_VIEW_AND_FOCUSED, element_id)


def test_a_refused_text_is_seen_and_focused(app):
    with live_server(app) as base, chromium_page() as page:
        page.set_viewport_size(LAPTOP)
        page.goto(f"{base}/text/")
        page.click("#submit")  # nothing written
        seen = _seen(page, "form-error")
        assert seen["visible"] and seen["inView"] and seen["focused"] and seen["role"] == "alert"
        assert "no text to analyse" in seen["text"] and "field" not in seen["text"]

        page.evaluate("window.scrollTo(0, 0)")
        page.fill("#text", "too short")
        page.click("#submit")
        page.wait_for_function("() => document.getElementById('form-error').innerText.includes('at least')")
        seen = page.evaluate(IN_VIEW_AND_FOCUSED, "form-error")
        assert seen["inView"] and seen["focused"]


def test_a_text_and_a_file_together_are_refused_not_one_silently_chosen(app, tmp_path):
    other = tmp_path / "other.txt"
    other.write_text(ESSAY.upper(), encoding="utf-8")
    with live_server(app) as base, chromium_page() as page:
        page.set_viewport_size(LAPTOP)
        page.goto(f"{base}/text/")
        page.fill("#text", ESSAY)
        page.set_input_files("#file", str(other))
        page.click("#submit")
        seen = _seen(page, "form-error")
        assert "clear one of them" in seen["text"] and seen["inView"] and seen["focused"]
        assert "/text/result/" not in page.url
    # The API says the same to a program, rather than reading the file and dropping the text.
    response = app.test_client().post("/api/v1/text", data={"text": ESSAY, "file": (other.open("rb"), "other.txt")})
    assert response.status_code == 400 and "clear one of them" in response.get_json()["error"]


def test_without_javascript_a_short_text_comes_back_in_the_form(app):
    with live_server(app) as base, chromium_page() as page:
        context = page.context.browser.new_context(java_script_enabled=False, viewport=LAPTOP)
        nojs = context.new_page()
        nojs.goto(f"{base}/text/")
        nojs.fill("#text", "Only a few words here.")
        nojs.click("#submit")
        nojs.wait_for_load_state()
        assert nojs.input_value("#text") == "Only a few words here."  # not lost on an error page
        seen = nojs.evaluate(IN_VIEW_AND_FOCUSED, "form-error")
        assert seen["visible"] and seen["inView"] and seen["role"] == "alert" and "at least" in seen["text"]
        context.close()


def test_a_refused_video_upload_is_seen_and_focused(app, tmp_path):
    bogus = tmp_path / "holiday.mp4"
    bogus.write_bytes(b"not a video at all " * 200)
    with live_server(app) as base, chromium_page() as page:
        page.set_viewport_size(LAPTOP)
        page.goto(f"{base}/video/")
        page.set_input_files("#video-file", str(bogus))
        page.click("#upload-button")
        seen = _seen(page, "upload-error")
        assert seen["text"].strip() and seen["inView"] and seen["focused"] and seen["role"] == "alert"


def _sound_file(tmp_path, seconds_of_silence: float | None):
    import numpy as np

    from speech import SENTENCE, spoken_wav, wav_bytes

    if seconds_of_silence is None:
        return spoken_wav(tmp_path / "talk.wav", SENTENCE, repeat=3)
    path = tmp_path / "silence.wav"
    path.write_bytes(wav_bytes(np.zeros(int(16_000 * seconds_of_silence), dtype=np.float32), 16_000))
    return path


@pytest.mark.parametrize("sound", ["speech with pauses", "silence"])
def test_the_microphone_warning_waits_for_a_sustained_silence(app, tmp_path, sound):
    """The warning showed on every pause (57% of a normal answer); now only after 4 s of silence."""
    app.config["AUDIO_DURATION_S"] = 15
    wav = _sound_file(tmp_path, None if sound == "speech with pauses" else 20.0)
    fake_mic = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                f"--use-file-for-fake-audio-capture={wav}"]
    with live_server(app) as base, chromium_page(fake_mic) as page:
        page.goto(f"{base}/audio/")
        page.check("#consent-box")
        page.click("#start")
        page.wait_for_selector("#stage:not([hidden])", timeout=15_000)
        assert not page.is_visible("#upload")  # one answer at a time
        # When, in seconds from the start, the warning was first shown (null: never), over 7 s.
        shown_at = page.evaluate("""() => new Promise(done => {
            const start = performance.now(), hint = document.getElementById('level-hint');
            const timer = setInterval(() => {
                const t = (performance.now() - start) / 1000;
                if (hint.textContent.trim()) { clearInterval(timer); done(t); }
                else if (t > 7) { clearInterval(timer); done(null); }
            }, 100);
        })""")
    if sound == "silence":
        assert shown_at is not None and shown_at >= 3.5
    else:
        assert shown_at is None
