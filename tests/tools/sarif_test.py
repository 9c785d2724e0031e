#!/usr/bin/env python3
"""`leaktrace report --format sarif`: the output validates against the SARIF 2.1.0 subset
schema (sarif-2.1.0-subset.schema.json, hand-written from the specification: see its
header), meets GitHub code scanning's documented requirements, and says exactly what the
report says: one result per leaked group, the allocation site as the location, the stack
as a code flow.

usage: sarif_test.py LEAKTRACE SOURCE_DIR EXAMPLE_SERVER WORKDIR
"""
import json
import os
import re
import subprocess
import sys
import tempfile

try:
    import jsonschema
except ImportError:
    sys.exit("sarif_test: python3-jsonschema is missing (scripts/setup.sh --test-deps installs it)")

tool, src, server, workdir = sys.argv[1:5]
data = os.path.join(src, "data")
repo_root = os.path.normpath(os.path.join(src, "..", ".."))
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


# ---- validation --------------------------------------------------------------------------

# RFC 3986 URI / URI reference, character level: jsonschema checks "uri" only with the
# rfc3987 module, which Debian's python3-jsonschema does not depend on.
URI_CHARS = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?#\[\]]|%[0-9A-Fa-f]{2})*"
checker = jsonschema.FormatChecker()


@checker.checks("uri")
def is_uri(s):
    return re.fullmatch(r"[A-Za-z][A-Za-z0-9+.\-]*:" + URI_CHARS, s) is not None


@checker.checks("uri-reference")
def is_uri_reference(s):
    return re.fullmatch(URI_CHARS, s) is not None


with open(os.path.join(src, "sarif-2.1.0-subset.schema.json")) as f:
    schema = json.load(f)
jsonschema.Draft7Validator.check_schema(schema)
validator = jsonschema.Draft7Validator(schema, format_checker=checker)


def validate(log, name):
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    for e in errors:
        check(False, "%s: schema: %s at %s" % (name, e.message, "/".join(map(str, e.path))))
    # GitHub code scanning ("SARIF support for code scanning"): a ruleId on every result,
    # at least one location with a physicalLocation whose artifactLocation.uri is relative
    # to the repository (a uriBaseId or none) or an absolute file:// URI, and a startLine
    # for a line annotation; partialFingerprints optional (we always give one).
    for run in log["runs"]:
        ids = [r["id"] for r in run["tool"]["driver"].get("rules", [])]
        for i, res in enumerate(run.get("results", [])):
            where = "%s: result %d" % (name, i)
            check("ruleId" in res, where + ": ruleId")
            check(ids[res["ruleIndex"]] == res["ruleId"], where + ": ruleIndex names ruleId")
            locs = res.get("locations", [])
            check(1 <= len(locs) <= 10, where + ": 1 to 10 locations")
            uri = locs[0]["physicalLocation"]["artifactLocation"]["uri"]
            check(uri.startswith("file:///") or not re.match(r"[A-Za-z][A-Za-z0-9+.\-]*:", uri),
                  where + ": uri relative or file://")
            check(res.get("partialFingerprints"), where + ": partialFingerprints")


def sarif(*args):
    p = subprocess.run([tool, "report", "--format", "sarif", *args], cwd=data,
                       capture_output=True, text=True)
    check(p.returncode == 0 and p.stderr == "", "report %s: status %d, stderr %r"
          % (" ".join(args), p.returncode, p.stderr))
    return json.loads(p.stdout)


def frames(res):
    """(function, uri, startLine) of the code flow, outermost first."""
    out = []
    for tfl in res["codeFlows"][0]["threadFlows"][0]["locations"]:
        loc = tfl["location"]
        phys = loc.get("physicalLocation", {})
        out.append(((loc.get("logicalLocations") or [{}])[0].get("name"),
                    phys.get("artifactLocation", {}).get("uri"),
                    phys.get("region", {}).get("startLine")))
    return out


def site(res):
    phys = res["locations"][0]["physicalLocation"]
    return (phys["artifactLocation"]["uri"], phys["artifactLocation"].get("uriBaseId"),
            phys.get("region", {}).get("startLine"))


# ---- the fixture: basic.json has 4 leaked groups, 1 suppressed, 5 not leaked ------------

log = sarif("--source-root", "/src/", "basic.json")
validate(log, "basic.json")
check(log["version"] == "2.1.0", "version")
run = log["runs"][0]
check(len(log["runs"]) == 1, "one run")
check(run["tool"]["driver"]["name"] == "leaktrace" and run["tool"]["driver"]["version"] == "0.1.0",
      "driver name and version")
check(run["originalUriBaseIds"] == {"SRCROOT": {"uri": "file:///src/"}}, "SRCROOT base")
check([r["id"] for r in run["tool"]["driver"]["rules"]]
      == ["memory/definitely_lost", "memory/indirectly_lost", "handle/socket", "handle/fd"],
      "rules in order of first use")
res = run["results"]
check([(r["ruleId"], r["level"]) for r in res]
      == [("memory/definitely_lost", "error"), ("memory/indirectly_lost", "error"),
          ("handle/socket", "error"), ("handle/fd", "error")], "one result per leaked group")
