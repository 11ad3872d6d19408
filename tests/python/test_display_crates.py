"""Crates that draw through evcxr's display convention.

A value whose type has an `evcxr_display` method, its own or from a trait
its crate gives it, prints `EVCXR_BEGIN_CONTENT <mime> ... EVCXR_END_CONTENT`
when it ends a cell, and the kernel sends that as the cell's result under
that mime type. Checked with a local crate that gives its type an HTML
display through a trait (as `evcxr_image` does), with plotters' `evcxr`
feature (an SVG chart inside HTML) and with `evcxr_image` (an `image`
buffer as a PNG). The crates come from crates.io and are compiled by the
test's kernel, so each test takes a minute or so.
"""

from __future__ import annotations

import base64
import struct
from pathlib import Path

import pytest

from kernel_harness import CELL_TIMEOUT, Msg, msg_type, run

# Compiling plotters or image (and their dependencies) in a fresh build
# folder takes up to a few minutes on a two-core machine.
DEP_CELL_TIMEOUT = max(CELL_TIMEOUT * 10, 600)

HTML_DISPLAY_CRATE = """\
//! A type with a display through a trait of this crate's own, and one
//! with its own method.
pub struct Badge(pub String);

pub trait HtmlDisplay {
    fn evcxr_display(&self);
}

impl HtmlDisplay for Badge {
    fn evcxr_display(&self) {
        println!("EVCXR_BEGIN_CONTENT text/html\\n<b class=\\"badge\\">{}</b>\\nEVCXR_END_CONTENT", self.0);
    }
}

// What evcxr would fall back to, were the trait's method not chosen.
impl std::fmt::Debug for Badge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Badge({:?}) shown with Debug", self.0)
    }
}

#[derive(Debug)]
pub struct Note(pub u32);

impl Note {
    pub fn evcxr_display(&self) {
        println!("EVCXR_BEGIN_CONTENT text/markdown\\n**note {}**\\nEVCXR_END_CONTENT", self.0);
    }
}
"""


def result_data(msgs: list[Msg]) -> dict[str, str]:
    results = [m for m in msgs if msg_type(m) == "execute_result"]
    assert len(results) == 1, [msg_type(m) for m in msgs]
    return results[0]["content"]["data"]


def ok(reply: Msg) -> None:
    assert reply["content"]["status"] == "ok", reply["content"]


def shown_after(kc, deps: str, code: str) -> dict[str, str]:
    """The result of `code`, run after the cell of `:dep` lines `deps`."""
    ok(run(kc, deps, timeout=DEP_CELL_TIMEOUT)[0])
    reply, msgs = run(kc, code, timeout=DEP_CELL_TIMEOUT)
    ok(reply)
    return result_data(msgs)


@pytest.mark.timeout(1200)
def test_a_display_from_a_crates_trait_is_used(kc, tmp_path: Path) -> None:
    crate = tmp_path / "badge"
    (crate / "src").mkdir(parents=True)
    (crate / "Cargo.toml").write_text('[package]\nname = "badge"\nversion = "0.1.0"\nedition = "2021"\n')
    (crate / "src" / "lib.rs").write_text(HTML_DISPLAY_CRATE)
    ok(run(kc, f':dep badge = {{ path = "{crate}" }}', timeout=DEP_CELL_TIMEOUT)[0])
    ok(run(kc, "use badge::HtmlDisplay;")[0])

    reply, msgs = run(kc, 'badge::Badge("drawn".to_string())')
    ok(reply)
    data = result_data(msgs)
    assert data.get("text/html") == '<b class="badge">drawn</b>', data
    assert "shown with Debug" not in str(data)

    reply, msgs = run(kc, "badge::Note(7)")
    ok(reply)
    assert result_data(msgs).get("text/markdown") == "**note 7**"

    # The types the kernel shows in one compile are unaffected.
    reply, msgs = run(kc, "vec![1, 2, 3]")
    ok(reply)
    assert result_data(msgs)["text/plain"] == "[1, 2, 3]"


@pytest.mark.timeout(1200)
def test_plotters_draws_its_chart(kc) -> None:
    html = shown_after(
        kc,
        ':dep plotters = { version = "=0.3.7", default-features = false, features = ["evcxr", "line_series"] }',
        "use plotters::prelude::*;\n"
        "evcxr_figure((320, 200), |root| {\n"
        "    root.fill(&WHITE)?;\n"
        "    let mut chart = ChartBuilder::on(&root).build_cartesian_2d(0f32..1f32, 0f32..1f32)?;\n"
        "    chart.draw_series(LineSeries::new((0..=10).map(|i| (i as f32 / 10.0, (i * i) as f32 / 100.0)), &RED))?;\n"
        "    Ok(())\n"
        "})",
    ).get("text/html", "")
    # plotters sends its SVG inside HTML (`SVGWrapper`'s display).
    assert "<svg" in html and "</svg>" in html, html[:300]
    assert 'width="320"' in html and 'height="200"' in html, html[:300]
    assert "<polyline" in html, "the line series is drawn"


@pytest.mark.timeout(1200)
def test_evcxr_image_shows_an_image_buffer_as_png(kc) -> None:
    data = shown_after(
        kc,
        ':dep image = { version = "=0.23.14", default-features = false, features = ["png"] }\n:dep evcxr_image = "=1.1.0"',
        "use evcxr_image::ImageDisplay;\n"
        "image::ImageBuffer::from_fn(12, 8, |x, y| if x == y { image::Rgb([255u8, 0, 0]) } else { image::Rgb([0u8, 0, 0]) })",
    )
    assert "image/png" in data, f"the buffer is a picture, not text: {str(data)[:300]}"
    png = base64.b64decode(data["image/png"])
    assert png[:8] == b"\x89PNG\r\n\x1a\n", png[:16]
    width, height = struct.unpack(">II", png[16:24])  # IHDR's first fields
    assert (width, height) == (12, 8)
