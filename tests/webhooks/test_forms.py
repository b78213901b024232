"""The endpoint form's URL field: a bare host gets https://, and Django 5.2's warning about the
coming change of default (RemovedInDjango60Warning) is not raised (pyproject turns it into an
error for the whole suite)."""

from __future__ import annotations

import warnings

from django.utils.deprecation import RemovedInDjango60Warning

from webhooks.forms import HttpsURLField, WebhookEndpointForm


def test_a_bare_host_name_is_completed_with_https() -> None:
    field = WebhookEndpointForm().fields["url"]
    assert isinstance(field, HttpsURLField)
    assert field.clean("hooks.example.co.jp/in") == "https://hooks.example.co.jp/in"
    assert field.clean("http://hooks.example.co.jp/in") == "http://hooks.example.co.jp/in"


def test_building_the_form_raises_no_django_6_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", RemovedInDjango60Warning)
        form = WebhookEndpointForm(data={"url": "hooks.example.co.jp"})
        form.fields["url"].clean("hooks.example.co.jp")
