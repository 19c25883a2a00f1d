"""Home and "How it works" pages, the model cards, and the pieces that make the app installable on a phone
(web app manifest, service worker, offline page: web/home/install.py)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, send_file
from markupsafe import Markup

bp = Blueprint("pages", __name__)

# The model cards a web user can open (Models/ is a folder on the server, out of their reach): name -> file
# under MODELS_DIR, and the card's title on the About page.
MODEL_CARDS = {
    "face": ("video/expression_wild.md", "Face: the facial-expression model (photos, uploads, stored results)"),
    "face-live": ("video/expression.md", "Face: the live tier (every live frame, Grad-CAM)"),
    "voice": ("audio/speech_emotion.md", "Voice: the speech-emotion model"),
    "personality": ("text/personality.md", "Words: the Big Five model"),
    "text-emotion": ("text/emotion.md", "Words: the text-emotion model"),
}


@bp.get("/")
def index():
    return render_template("pages/index.html")


@bp.get("/about")
def about():
    return render_template("pages/about.html", model_cards=MODEL_CARDS)


@bp.get("/about/models/<name>")
def model_card(name: str):
    if name not in MODEL_CARDS:
        abort(404, f"There is no model card {name!r}; the cards are: {', '.join(MODEL_CARDS)}.")
    file, title = MODEL_CARDS[name]
    path = Path(current_app.config["MODELS_DIR"]) / file
    if not path.is_file():
        abort(404, "This model has not been trained on this server yet, so it has no card.")
    return render_template("pages/model_card.html", title=title, card=_rendered(str(path), path.stat().st_mtime))


@bp.get("/about/models/<image>.png")
def model_card_image(image: str):
    """A picture a card shows (its confusion matrices), from the folder of one of the cards only."""
    folders = {Path(file).parent for file, _ in MODEL_CARDS.values()}
    root = Path(current_app.config["MODELS_DIR"])
    for folder in folders:
        path = root / folder / f"{image}.png"
        if image.replace("_", "").isalnum() and path.is_file():
            return send_file(path, mimetype="image/png", max_age=3600)
    abort(404, "No such picture.")


@cache
def _rendered(path: str, _mtime: float) -> Markup:
    """A card's Markdown as HTML (markdown-it-py, CommonMark with tables; raw HTML in the file is escaped, not
    passed through). Cached per file and modification time: a retrain that rewrites the card shows at once."""
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark", {"html": False}).enable("table").render(Path(path).read_text(encoding="utf-8"))
    # Wide tables and code scroll inside the card; a region that scrolls must take the keyboard's focus (axe:
    # scrollable-region-focusable), so each gets a named, focusable box. The tags are markdown-it's own output.
    html = (html.replace("<table>", '<div class="table-scroll" tabindex="0" role="region" aria-label="Table"><table>')
            .replace("</table>", "</table></div>").replace("<pre>", '<pre tabindex="0">'))
    return Markup(html)
