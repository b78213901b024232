"""Forms around signing in."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.db import transaction
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from cs_platform.tasks import password_reset_send


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, but the web request only queues the work.

    The task looks the address up and sends the e-mail, so the page answers the same, in the
    same time, whether or not the address belongs to anyone (no account enumeration).
    """

    def save(  # type: ignore[override]
        self,
        domain_override: str | None = None,
        use_https: bool = False,
        request: HttpRequest | None = None,
        **kwargs: Any,
    ) -> None:

        email = self.cleaned_data["email"]
        domain = domain_override or (request.get_host() if request else "")
        language = translation.get_language()
        transaction.on_commit(
            lambda: password_reset_send.delay(
                email=email, domain=domain, use_https=use_https, language=language
            )
        )


class TwoFactorCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        help_text=_("The 6 digits your authenticator app shows, or one of your recovery codes."),
    )
