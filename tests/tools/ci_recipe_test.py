#!/usr/bin/env python3
"""doc/ci.md's recipe, run as written on the example server: the `ci-recipe` block is
extracted from the document (so the doc and the test cannot drift), run with the built
leaktrace first in PATH, and must exit 23 and leave the JSON report, the HTML page and a
SARIF log that validates against the SARIF 2.1.0 subset schema. The `ci-job` blocks
(GitHub Actions, GitLab CI) must be valid YAML that run the recipe and keep the three
kinds of files as artifacts. The CI services themselves are not run.

usage: ci_recipe_test.py DOC LEAKTRACE EXAMPLE_SERVER SCHEMA WORKDIR
"""
import glob
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

import jsonschema
import yaml

doc, leaktrace, server, schema_path, workdir = sys.argv[1:6]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


text = open(doc).read()
blocks = re.findall(r"^```(\w+) ([\w -]+)\n(.*?)^```", text, re.S | re.M)
recipe = [b for lang, tag, b in blocks if tag == "ci-recipe"]
jobs = {tag.split()[1]: b for lang, tag, b in blocks if tag.startswith("ci-job ")}
check(len(recipe) == 1, "one ci-recipe block")
check(sorted(jobs) == ["github", "gitlab"], "ci-job blocks: %s" % sorted(jobs))
wrapper_block = "".join(b for lang, tag, b in blocks if tag == "ci-wrapper")

