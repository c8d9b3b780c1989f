"""A person's admin page (the accounts app's user admin) shows what every app knows about
them: their legal holds, restrictions, open requests, and links to the consent evidence or to
ask for access to their content. Each app registers its part from its own admin module, so the
accounts app, below them all, imports none of them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils.functional import Promise


@dataclass(frozen=True)
class SubjectPanel:
    key: str
    title: str | Promise
    permission: str  # only staff holding it see the panel
    render: Callable[[Any], str]  # the subject → safe HTML (built with format_html)
    order: int = 50


@dataclass(frozen=True)
class SubjectTool:
    key: str
    label: str | Promise
    permission: str
    url: Callable[[Any], str]  # the subject → where the link goes
    order: int = 50


# (request, subject): a member of staff opened the subject's page (P-25 logs every look).
SubjectLook = Callable[[HttpRequest, Any], None]

_subject_panels: dict[str, SubjectPanel] = {}
_subject_tools: dict[str, SubjectTool] = {}
_subject_looks: dict[str, SubjectLook] = {}


def register_subject_panel(panel: SubjectPanel) -> None:
    _subject_panels[panel.key] = panel


def register_subject_tool(tool: SubjectTool) -> None:
    _subject_tools[tool.key] = tool


def register_subject_look(key: str, hook: SubjectLook) -> None:
    _subject_looks[key] = hook


def subject_panels(request: HttpRequest, subject: Any) -> list[dict[str, Any]]:
    panels = sorted(_subject_panels.values(), key=lambda p: (p.order, p.key))
    return [
        {"key": p.key, "title": p.title, "html": p.render(subject)}
        for p in panels
        if request.user.has_perm(p.permission)
    ]


def subject_tools(request: HttpRequest, subject: Any) -> list[dict[str, Any]]:
    tools = sorted(_subject_tools.values(), key=lambda t: (t.order, t.key))
    return [{"label": t.label, "url": t.url(subject)} for t in tools if request.user.has_perm(t.permission)]


def subject_looked_at(request: HttpRequest, subject: Any) -> None:
    for hook in _subject_looks.values():
        hook(request, subject)