check([site(r) for r in res] == [("server.c", "SRCROOT", 42), ("server.c", "SRCROOT", 50),
                                 ("server.c", "SRCROOT", 80), ("log.c", "SRCROOT", 7)],
      "allocation sites")
check(res[0]["message"]["text"] == "320 byte(s) in 2 block(s) definitely lost, allocated in "
      "make_session (server.c:42), in process 1234 (/usr/bin/server)", "memory message")
check(res[2]["message"]["text"] == "1 socket handle(s) leaked, opened in handle_client "
      "(server.c:80), in process 1234 (/usr/bin/server)", "handle message")
# the socket was opened by an unsymbolized libc frame; the site is the first line of code
check(frames(res[2]) == [("main", "server.c", 120), ("handle_client", "server.c", 80),
                         (None, None, None)], "socket code flow, outermost first")
check(frames(res[0]) == [("main", "server.c", 120), ("handle_client", "server.c", 88),
                         ("make_session", "server.c", 42)], "memory code flow")
check([t["nestingLevel"] for t in res[0]["codeFlows"][0]["threadFlows"][0]["locations"]]
      == [0, 1, 2], "nesting levels")
check(res[2]["properties"]["handles"][0]["tcp_state"] == "CLOSE_WAIT", "handle details kept")
check(res[0]["properties"]["bytes"] == 320 and res[0]["properties"]["count"] == 2, "numbers")
fps = [r["partialFingerprints"]["leaktraceStack/v1"] for r in res]
check(len(set(fps)) == 4 and all(re.fullmatch("[0-9a-f]{16}", f) for f in fps), "fingerprints")

# Without a source root, files are absolute file:// URIs; the fingerprint does not depend
# on where the checkout is, so alerts survive moving it (same relative paths, same prints).
log2 = sarif("basic.json")
validate(log2, "basic.json without root")
check(site(log2["runs"][0]["results"][0]) == ("file:///src/server.c", None, 42), "absolute uri")
check("originalUriBaseIds" not in log2["runs"][0], "no base without root")
with tempfile.TemporaryDirectory() as tmp:
    with open(os.path.join(data, "basic.json")) as f:
        moved = f.read().replace('"/src/', '"/elsewhere/checkout/')
    path = os.path.join(tmp, "moved.json")
    with open(path, "w") as f:
        f.write(moved)
    log3 = sarif("--source-root", "/elsewhere/checkout", path)
    check([r["partialFingerprints"] for r in log3["runs"][0]["results"]]
          == [r["partialFingerprints"] for r in res], "fingerprints independent of checkout")

# --all: the 5 unsuppressed groups that are not leaked come too, as notes; never the
# suppressed one. The descriptor of unknown origin has no frame: placed at the program.
log = sarif("--all", "basic.json")
validate(log, "basic.json --all")
res = log["runs"][0]["results"]
check([r["level"] for r in res] == ["error"] * 4 + ["note"] * 5, "--all levels")
check(res[-1]["ruleId"] == "handle/fd" and site(res[-1]) == ("file:///usr/bin/server", None, None)
      and "codeFlows" not in res[-1], "unknown origin at the program file")

# Hostile names: quotes, angle brackets, '&', spaces are percent-encoded in URIs.
log = sarif("hostile.json")
validate(log, "hostile.json")
check(site(log["runs"][0]["results"][0])[0] == "%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert%282%29%3E.c",
      "relative hostile file name encoded")

# A report with nothing leaked gives a valid log with no results.
log = sarif("minimal.json")
validate(log, "minimal.json")
check(log["runs"][0]["results"] == [], "minimal: no results")

# ---- end to end: the example server under the shim ---------------------------------------
# memcheck (see example_server.c): definitely lost 384 bytes in 4 blocks from
# new_request_ctx, 1 accepted socket left open; still reachable blocks are not results.
with tempfile.TemporaryDirectory(dir=workdir) as tmp:
    out = os.path.join(tmp, "r.json")
    p = subprocess.run([tool, "--format=json", "--output=" + out, "--", server],
                       capture_output=True, text=True)
    check(p.returncode == 23, "example server: gate status %d" % p.returncode)
    log = sarif("--source-root", repo_root, out)
    validate(log, "example server")
    res = log["runs"][0]["results"]
    check([(r["ruleId"], r["properties"]["bytes"], r["properties"]["count"]) for r in res]
          == [("memory/definitely_lost", 384, 4), ("handle/socket", 0, 1)],
          "example server results: %r" % [(r["ruleId"], r["properties"]) for r in res])
    if len(res) == 2:
        check(site(res[0])[:2] == ("tests/programs/core/example_server.c", "SRCROOT"),
              "example server site %r" % (site(res[0]),))
        check(res[0]["locations"][0]["logicalLocations"][0]["name"] == "new_request_ctx",
              "example server site function")
        check([f[0] for f in frames(res[0])][-4:]
              == ["main", "serve_connection", "handle_request", "new_request_ctx"],
              "example server code flow")

print("%d failure(s)" % len(failures))
sys.exit(1 if failures else 0)