# ---- the recipe on the example server ----------------------------------------------------
# memcheck (see example_server.c): definitely lost 384 bytes in 4 blocks, 1 accepted
# socket left open; the gate counts both, so the status is 23.
with tempfile.TemporaryDirectory(dir=workdir) as tmp:
    script = os.path.join(tmp, "leaktrace-ci.sh")
    with open(script, "w") as f:
        f.write(recipe[0])
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(leaktrace) + os.pathsep + env.get("PATH", "")
    for k in ("LEAKTRACE_OPTIONS", "LEAKTRACE_OUT", "LD_PRELOAD"):
        env.pop(k, None)
    p = subprocess.run(["sh", script, server], cwd=tmp, env=env, capture_output=True, text=True)
    check(p.returncode == 23, "recipe exit status %d (stderr %r)" % (p.returncode, p.stderr))
    check("served 5 connections" in p.stdout, "the program's own output passes through")
    out = os.path.join(tmp, "leaktrace-out")
    reports = glob.glob(os.path.join(out, "*.json"))
    check(len(reports) == 1, "one JSON report: %r" % reports)
    if len(reports) == 1:
        r = json.load(open(reports[0]))
        s = r["summary"]
        check((s["leaked_bytes"], s["leaked_blocks"], s["leaked_handles"]) == (384, 4, 1),
              "report totals %r" % ((s["leaked_bytes"], s["leaked_blocks"], s["leaked_handles"]),))
        page = reports[0][:-len(".json")] + ".html"
        check(os.path.exists(page) and open(page).read(64).lower().startswith("<!doctype html"),
              "HTML page next to the report")
    sarif_path = os.path.join(out, "leaktrace.sarif")
    check(os.path.exists(sarif_path), "SARIF log written")
    if os.path.exists(sarif_path):
        log = json.load(open(sarif_path))
        validator = jsonschema.Draft7Validator(json.load(open(schema_path)))
        errs = list(validator.iter_errors(log))
        check(not errs, "SARIF validates: %s" % [e.message for e in errs[:3]])
        res = log["runs"][0]["results"]
        check([x["ruleId"] for x in res] == ["memory/definitely_lost", "handle/socket"],
              "SARIF results %r" % [x["ruleId"] for x in res])
        # the recipe passes the checkout ($PWD) as the source root: here the temporary
        # directory, which holds no source, so the URIs are absolute file:// ones
        check(res and res[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
              .endswith("/tests/programs/core/example_server.c"), "SARIF allocation site")

    # the jobs' way: the doc's meson --wrapper command in front of the program, then the
    # recipe alone collects and fails on the reports' gate verdicts
    wrapper = re.search(r'--wrapper "([^"]*)"', wrapper_block)
    check(wrapper is not None, "ci-wrapper block gives meson a --wrapper")
    if wrapper:
        argv = shlex.split(wrapper.group(1).replace("$PWD", os.path.join(tmp, "w")))
        os.makedirs(os.path.join(tmp, "w", "leaktrace-out"))
        p = subprocess.run(argv + [server], cwd=os.path.join(tmp, "w"), env=env,
                           capture_output=True, text=True)
        check(p.returncode == 23, "wrapper: the test fails with 23, got %d" % p.returncode)
        p = subprocess.run(["sh", script], cwd=os.path.join(tmp, "w"), env=env,
                           capture_output=True, text=True)
        check(p.returncode == 23, "collecting alone: status %d (%r)" % (p.returncode, p.stderr))
        wout = os.path.join(tmp, "w", "leaktrace-out")
        check(len(glob.glob(wout + "/*.html")) == 1 and os.path.exists(wout + "/leaktrace.sarif"),
              "collecting alone: page and SARIF")

    # nothing leaked: status 0 and still the three kinds of files (an empty SARIF log
    # closes the alerts of earlier runs)
    env["LEAKTRACE_OUT"] = os.path.join(tmp, "clean")
    p = subprocess.run(["sh", script, "true"], cwd=tmp, env=env, capture_output=True, text=True)
    check(p.returncode == 0, "recipe on true: status %d (%r)" % (p.returncode, p.stderr))
    clean = os.path.join(tmp, "clean")
    check(len(glob.glob(clean + "/*.json")) == 1 and len(glob.glob(clean + "/*.html")) == 1,
          "true: one report and one page")
    if os.path.exists(clean + "/leaktrace.sarif"):
        check(json.load(open(clean + "/leaktrace.sarif"))["runs"][0]["results"] == [],
              "true: no SARIF results")
    else:
        check(False, "true: SARIF log written")

# ---- the CI jobs: valid YAML that run the recipe and keep JSON, SARIF and HTML -----------
gh = yaml.safe_load(jobs.get("github", "{}")) or {}
steps = next(iter(gh.get("jobs", {}).values()), {}).get("steps", [])
runs = " ".join(st.get("run", "") for st in steps)
check("leaktrace-ci.sh" in runs, "github: runs the recipe")
check(wrapper is not None and wrapper.group(1) in runs, "github: the tested --wrapper")
uses = {st.get("uses", "").split("@")[0]: st.get("with", {}) for st in steps}
check(uses.get("github/codeql-action/upload-sarif", {}).get("sarif_file")
      == "leaktrace-out/leaktrace.sarif", "github: uploads the SARIF log")
art = uses.get("actions/upload-artifact", {}).get("path", "")
check(all(x in art for x in ("*.json", "*.sarif", "*.html")), "github: artifacts")
check(next(iter(gh.get("jobs", {}).values()), {}).get("permissions", {}).get("security-events")
      == "write", "github: security-events permission")
gl = (yaml.safe_load(jobs.get("gitlab", "{}")) or {}).get("leaktrace", {})
check(any("leaktrace-ci.sh" in line for line in gl.get("after_script", [])), "gitlab: runs the recipe")
check(wrapper is not None and any(wrapper.group(1) in line for line in gl.get("script", [])),
      "gitlab: the tested --wrapper")
paths = gl.get("artifacts", {}).get("paths", [])
check(gl.get("artifacts", {}).get("when") == "always"
      and all(any(x in pth for pth in paths) for x in ("*.json", "*.sarif", "*.html")),
      "gitlab: artifacts always kept")

print("%d failure(s)" % len(failures))
sys.exit(1 if failures else 0)
