"""The moderation pages, by audience.

- `public`: the legal notice and abuse report forms, open to anyone (`throttle` limits them);
- `requests`: one request as its requester sees it, by private link or under "Your requests";
- `maintainers`: deletion exceptions, asked for by a project's owners and maintainers;
- `staged`: the owners' staged-removal pages;
- `owners`: a takedown as its project's owners see it, and their counter-notice;
- `names`: asking for a project's name (PEP 541), and an owner's "keep my project" answer;
- `api`: the trusted reporters' JSON API (file a report, follow their reports), by token;
- `common`: private-link headers, readable refusals, canonical redirects.

Views change nothing themselves: every write is a call to `moderation.services`.
"""

from . import api
from .maintainers import exception_new, my_request, my_request_act, my_request_reply, my_requests
from .names import name_owner, name_owner_case, name_request_new, name_request_start
from .owners import counter_notice_new, owner_takedown
from .public import legal_index, report_new, takedown_new
from .requests import follow, follow_act, follow_received, follow_reply
from .staged import staged_case, staged_new
from .throttle import client_address, parse_rate

__all__ = [
    "api",
    "client_address",
    "counter_notice_new",
    "exception_new",
    "follow",
    "follow_act",
    "follow_received",
    "follow_reply",
    "legal_index",
    "my_request",
    "my_request_act",
    "my_request_reply",
    "my_requests",
    "name_owner",
    "name_owner_case",
    "name_request_new",
    "name_request_start",
    "owner_takedown",
    "parse_rate",
    "report_new",
    "staged_case",
    "staged_new",
    "takedown_new",
]
