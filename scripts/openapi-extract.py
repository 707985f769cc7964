#!/usr/bin/env python3
"""Writes a faithful extract of an OpenAPI document in JSON: the chosen paths, whole, and every component they
reach through $ref (transitively), unchanged. Used to vendor OpenAI's document for the conformance suite
(src/test/resources/openapi/README.md says how it was run).

usage: openapi-extract.py openapi.json OUT.json /path1 /path2 ... [#/components/schemas/Name ...]
(a #/components/... argument adds that component, e.g. the error envelope that no path names)
"""
import json
import sys


def refs(node, found):
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            found.add(ref)
        for value in node.values():
            refs(value, found)
    elif isinstance(node, list):
        for value in node:
            refs(value, found)


def resolve(doc, ref):
    node = doc
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def main():
    source, out, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    paths = [a for a in args if a.startswith("/")]
    doc = json.load(open(source, encoding="utf-8"))
    extract = {key: doc[key] for key in ("openapi", "info", "servers", "security") if key in doc}
    extract["paths"] = {p: doc["paths"][p] for p in paths}
    pending, seen = set(), set()
    refs(extract["paths"], pending)
    pending.update(a for a in args if a.startswith("#/"))
    components = {}
    while pending:
        ref = pending.pop()
        if ref in seen:
            continue
        seen.add(ref)
        parts = ref[2:].split("/")
        if parts[0] != "components" or len(parts) != 3:
            raise SystemExit("unexpected $ref " + ref)
        node = resolve(doc, ref)
        components.setdefault(parts[1], {})[parts[2]] = node
        refs(node, pending)
    extract["components"] = {kind: dict(sorted(entries.items())) for kind, entries in sorted(components.items())}
    if "securitySchemes" in doc.get("components", {}):
        extract["components"]["securitySchemes"] = doc["components"]["securitySchemes"]
    with open(out, "w", encoding="utf-8") as f:
        json.dump(extract, f, indent=2, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
