"""Segment's HTTP Tracking API at `/segment/v1/<call>` (a Segment library's host setting is
`https://<junkan>/segment`)."""

from django.urls import re_path

from .api.views import SegmentCallView

urlpatterns = [
    re_path(
        r"^segment/v1/(?P<call>identify|group|track|page|screen|alias|batch)/?$",
        SegmentCallView.as_view(),
        name="segment_call",
    ),
]
