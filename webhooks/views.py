"""Staff pages (admins): the endpoints, one endpoint's secret and delivery log."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cs_platform.decorators import role_required
from cs_platform.urlutils import tenant_reverse

from . import selectors
from .forms import WebhookEndpointForm
from .models import WebhookEndpoint
from .services import (
    webhook_delivery_redeliver,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_update,
)


def _endpoint(pk: int) -> WebhookEndpoint:
    endpoint = selectors.webhook_endpoint_get(pk=pk)
    if endpoint is None:
        raise Http404
    return endpoint


@role_required("webhook.view", write="webhook.create")
def endpoint_list(request: HttpRequest) -> HttpResponse:
    form = WebhookEndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = webhook_endpoint_create(created_by=request.user, **form.cleaned_data)  # type: ignore[arg-type]
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("The endpoint was added."))
            return redirect(tenant_reverse(request, "webhooks:detail", pk=endpoint.pk))
    return render(
        request,
        "webhooks/endpoint_list.html",
        {"form": form, "endpoints": selectors.webhook_endpoint_list()},
    )


@role_required("webhook.view")
def endpoint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = _endpoint(pk)
    return render(
        request,
        "webhooks/endpoint_detail.html",
        {
            "endpoint": endpoint,
            "deliveries": selectors.webhook_delivery_list(endpoint=endpoint).prefetch_related(
                "log"
            )[:50],
        },
    )


@require_POST
@role_required("webhook.rotate_secret")
def endpoint_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    webhook_endpoint_rotate_secret(endpoint=_endpoint(pk))
    messages.success(request, _("New secret. The previous one also signs for the next 24 hours."))
    return redirect(tenant_reverse(request, "webhooks:detail", pk=pk))


@require_POST
@role_required("webhook.change")
def endpoint_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = _endpoint(pk)
    webhook_endpoint_update(endpoint=endpoint, is_active=not endpoint.is_active)
    return redirect(tenant_reverse(request, "webhooks:detail", pk=pk))


@require_POST
@role_required("webhook.delete")
def endpoint_delete(request: HttpRequest, pk: int) -> HttpResponse:
    webhook_endpoint_delete(endpoint=_endpoint(pk))
    messages.success(request, _("The endpoint was removed."))
    return redirect(tenant_reverse(request, "webhooks:list"))


@require_POST
@role_required("webhook_delivery.redeliver")
def redeliver(request: HttpRequest, pk: int, delivery_id: int) -> HttpResponse:
    delivery = selectors.webhook_delivery_get(endpoint=_endpoint(pk), pk=delivery_id)
    if delivery is None:
        raise Http404
    webhook_delivery_redeliver(delivery=delivery)
    messages.success(request, _("The message will be sent again."))
    return redirect(tenant_reverse(request, "webhooks:detail", pk=pk))
