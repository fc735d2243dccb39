"""The digest's chart is a real PNG of sane size: its signature, its IHDR (800 × 400), readable by
Pillow, and the bars drawn (an empty pipeline says so instead)."""

from __future__ import annotations

import io
import struct
import zlib
from datetime import UTC, datetime

import pytest
from PIL import Image as PILImage

from oppbot.replies.chart import pipeline_chart
from oppbot.service.digests import DigestService
from oppbot.service.opportunities import OpportunityService
from tests.dbfixtures import Clock, People
from tests.service.dataset import build_dataset

SIGNATURE = b"\x89PNG\r\n\x1a\n"
ESTIMATED_BAR = (0x9A, 0xB8, 0xD8)  # the chart's colours
CALCD_BAR = (0x1F, 0x5A, 0x96)


def ihdr(png: bytes) -> tuple[int, int]:
    """Width and height from the first chunk, which must be a well-formed IHDR (CRC checked)."""
    assert png[:8] == SIGNATURE
    length, kind = struct.unpack(">I4s", png[8:16])
    assert (length, kind) == (13, b"IHDR")
    data = png[16 : 16 + length]
    (crc,) = struct.unpack(">I", png[16 + length : 20 + length])
    assert crc == zlib.crc32(kind + data)
    width, height = struct.unpack(">II", data[:8])
    return width, height


def colours(png: bytes) -> set[tuple[int, int, int]]:
    with PILImage.open(io.BytesIO(png)) as img:
        return {rgb for _count, rgb in img.convert("RGB").getcolors(maxcolors=1 << 20) or []}


@pytest.mark.parametrize("locale", ["en", "it"])
async def test_chart_of_the_team_pipeline(
    service: OpportunityService, clock: Clock, seeded: People, locale: str
) -> None:
    await build_dataset(service, clock, seeded)
    now = datetime(2026, 11, 5, 12, tzinfo=UTC)
    direct = await DigestService(service).build("JO", since=None, now=now)
    (image,) = direct.images
    assert image.filename == "pipeline.png" and image.title == "Open pipeline by stage"
    png = pipeline_chart(
        (await DigestService(service).view("JO", since=None, now=now)).pipeline, locale, "EUR"
    )
    assert png == image.png or locale == "it"  # the same pipeline, the same bytes (no metadata)
    assert ihdr(png) == (800, 400)
    assert 5_000 < len(png) < 200_000
    with PILImage.open(io.BytesIO(png)) as img:
        img.verify()  # the whole file decodes
    seen = colours(png)
    assert ESTIMATED_BAR in seen and CALCD_BAR in seen


async def test_an_empty_pipeline_still_makes_a_chart(service: OpportunityService, seeded: People) -> None:
    view = await DigestService(service).view("JO", since=None, now=datetime(2026, 11, 5, tzinfo=UTC))
    assert view.pipeline.cycles == []
    png = pipeline_chart(view.pipeline, "en", "EUR")
    assert ihdr(png) == (800, 400) and len(png) < 200_000
    seen = colours(png)
    assert ESTIMATED_BAR not in seen and CALCD_BAR not in seen
