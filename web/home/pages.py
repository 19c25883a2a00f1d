"""Home and "How it works" pages."""

from flask import Blueprint, render_template

bp = Blueprint("pages", __name__)


@bp.get("/")
def index():
    return render_template("pages/index.html")


@bp.get("/about")
def about():
    return render_template("pages/about.html")
