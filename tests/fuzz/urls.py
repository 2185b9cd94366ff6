"""Every URL pattern of the site, walked from the resolver, with valid values for its segments."""

import re
from functools import cache

from django.contrib import admin
from django.urls import URLResolver, get_resolver
from django.urls.resolvers import RegexPattern

PLACEHOLDER = re.compile(r"<(?:\w+:)?(\w+)>")
NAMED_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")
UNNAMED_GROUP = re.compile(r"\([^?)][^)]*\)")
# simple-history's regex patterns take their arguments unnamed, in this order.
UNNAMED = ("object_id", "history_id")


def _route(pattern):
    if isinstance(pattern, RegexPattern):
        route = NAMED_GROUP.sub(lambda m: f"<{m[1]}>", pattern._regex)
        names = iter(UNNAMED)
        route = UNNAMED_GROUP.sub(lambda m: f"<{next(names)}>", route)
        route = route.lstrip("^").removesuffix("$").removesuffix(r"\Z").replace("\\", "")
        assert not set(route) & set("()[]*+?|"), f"cannot fuzz the regex {pattern._regex!r}"
        return route
    return str(pattern)


@cache
def url_templates():
    """Every pattern as a template such as 'manage/<name>/releases/<version>/yank/'."""
    found = []

    def walk(patterns, prefix):
        for entry in patterns:
            route = prefix + _route(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, route)
            else:
                found.append("/" + PLACEHOLDER.sub(lambda m: f"<{m[1]}>", route))

    walk(get_resolver().url_patterns, "")
    return tuple(sorted(set(found)))


def parameters(template):
    return PLACEHOLDER.findall(template)


def valid_values(world, template, parameter):
    """Values that name something in the world, so other segments' checks are reached."""
    ids = world.ids
    if parameter == "name" and "/transition/" in template:
        return ["accept", "reject", "remove", "ask_info", "cancel"]
    if parameter in ("object_id", "history_id"):
        return [str(pk) for pk in ids.values()] + ["1"]
    values = {
        "name": ["demo", "Demo", "other", "DEMO_"],
        "version": ["1.0", "1.0.0", "2.0"],
        "filename": [world.filename, world.filename.removesuffix(".whl") + ".whl"],
        "username": ["maint", "owner"],
        "key": [world.takedown_key, world.name_key],
        "pk": [str(pk) for pk in ids.values()],
        "transition": ["retract", "withdraw", "provide_info"],
        "kind": ["copyright", "trademark", "privacy", "other-legal", "name", "notice"],
        "what": ["note", "assign", "priority", "recommend", "message"],
        "app_label": ["registry", "moderation", "auth"],
        "content_type_id": ["1", "7"],
        "url": ["registry/", "nothing/"],
        "id": [str(ids["owner"])],
    }
    return values.get(parameter, ["x"])


def fill(template, values):
    """The path of `template` with `values` ({parameter: already-encoded segment})."""
    return PLACEHOLDER.sub(lambda m: values[m[1]], template)


def is_admin(template):
    return template.startswith("/admin/")


@cache
def changelists():
    """(path, model admin) of every change list in the admin."""
    return tuple(
        (f"/admin/{model._meta.app_label}/{model._meta.model_name}/", model_admin)
        for model, model_admin in admin.site._registry.items()
    )
