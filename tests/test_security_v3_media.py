"""Security v3: work bounded before decoding, for every chunk and container an upload may carry.

Every hostile file is made at test time (benchmarks/hostile_files.py). Each test failed on the code
before this pass; the bounds on seconds are safety invariants (a worker is never held), not speed targets.
"""

from __future__ import annotations

import time

import cv2
import numpy as np
import pytest

from benchmarks import hostile_files as hostile
from library.errors import PayloadTooLarge, UnprocessableInput
from library.video.frames import decode_image
from library.video.image_work import PNG_MAX_CHUNKS, png_for_decoding
from media import interview_frame
from test_hostile_input import assert_answer, post_file

FRAME = "/api/v1/video/frame"


# --- PNG chunks after the image data -------------------------------------------------------------

@pytest.mark.real_models
@pytest.mark.parametrize("kind", [b"zTXt", b"iTXt"])
def test_png_frame_with_text_chunks_after_its_image_answers_at_once(client, kind):
    png = hostile.png_with_text_after_image(3_000_000, kind=kind)  # 17 s of libpng inflating before
    assert len(png) >= 3_000_000
    ordinary = cv2.imencode(".png", np.full((480, 640), 128, np.uint8))[1].tobytes()
    assert_answer(post_file(client, FRAME, "frame", ordinary, "frame.png")[0], 200)  # the face model loaded first
    response, seconds = post_file(client, FRAME, "frame", png, "frame.png")
    assert_answer(response, 200)
    assert seconds < 2.0


def test_only_the_chunks_that_draw_a_png_reach_the_decoder():
    png = hostile.png_with_text_after_image(200_000)
    kept = png_for_decoding(png)
    assert len(kept) < 5_000 and b"zTXt" not in kept
    # The picture itself is unchanged, transparency included.
    rgba = np.dstack([interview_frame()[:120, :160], np.full((120, 160), 7, np.uint8)])
    ordinary = cv2.imencode(".png", rgba)[1].tobytes()
    assert png_for_decoding(ordinary) == ordinary
    assert np.array_equal(decode_image(png), np.full((480, 640), 128, np.uint8))
    assert np.array_equal(decode_image(ordinary, gray=False), cv2.cvtColor(rgba[:, :, :3], cv2.COLOR_BGR2RGB))


def test_png_of_too_many_chunks_or_a_cut_chunk_is_refused():
    image = cv2.imencode(".png", np.zeros((4, 4), np.uint8))[1].tobytes()
    many = image[:-12] + hostile.png_chunk(b"tEXt", b"a\x00b") * PNG_MAX_CHUNKS + image[-12:]
    with pytest.raises(PayloadTooLarge, match="chunks"):
        decode_image(many)
    with pytest.raises(UnprocessableInput, match="damaged"):
        decode_image(image[:-12] + hostile.png_chunk(b"tEXt", b"a\x00b" * 100)[:-50])


# --- MP4 sample tables ---------------------------------------------------------------------------

MEMORY_SCRIPT = """
import resource, sys
sys.path[:0] = [{root!r}, {root!r} + "/tests"]
from benchmarks import hostile_files as hostile
from library.errors import InputError
from library.{module} import {function} as run
clip = getattr(hostile, {maker!r})()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    run(clip{extra})
    answer = "read"
except InputError as exc:
    answer = type(exc).__name__ + ": " + exc.message
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024, len(clip), answer)
"""


@pytest.mark.parametrize("module,function,extra", [
    ("video.video_file", "analyse_video", ", None"),
    ("audio.decode", "decode_audio", ""),
    ("batch.analyse", "_has_video_track", ""),
])
def test_mp4_declaring_20_million_samples_is_refused_before_ffmpeg_indexes_it(module, function, extra):
    """Peak memory of a fresh process (ru_maxrss), as a worker's is what the finding measured."""
    import subprocess
    import sys
    from pathlib import Path

    root = str(Path(__file__).resolve().parent.parent)
    script = MEMORY_SCRIPT.format(root=root, module=module, function=function, extra=extra,
                                  maker="mp4_with_sample_tables")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    grown_mb, size, answer = run.stdout.split(maxsplit=2)
    assert int(size) < 60_000
    assert int(grown_mb) < 100, (grown_mb, answer)  # FFmpeg's index took 700 MB of this file
    if function != "_has_video_track":
        assert answer.startswith("PayloadTooLarge") and "samples" in answer, answer


