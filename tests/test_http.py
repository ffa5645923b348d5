"""The Content-Disposition of every download: ASCII only (a WSGI server sends headers as latin-1), the real name in
RFC 5987 `filename*`, and no name able to end the header or add parameters."""
from __future__ import annotations

import pytest
from werkzeug.http import parse_options_header

from app.http import content_disposition, download


@pytest.mark.parametrize("name, header", [
    ("统计报表_2026-03.xlsx",
     "attachment; filename=\"2026-03.xlsx\"; filename*=UTF-8''%E7%BB%9F%E8%AE%A1%E6%8A%A5%E8%A1%A8_2026-03.xlsx"),
    ("调解申请书（张三）.pdf", "attachment; filename=\"download.pdf\"; filename*=UTF-8''"
     "%E8%B0%83%E8%A7%A3%E7%94%B3%E8%AF%B7%E4%B9%A6%EF%BC%88%E5%BC%A0%E4%B8%89%EF%BC%89.pdf"),
    ("report 2026.xlsx", "attachment; filename=\"report 2026.xlsx\"; filename*=UTF-8''report%202026.xlsx"),
    ("Müller.txt", "attachment; filename=\"Muller.txt\"; filename*=UTF-8''M%C3%BCller.txt"),
    ("申请书.pdf", "attachment; filename=\"download.pdf\"; filename*=UTF-8''%E7%94%B3%E8%AF%B7%E4%B9%A6.pdf"),
    ("纯中文", "attachment; filename=\"download\"; filename*=UTF-8''%E7%BA%AF%E4%B8%AD%E6%96%87"),
])
def test_header_for_chinese_and_ascii_names(name, header):
    assert content_disposition(name) == header
    assert parse_options_header(header) == ("attachment", {"filename": name})


@pytest.mark.parametrize("name, kept", [
    ('a"b;c.txt', 'a"b;c.txt'),
    ("x.pdf\r\nSet-Cookie: session=stolen", "x.pdfSet-Cookie: session=stolen"),
    ('证据"; filename="evil.exe', '证据"; filename="evil.exe'),
    ("%41\\..\\b.txt", "%41\\..\\b.txt"),
    ("\u202egnp.exe", "gnp.exe"),                     # a right-to-left override cannot disguise the extension
    ("\n", "download"),
])
def test_quotes_semicolons_and_newlines_cannot_inject(name, kept):
    header = content_disposition(name)
    assert header.isascii() and header.isprintable()
    kind, rest = header.split("; ", 1)
    fallback, encoded = rest.split("; ")
    assert kind == "attachment" and encoded.startswith("filename*=UTF-8''")
    assert fallback.startswith('filename="') and fallback.endswith('"') and not set(fallback[10:-1]) & set('"\\;%')
    assert not set(encoded[17:]) & set("\"'; \\")
    assert parse_options_header(header) == ("attachment", {"filename": kept})


def test_download_response():
    response = download(b"%PDF-1.4", "application/pdf", "申请书.pdf")
    assert response.mimetype == "application/pdf" and response.data == b"%PDF-1.4"
    assert response.headers["Content-Disposition"] == content_disposition("申请书.pdf")
    assert response.headers["Content-Length"] == "8"
