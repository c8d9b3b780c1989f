"""axe-core in the page (axe-playwright-python ships axe.min.js; nothing is downloaded).

``axe_violations(page)`` runs the WCAG 2.0/2.1 A and AA rules and axe's best practices on
what the page shows now, and returns one readable line per violation and element.
"""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

_AXE = Axe()
RULES = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}}


def axe_violations(page) -> list[str]:
    results = _AXE.run(page, options={**RULES, "resultTypes": ["violations"]})
    return [
        f"{page.url}: {violation['id']} ({violation['impact']}): {node['target']} {node.get('failureSummary', '')}"
        for violation in results.response["violations"]
        for node in violation["nodes"]
    ]


def axe_violations_with_impact(page, impacts: set[str]) -> list[str]:
    """``axe_violations``, keeping only those of the given impacts ("critical", "serious")."""
    results = _AXE.run(page, options={**RULES, "resultTypes": ["violations"]})
    return [
        f"{page.url}: {violation['id']} ({violation['impact']}): {node['target']} {node.get('failureSummary', '')}"
        for violation in results.response["violations"]
        if violation["impact"] in impacts
        for node in violation["nodes"]
    ]
