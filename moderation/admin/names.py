"""What the name-request queue's decision and confirmation pages show besides the shared parts:
the PEP 541 facts now beside the facts when the request was filed, the cautions, the owners
contacted and their answers, the transfer, and the requester's other requests.

A name request names no release or file and removes nothing, so its pages show the project's
facts where the other queues show what a removal would take away.
"""

from django.urls import reverse

from registry.name_facts import NameFacts, name_facts

from .. import pep541
from ..models import NameRequest
from ..services.schedule import reachability_period

OTHER_REQUESTS_SHOWN = 10


def facts_when_filed(case):
    """The NameFacts stored with `case` when it was filed, or None if none were kept."""
    if not case.facts:
        return None
    try:
        return NameFacts.from_dict(case.facts)
    except (KeyError, TypeError, ValueError):
        return None  # facts of an older shape: the page says they were not kept


def facts_table(now_rows, filed_rows):
    """Set the facts now beside the facts when filed, row by row: [{label, now, filed,
    changed}]; a row only one side has (an owner who left or joined) shows "—" on the other."""
    filed = dict(filed_rows or ())
    rows = []
    for label, text in now_rows:
        then = filed.pop(label, None) if filed_rows is not None else None
        rows.append(
            {
                "label": label,
                "now": text,
                "filed": then,
                "changed": filed_rows is not None and then != text,
            }
        )
    rows += [
        {"label": label, "now": None, "filed": text, "changed": True}
        for label, text in filed.items()
    ]
    return rows


def name_facts_context(case, now):
    """The facts of the request's project now and when filed, and what PEP 541 asks to weigh."""
    facts = name_facts(case.project, now=now)
    filed = facts_when_filed(case)
    return {
        "facts": facts_table(facts.rows(), filed.rows() if filed is not None else None),
        "facts_read_at": facts.read_at,
        "facts_filed_at": filed.read_at if filed is not None else None,
        "cautions": pep541.cautions(facts, intent=case.intent, now=now),
        "needs_reachability": pep541.needs_reachability(case.ground),
        "reachability_days": reachability_period().days,
    }


def contacts_of(case):
    """The owners contacted about `case`, with their account, in the order they were written."""
    return list(case.contacts.select_related("owner").order_by("contacted_at", "pk"))


def other_requests(case, *, admin_url):
    """The requester's other name requests, newest first (at most OTHER_REQUESTS_SHOWN), each
    with its decision page: [(request, url)]."""
    if case.requester_id is None:
        return []
    others = (
        NameRequest.objects.filter(requester_id=case.requester_id)
        .exclude(pk=case.pk)
        .select_related("project")
        .order_by("-created_at", "-pk")[:OTHER_REQUESTS_SHOWN]
    )
    return [(other, admin_url(other.pk)) for other in others]


def transfer_link(case, user):
    """The registry's admin page of the transfer that carried out `case` ("" if none, or if
    `user` may not open it)."""
    if case.transfer_id is None or not user.has_perm("registry.view_ownershiptransfer"):
        return ""
    return reverse("admin:registry_ownershiptransfer_change", args=[case.transfer_id])
