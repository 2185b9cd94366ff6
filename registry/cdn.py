"""What a CDN in front of Holdfast is told: the surrogate keys that name what a response shows.

Every response an installer or a mirror can cache (a simple page, a JSON API page, a file's
bytes) carries a `Surrogate-Key` header (Fastly's name; space-separated keys): the project's key,
and for the root index the index's key. When a removal, a quarantine or a purge takes something
away, the scheduler asks the CDN to purge those keys (`HOLDFAST_CDN_PURGE_URL`, sent through the
outbox), so a cached copy stops being served at once instead of when it expires.
"""

SURROGATE_KEY_HEADER = "Surrogate-Key"
INDEX_KEY = "simple-index"


def project_key(normalized_name):
    """The key of everything that shows one project: its pages, its JSON, its files."""
    return f"project/{normalized_name}"


def set_keys(response, *keys):
    """Add `keys` to the response's surrogate keys; return the response."""
    present = response.get(SURROGATE_KEY_HEADER, "").split()
    response[SURROGATE_KEY_HEADER] = " ".join(dict.fromkeys([*present, *keys]))
    return response
