"""Extension points webhooks offers to the apps above it.

Slack words: an event's payload is built once for every endpoint, its words in the workspace's
language; a Slack endpoint has a language of its own. An app whose payload says what happened
(e.g. `task.created`'s `kind` + `data`) registers a function that returns the payload's `data`
with its words in the active language; the Slack text is written from that, inside the
endpoint's language, with the tenant in scope (the delivery task's).

    from webhooks.extensions import register_slack_words

    def task_words(data: dict) -> dict: ...   # {**data, "title": the title in the active language}

    register_slack_words("task.created", task_words)   # in AppConfig.ready()

A function that fails on data it does not know (KeyError, TypeError, ValueError) leaves the
payload's words as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

SlackWords = Callable[[dict[str, Any]], dict[str, Any]]

_slack_words: dict[str, SlackWords] = {}


def register_slack_words(event_type: str, words: SlackWords) -> None:
    _slack_words[event_type] = words


def slack_words(event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """`data` with its words in the active language (as is when nobody words the event)."""
    words = _slack_words.get(event_type)
    if words is None:
        return data
    try:
        return words(data)
    except (KeyError, TypeError, ValueError):
        return data
