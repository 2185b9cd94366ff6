"""What mirrors and tools read, in PyPI's shapes: XML-RPC at /pypi, the JSON API, /packages/.

- `xmlrpc`: `list_packages_with_serial`, `changelog_since_serial`, `changelog_last_serial` (what
  bandersnatch and other mirror tools call), parsed with defusedxml, answered with faults on bad
  input, never a 500.
- `json_api`: `/pypi/<name>/json` and `/pypi/<name>/<version>/json`, with `X-PyPI-Last-Serial`
  (the project's change serial) so a mirror can tell a stale page from the one the changelog
  announced.
- `packages`: download URLs laid out as PyPI's (`/packages/ab/cd/ef…/<filename>`), which
  bandersnatch requires; the bytes are served by `registry.simple.download`.

What a mirror sees is what installers see on the main index (`Project.objects.listed`,
`File.objects.installable`): every removal, purge, quarantine or yank moves the project's serial
and reaches mirrors through the changelog on their next run.
"""
