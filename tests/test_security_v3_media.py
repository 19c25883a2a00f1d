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

@pytest.mark.parametrize("kind", [b"zTXt", b"iTXt"])
def test_png_frame_with_text_chunks_after_its_image_answers_at_once(client, kind):
    png = hostile.png_with_text_after_image(3_000_000, kind=kind)  # 17 s of libpng inflating before
    assert len(png) >= 3_000_000
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
