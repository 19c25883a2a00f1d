"""The home-screen icons of the installable app (static/img/icon-*.png), drawn with Pillow.

    .venv/bin/python -m web.home.icons      # writes them again (they are committed; run after a change here)

Drawn rather than exported from a drawing program, so the picture is reproducible from this file alone: the
app's blue, a white "E" built from four bars (no font: the result must not depend on the fonts installed) and
three dots in the colours the charts give happy, sad and angry. The maskable icon keeps everything inside
the central 80% circle that Android may crop to.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

BLUE, WHITE = (53, 101, 201), (255, 255, 255)
DOTS = [(245, 183, 0), (59, 111, 216), (214, 69, 65)]  # happy, sad, angry in web/charts.py
FOLDER = Path(__file__).resolve().parents[2] / "static" / "img"
# file name -> (size in pixels, maskable: drawn within the safe zone on a full-bleed background)
ICONS = {"icon-192.png": (192, False), "icon-512.png": (512, False), "icon-maskable-512.png": (512, True)}


def draw(size: int, maskable: bool) -> Image.Image:
    scale = 4  # drawn large and scaled down: smooth edges without anti-aliasing primitives
    s = size * scale
    image = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    if maskable:
        pen.rectangle([0, 0, s, s], fill=BLUE)
        inner = 0.62  # the glyph spans this share of the side, well inside the 80% safe circle
    else:
        pen.rounded_rectangle([0, 0, s - 1, s - 1], radius=int(0.22 * s), fill=BLUE)
        inner = 0.72
    box = s * inner
    left, top = (s - box) / 2, (s - box * 0.78) / 2  # the glyph is 0.78 of the box tall: centred on that
    bar = box * 0.16
    # the "E": a stem and three arms, the middle one shorter
    pen.rectangle([left, top, left + bar, top + box * 0.78], fill=WHITE)
    for y, length in ((top, 0.62), (top + box * 0.31, 0.5), (top + box * 0.78 - bar, 0.62)):
        pen.rectangle([left, y, left + box * length, y + bar], fill=WHITE)
    radius = box * 0.075
    for i, colour in enumerate(DOTS):
        cx, cy = left + box * 0.78, top + box * (0.08 + 0.31 * i)
        pen.ellipse([cx - radius, cy - radius, cx + radius, cy + radius], fill=colour, outline=WHITE,
                    width=max(1, int(radius * 0.25)))
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    for name, (size, maskable) in ICONS.items():
        draw(size, maskable).save(FOLDER / name, optimize=True)
        print(FOLDER / name)


if __name__ == "__main__":
    main()
