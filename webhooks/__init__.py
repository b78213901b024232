"""Outbound webhooks: admins subscribe URLs to Junkan's events, delivered signed (Standard
Webhooks) or as Slack messages, by Celery, with retries and a delivery log."""
