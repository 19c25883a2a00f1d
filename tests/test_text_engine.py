"""Text channel engine: preprocessing, PDF/upload reading, the shipped model, analysis."""

from __future__ import annotations

import io
import time

import numpy as np
import pytest

from library.errors import BadInput, PayloadTooLarge, UnprocessableInput, UnsupportedMediaType
from library.text import (TRAITS, PersonalityModel, TextAnalysis, analyse_text, extract_pdf_text,
                          read_text_upload)
from library.text.preprocess import (content_words, count_words, expand_contractions, fix_artefacts,
                                     normalise, pad_batch, pad_truncate, tokenize)


def _fpdf():
    # Only the PDF tests need fpdf2 (a test-time dependency); skip just those without it.
    return pytest.importorskip("fpdf", reason="fpdf2 makes the test PDFs (pip install fpdf2==2.8.9)")

OUTGOING = ("I love going out with my friends every weekend, we go to parties and concerts and "
            "dance all night. Meeting new people is the best thing, I talk to everyone and I am "
            "always the one who organises the trips. Tonight we have a huge party at the house "
            "and I cannot wait to see everybody there, it is going to be so much fun. ") * 4
ANXIOUS = ("I feel so worried and stressed all the time, I cannot sleep because I keep thinking "
           "about my exams and whether I will fail. I am scared and sad and I cry a lot, "
           "everything makes me nervous and depressed and I hate feeling this lonely and "
           "anxious. I am so tired and upset and I just want the pain to stop. ") * 4


# -- preprocessing -------------------------------------------------------------------

def test_fix_artefacts_maps_mac_roman_quotes():
    assert fix_artefacts("IÕm tired, I¹m sure, it\u2019s") == "I'm tired, I'm sure, it's"
    assert "cliche" in normalise("as clichŽ as that")


def test_expand_contractions():
    assert expand_contractions("i'm sure we won't, they're here, i can't") == \
        "i am sure we will not, they are here, i can not"
    assert expand_contractions("dont know, it's john's") == "do not know, it is john"
    # the artefact form expands too, through normalise()
    assert normalise("I DonÕt know") == "i do not know"


def test_tokenize_drops_punctuation_and_digits_and_lowercases():
    assert tokenize("Hello, WORLD!! 42 times... (really?)") == ["hello", "world", "times", "really"]


def test_content_words_drop_stopwords_and_lemmatise():
    words = content_words("The studies were running better than my friends' cats, and I cry.")
    assert words == ["study", "run", "good", "friend", "cat", "cry"]
    assert "the" not in content_words("the the the dog")


def test_count_words_counts_contractions_once():
    assert count_words("I don't know, it's 5 o'clock - well-known!") == 7
    assert count_words("IÕm here") == 2
    assert count_words("   ") == 0


def test_pad_truncate():
    assert pad_truncate([1, 2, 3], 5) == [1, 2, 3, 0, 0]
    assert pad_truncate([1, 2, 3, 4, 5, 6], 4) == [1, 2, 3, 4]
    batch = pad_batch([[1], [2, 3, 4]], 2)
    assert batch.shape == (2, 2) and batch.tolist() == [[1, 0], [2, 3]]


# -- PDFs made at test time -----------------------------------------------------------

def _text_pdf(pages: int = 1, text: str = OUTGOING) -> bytes:
    pdf = _fpdf().FPDF()
    pdf.set_font("helvetica", size=11)
    for i in range(pages):
        pdf.add_page()
        pdf.multi_cell(0, 5, f"Page {i + 1}. {text}")
    return bytes(pdf.output())


def _image_pdf() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (400, 200), "white")
    ImageDraw.Draw(image).text((10, 80), "scanned words that are only pixels", fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    pdf = _fpdf().FPDF()
    pdf.add_page()
    pdf.image(io.BytesIO(buffer.getvalue()), x=10, y=10, w=180)
    return bytes(pdf.output())


def _encrypted_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(_text_pdf())).pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_extract_text_pdf():
    text = extract_pdf_text(_text_pdf())
    assert "parties and concerts" in " ".join(text.split())


def test_extract_twenty_pages_under_a_second():
    data = _text_pdf(pages=20)
    start = time.perf_counter()
    text = extract_pdf_text(data)
    elapsed = time.perf_counter() - start
    assert "Page 20." in text and "Page 1." in text
    assert elapsed <= 1.0, f"20-page PDF took {elapsed:.2f}s"


def test_encrypted_pdf_is_refused_with_message():
    with pytest.raises(UnprocessableInput, match="password-protected"):
        extract_pdf_text(_encrypted_pdf())


def test_image_only_pdf_is_refused_as_scanned():
    with pytest.raises(UnprocessableInput, match="scanned"):
        extract_pdf_text(_image_pdf())


@pytest.mark.parametrize("data", [
    b"%PDF-1.4\n this is not really a pdf \x00\x01\x02 %%EOF",
    b"%PDF-",
])
def test_corrupt_pdf_is_unprocessable(data):
    with pytest.raises(UnprocessableInput, match="could not be read|no text layer"):
        extract_pdf_text(data)


