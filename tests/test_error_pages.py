"""What a person sees when something goes wrong: a page in their language, never a traceback
or the site's list of addresses; and `make run` serves with DEBUG off."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import include, path

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


def failing_view(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("secret detail of the failure")


urlpatterns = [path("fails/", failing_view), path("", include("config.urls"))]


def test_make_run_serves_with_debug_off() -> None:
    """It served with DEBUG on: a member's 404 listed every URL pattern."""
    plan = subprocess.run(
        ["make", "-n", "run", "VENV=/nonexistent"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert 'DEBUG="${DEBUG:-0}"' in plan


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "This page does not exist"), ("vi", "Trang này không tồn tại")],
)
def test_a_missing_page_is_friendly_in_both_languages(language: str, words: str) -> None:
    response = Client(headers={"accept-language": language}).get("/no/such/page/")
    assert response.status_code == 404
    text = response.content.decode()
    assert words in text
    assert "URLconf" not in text and "urlpatterns" not in text


@override_settings(ROOT_URLCONF=__name__)
@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "could not answer this request"), ("vi", "không thể trả lời yêu cầu này")],
)
def test_a_server_error_is_friendly_in_both_languages(language: str, words: str) -> None:
    client = Client(raise_request_exception=False, headers={"accept-language": language})
    response = client.get("/fails/")
    assert response.status_code == 500
    text = response.content.decode()
    assert words in text
    assert "secret detail" not in text and "Traceback" not in text