def test_mp4_of_an_ordinary_sample_count_is_still_read():
    import io

    from library.iso_tables import check_iso_tables
    from media import make_video

    clip = make_video([interview_frame(dx=i) for i in range(12)], fps=5, sound=(np.zeros(48_000, np.float32), 48_000))
    assert 12 <= check_iso_tables(io.BytesIO(clip)) < 12 + 60  # video frames and AAC frames
    at = clip.index(b"stco") + 8  # the type, version and flags, then the count
    lying = clip[:at] + (16_000_000).to_bytes(4, "big") + clip[at + 4:]
    with pytest.raises(UnprocessableInput, match="stco table declares 16,000,000 entries"):
        check_iso_tables(io.BytesIO(lying))


@pytest.mark.real_models
def test_mp4_voice_upload_over_the_sample_tables_is_refused(client):
    response, seconds = post_file(client, "/api/v1/audio", "audio", hostile.mp4_with_sample_tables(), "voice.m4a")
    assert_answer(response, 413, "samples")
    response, _ = post_file(client, "/api/v1/video", "video", hostile.mp4_with_sample_tables(), "clip.mp4")
    assert_answer(response, 413, "samples")


def test_uncompressed_sound_is_counted_as_ffmpeg_indexes_it():
    """A MOV of PCM declares one sample per tick (480,000 here), which FFmpeg indexes a chunk at a time."""
    import io

    import av

    from library.audio.decode import decode_audio
    from library.iso_tables import check_iso_tables

    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mov") as out:
        stream = out.add_stream("pcm_s16le", rate=48_000, layout="mono")
        for i in range(100):
            frame = av.AudioFrame.from_ndarray(np.zeros((1, 4800), np.int16), format="s16", layout="mono")
            frame.sample_rate, frame.pts = 48_000, i * 4800
            for packet in stream.encode(frame):
                out.mux(packet)
    clip = buffer.getvalue()
    assert 100 <= check_iso_tables(io.BytesIO(clip)) <= 600
    assert len(decode_audio(clip)[0]) == 480_000


def test_a_keyframe_larger_than_its_container_says_is_refused_before_it_is_decoded():
    import subprocess
    import sys
    from pathlib import Path

    root = str(Path(__file__).resolve().parent.parent)
    # A pipeline that is never reached: the first frame is refused (loading the real one would grow the peak).
    stub = ", type('Pipeline', (), {'tracker': lambda self: None})()"
    script = MEMORY_SCRIPT.format(root=root, module="video.video_file", function="analyse_video", extra=stub,
                                  maker="webm_with_large_keyframe")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    grown_mb, _, answer = run.stdout.split(maxsplit=2)
    assert int(grown_mb) < 100, (grown_mb, answer)  # libvpx allocated 16000x16000 (+459 MB) before
    assert answer.startswith("UnprocessableInput"), answer


def test_an_edit_list_multiplies_the_samples_counted():
    """FFmpeg copies the index entries each edit covers: 20 edits of 900,000 samples (under the cap alone) took
    +455 MB in av.open."""
    import io

    from library.iso_tables import MAX_SAMPLES, check_iso_tables

    assert check_iso_tables(io.BytesIO(hostile.mp4_with_sample_tables(900_000, edits=1))) == 900_000
    with pytest.raises(PayloadTooLarge, match="samples"):
        check_iso_tables(io.BytesIO(hostile.mp4_with_sample_tables(MAX_SAMPLES // 10 + 1, edits=10)))
