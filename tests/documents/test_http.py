"""How a paper is named when it leaves the server."""

from __future__ import annotations

import io

from core.http import pdf_response


def test_a_download_name_keeps_every_vietnamese_letters_base() -> None:
    response = pdf_response(io.BytesIO(b"%PDF"), title="Dự thảo Nghị định ĐẤT ĐAI", inline=False)
    assert response["Content-Disposition"] == (
        'attachment; filename="du-thao-nghi-dinh-dat-dai.pdf"'
    )
