"""Staff pages of the tracking app (its settings live on the API-keys page)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cs_platform.decorators import role_required
from cs_platform.urlutils import tenant_reverse

from .forms import TrackingSettingsForm
from .services import tracking_settings_update


@require_POST
@role_required("tracking_settings.change")
def settings_update(request: HttpRequest) -> HttpResponse:
    form = TrackingSettingsForm(request.POST)
    if form.is_valid():
        tracking_settings_update(
            create_unknown_accounts=form.cleaned_data["create_unknown_accounts"]
        )
        messages.success(request, _("Tracking settings saved."))
    else:
        messages.error(request, _("The tracking settings were not saved."))
    return redirect(tenant_reverse(request, "api_keys"))