def test_truncated_pdf_is_unprocessable():
    data = _text_pdf(pages=3)
    with pytest.raises(UnprocessableInput):
        extract_pdf_text(data[: len(data) // 3])


def test_too_many_pages_is_payload_too_large():
    with pytest.raises(PayloadTooLarge, match="5 pages"):
        extract_pdf_text(_text_pdf(pages=5), max_pages=4)
    assert extract_pdf_text(_text_pdf(pages=4), max_pages=4)


def test_max_chars_cuts_text():
    assert len(extract_pdf_text(_text_pdf(pages=3), max_chars=100)) == 100


# -- uploads: decided by content -------------------------------------------------------

def test_upload_pdf_detected_by_content_not_name():
    text = read_text_upload(_text_pdf(), filename="essay.txt")
    assert "Page 1." in text


def test_upload_text_utf8_and_fallback():
    assert read_text_upload("naïve café text".encode("utf-8"), "a.pdf") == "naïve café text"
    assert read_text_upload("\ufeffwith bom".encode("utf-8")) == "with bom"
    assert read_text_upload("café".encode("cp1252")) == "café"
    assert read_text_upload("utf-16 text, café".encode("utf-16")) == "utf-16 text, café"


def test_upload_binary_is_unsupported():
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    with pytest.raises(UnsupportedMediaType):
        read_text_upload(png, "photo.txt")
    with pytest.raises(UnsupportedMediaType):
        read_text_upload(b"some text\x00\x00\x00 with nul bytes", "a.txt")


def test_upload_empty_is_bad_input():
    with pytest.raises(BadInput):
        read_text_upload(b"")
    with pytest.raises(BadInput):
        read_text_upload(b"  \n\t ")


def test_upload_pdf_page_limit_passed_through():
    with pytest.raises(PayloadTooLarge):
        read_text_upload(_text_pdf(pages=3), max_pdf_pages=2)


# -- the shipped model ------------------------------------------------------------------

@pytest.fixture(scope="module")
def model() -> PersonalityModel:
    return PersonalityModel.load()


def test_traits_order():
    assert TRAITS == ("openness", "conscientiousness", "extraversion", "agreeableness", "neuroticism")


def test_predict_proba_shape_range_and_order(model):
    proba = model.predict_proba([OUTGOING, ANXIOUS, "short text about nothing"])
    assert proba.shape == (3, 5) and proba.dtype == np.float64
    assert np.all((proba > 0) & (proba < 1))
    assert model.traits == TRAITS
    # TRAITS order: the anxious text is the more neurotic, the party text the more extraverted.
    n, e = TRAITS.index("neuroticism"), TRAITS.index("extraversion")
    assert proba[1, n] > proba[0, n]
    assert proba[0, e] > proba[1, e]
    assert np.abs(proba[0] - proba[1]).max() > 0.05


def test_predict_proba_rejects_single_string(model):
    with pytest.raises(TypeError):
        model.predict_proba(OUTGOING)


def test_one_essay_is_fast(model):
    essay = " ".join(((OUTGOING + ANXIOUS).split() * 2)[:650])  # a mean-length essay
    assert 600 <= count_words(essay) <= 700
    model.predict_proba([essay])
    times = []
    for _ in range(5):
        start = time.perf_counter()
        model.predict_proba([essay])
        times.append(time.perf_counter() - start)
    assert min(times) <= 0.05, f"one essay took {min(times) * 1000:.1f} ms"


def test_analyse_text(model):
    result = analyse_text(ANXIOUS, model)
    assert isinstance(result, TextAnalysis)
    assert list(result.traits) == list(TRAITS)
    assert all(0 < p < 1 for p in result.traits.values())
    assert result.word_count == count_words(ANXIOUS)
    words = dict(result.top_words)
    assert len(result.top_words) == 15
    assert words["feel"] == 4 and "the" not in words and "i" not in words
    counts = [c for _, c in result.top_words]
    assert counts == sorted(counts, reverse=True)
    as_dict = result.to_dict()
    assert as_dict["word_count"] == result.word_count and as_dict["top_words"][0] == list(result.top_words[0])


def test_analyse_text_too_short(model):
    with pytest.raises(UnprocessableInput, match=r"at least 50 words; this text has 12\."):
        analyse_text("one two three four five six seven eight nine ten eleven twelve", model)
    with pytest.raises(UnprocessableInput, match="at least 20 words"):
        analyse_text("a few words only", model, min_words=20)
    with pytest.raises(BadInput):
        analyse_text("   ", model)


def test_import_is_light():
    import subprocess
    import sys

    code = ("import sys, library.text; "
            "print(any(m in sys.modules for m in ('keras', 'torch', 'gensim', 'sklearn', 'flask')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_stop_words_are_gensims_list_the_models_were_trained_with():
    gensim = pytest.importorskip("gensim.parsing.preprocessing", reason="gensim (training only) is not installed")
    from library.text.preprocess import _NOT_STOP, stop_words

    assert stop_words() == frozenset(gensim.STOPWORDS) - _NOT_STOP
