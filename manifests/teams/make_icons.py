"""Draws the Teams app icons: `color.png` (192×192) and `outline.png` (32×32, white on transparent).

Run from the project root after changing the drawing: `.venv/bin/python manifests/teams/make_icons.py`.
The glyph is a rising bar chart, the pipeline moving forward.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).parent
ACCENT = (29, 79, 145, 255)  # the Slack app's colour, #1d4f91
WHITE = (255, 255, 255, 255)


def bars(draw: ImageDraw.ImageDraw, size: int, margin: float) -> None:
    """Three rising bars on a base line, within `margin` (a fraction of `size`) of each edge."""
    left, right = size * margin, size * (1 - margin)
    top, bottom = size * margin, size * (1 - margin)
    width = (right - left) / 3
    gap = width * 0.25
    for i, height in enumerate((0.4, 0.7, 1.0)):
        x0 = left + i * width + gap / 2
        draw.rectangle(
            (round(x0), round(bottom - (bottom - top) * height), round(x0 + width - gap), round(bottom)),
            fill=WHITE,
        )


def color_icon() -> Image.Image:
    image = Image.new("RGBA", (192, 192), ACCENT)
    bars(ImageDraw.Draw(image), 192, 0.25)
    return image


def outline_icon() -> Image.Image:
    """White on transparent, as Teams asks (it tints the outline itself)."""
    image = Image.new("RGBA", (32, 32), (255, 255, 255, 0))
    bars(ImageDraw.Draw(image), 32, 0.12)
    return image


if __name__ == "__main__":
    color_icon().save(HERE / "color.png", optimize=True)
    outline_icon().save(HERE / "outline.png", optimize=True)
