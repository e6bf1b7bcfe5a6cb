"""The QR code of the verification link."""

from __future__ import annotations

import base64

import pytest
import segno

from broker.pdf.qr import qr_png_data_uri

URL = "https://jjj.example.cn/verify?code=K7QX9M2P4HTDR8WC"


def test_qr_encodes_the_link_as_a_png_data_uri() -> None:
    uri = qr_png_data_uri(URL)
    assert uri.startswith("data:image/png;base64,")
    png = base64.b64decode(uri.split(",", 1)[1])
    assert png.startswith(b"\x89PNG")
    expected = segno.make(URL, error="m", micro=False)
    assert uri == expected.png_data_uri(scale=4, border=0)
    assert qr_png_data_uri(URL + "X") != uri


def test_empty_link_is_refused() -> None:
    with pytest.raises(ValueError, match="verify_url"):
        qr_png_data_uri("")
