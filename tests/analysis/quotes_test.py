#!/usr/bin/python3
"""quotes_test.py REPO: analysis/check_quotes.py on synthetic files with known answers.

A small tables.md (three sweeps, a robustness section, a sweep in progress) and Markdown
quoting it are written to a temporary directory; each case runs the checker as a user would
and checks its exit status and output: correct quotes pass, a stale one fails as
FILE:LINE:COLUMN with the nearest value, rounding (0.039 -> "0.04", ties both ways) and
bounds (q ≤, q ≥) hold as documented, table rows and prose paragraphs resolve their sweeps,
unchecked quotes are counted, and a malformed tables.md or bad usage exits 2 with one line.
Exit 0 = all checks passed, 1 = a check failed.
"""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from checks import FAILED, check  # noqa: E402
REPO = os.path.abspath(sys.argv[1])
CHECKER = os.path.join(REPO, "analysis", "check_quotes.py")
WORK = tempfile.mkdtemp(prefix="rl_quotes_")

TABLES = """\
Family: 7 tested rows (of 8 claim rows; the others could not be tested) over 3 files, \
Benjamini-Hochberg at q < 0.05: not significant 3, opposite 1, reproduced 3, – (did not learn) 1. \
In progress, not tested yet: big (60 of 60 items pending)

### alpha

10/10 items done, 0 diverged, 0 failed; richlazy abc  
groups where fewer than 90% learned: none

| setting | measure | expected | statistic: mean [95% CI] | seeds | Wilcoxon p | BH q | secondary | verdict |
|---|---|---|---|---|---|---|---|---|
| task=2af | weight_change | − | rho per seed -0.8 [-0.9, -0.6] | 10 | 0.002 | 0.005 | pooled | reproduced |
| task=dms | weight_change | − | rho per seed +0.5 [+0.2, +0.8] | 10 | 0.023 | 0.039 | pooled | opposite |
| task=cxt | weight_change | − | rho per seed -0.2 [-0.4, +0.0] | 10 | 0.129 | 0.158 | pooled | not significant |

### beta

| setting | measure | expected | statistic: mean [95% CI] | seeds | Wilcoxon p | BH q | secondary | verdict |
|---|---|---|---|---|---|---|---|---|
| all | rep_alignment | + | rho per seed +0.2 [-0.1, +0.5] | 10 | 0.387 | 0.435 | pooled | not significant |
| all | kernel_alignment | + | rho per seed +0.9 [+0.8, +1] | 10 | 0.004 | 0.009 | pooled | reproduced |
| all | eff_rank_eig | − | diff per seed -0.3 [-0.4, -0.2] | 10 | 2.0e-05 | 1.0e-04 | 0/10 positive | reproduced |
| all | weight_change | − | rho per seed -0.5 [-0.7, -0.2] | 5 | – | – | not compared | – (did not learn) |

### gamma

| setting | measure | expected | statistic: mean [95% CI] | seeds | Wilcoxon p | BH q | secondary | verdict |
|---|---|---|---|---|---|---|---|---|
| all | kernel_alignment | + | rho per seed +0.1 [-0.4, +0.6] | 10 | 0.700 | 0.731 | pooled | not significant |

### empty

empty: no rank, structure or linear-init axis; nothing to test

## Robustness to arithmetic

### alpha

| setting | measure | expected | own kernel: mean [95% CI], p | OpenBLAS: mean [95% CI], p | same verdict |
|---|---|---|---|---|---|
| all | weight_change | − | -0.5 [-0.7, -0.3], 0.004 (reproduced) | -0.5 [-0.8, -0.2], 0.021 (reproduced) | yes |
"""

DOC = """\
# Doc

| claim | sweep | result |
|---|---|---|
| A | `alpha` | 2AF q 0.005; DMS (q 0.04, opposite); CXT q 0.16; all q ≤ 0.01 |
| B | same | q 0.005 |
| C | `sweeps/beta.yaml`, `analysis/results/gamma.nc` | q 0.44 and q 0.43, q ≥ 0.7, q 0.009 |
| D | in words only | q 0.123 |

## Prose

The run `alpha` gave q 0.16 at CXT.

It holds on DMS (q 0.04): no name here, so the section's.

- `beta` here: q 0.009.
- `big` is running: q 0.5.
- `q 0.999` is code, and the rule is q < 0.05.

## Method

Only the method here: q 0.002.
"""


def write(name, text):
    path = os.path.join(WORK, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def run(*args):
    p = subprocess.run([sys.executable, CHECKER, *args], capture_output=True, text=True,
                       cwd=WORK, timeout=60)
    return p.returncode, p.stdout, p.stderr


def quote_case(line, tables=TABLES, *options):
    """The checker on DOC with one paragraph first in its section "Prose" (line 12 of the file)."""
    doc = DOC.replace("## Prose\n\n", "## Prose\n\n" + line + "\n\n")
    return run(*options, write("case.md", doc), write("case_tables.md", tables))


def position(text, needle, nth=0):
    """LINE:COLUMN (1-based, characters) of the nth occurrence of needle in text."""
    at = -1
    for _ in range(nth + 1):
        at = text.index(needle, at + 1)
    line = text.count("\n", 0, at) + 1
    return f"{line}:{at - (text.rfind(chr(10), 0, at) + 1) + 1}"


def main():
    tables = write("tables.md", TABLES)
    doc = write("doc.md", DOC)

    # every quote of DOC is right: exit 0 and the summary counts
    rc, out, err = run(doc, tables)
    check(rc == 0 and out == "check_quotes: 12 quotes checked against 3 sweeps, 4 unchecked\n"
          and not err, f"correct quotes pass with the summary line (rc {rc}: {out!r} {err!r})")
    rc, out, _ = run("-v", doc, tables)
    lines = out.splitlines()
    check(f"{doc}:{position(DOC, 'q 0.04')}: q 0.04: ok: 0.039 alpha 'task=dms' weight_change "
          "(the row)" in lines, "0.039 is quoted as q 0.04 (rounded to the quote's decimals)")
    check(f"{doc}:{position(DOC, 'q 0.44')}: q 0.44: ok: 0.435 beta 'all' rep_alignment "
          "(the row)" in lines and f"{doc}:{position(DOC, 'q 0.43')}: q 0.43: ok: 0.435 beta "
          "'all' rep_alignment (the row)" in lines, "a tie (0.435) passes as 0.44 and as 0.43")
    check(any(l.startswith(f"{doc}:{position(DOC, 'q 0.005', 1)}: q 0.005: ok:") for l in lines),
          "a row reading 'same' takes the sweeps of the row above")
    for needle, why in [("q 0.123", "the row names no sweep of tables.md"),
                        ("q 0.5", "big still in progress (not in the family yet)"),
                        ("q < 0.05", "the family's level (q < 0.05): a rule, not a result"),
                        ("q 0.002", "the section before it names no sweep of tables.md")]:
        check(f"{doc}:{position(DOC, needle)}: {needle}: unchecked: {why}" in lines,
              f"'{needle}' is unchecked: {why}")
    check(not any("0.999" in l for l in lines), "a q inside `code` is not a quote")
    check(any(l.startswith(f"{doc}:{position(DOC, 'q 0.04', 1)}: q 0.04: ok: 0.039 alpha")
              and l.endswith("(the section before it)") for l in lines),
          "a paragraph naming no sweep takes the ones named earlier in its section")
    check(any(l.startswith(f"{doc}:{position(DOC, 'q 0.009', 1)}: q 0.009: ok: 0.009 beta")
              and l.endswith("(the paragraph)") for l in lines), "a list item names its own sweep")

    # stale quotes: exit 1, FILE:LINE:COLUMN, the nearest row
    rc, out, _ = quote_case("The run `alpha` gave q 0.006 on 2AF.")
    check(rc == 1 and out == f"{WORK}/case.md:12:22: q 0.006 quoted, but no row of alpha has a BH "
          "q that rounds to 0.006 (nearest: 0.005 alpha 'task=2af' weight_change); update the "
          "quote\n", f"a stale exact quote fails at FILE:LINE:COLUMN with the nearest ({out!r})")
    rc, out, _ = quote_case("The run `beta` gave q 0.04.")
    check(rc == 1 and "case.md:12:21: q 0.04 quoted, but no row of beta " in out,
          "a prose quote is held against its paragraph's sweep, not the section's")
    rc, out, _ = quote_case("`alpha` again: q 0.0052.")
    check(rc == 1 and ":12:16: q 0.0052 quoted" in out,
          "a quote more precise than tables.md (0.0052 for 0.005) fails")
    rc, out, _ = quote_case("`alpha` again: q 0.0050.")
    check(rc == 0, "trailing zeros pass (0.0050 for 0.005)")
    rc, out, _ = quote_case("`alpha` again: q 0.04, q 0.039, q 0.16 and q 0.158.")
    check(rc == 0, f"0.039 passes as 0.04 and 0.039, 0.158 as 0.16 and 0.158 ({out!r})")
    rc, out, _ = quote_case("`alpha` again: q 0.03.")
    check(rc == 1, "0.039 does not pass as 0.03")
    rc, out, _ = quote_case("`beta`: q 0.0001, q 1e-4, q 1.0e-04, q 0.00010 and q ≤ 0.0001.")
    check(rc == 0, f"tables.md's 1.0e-04 passes as 0.0001 and 1e-4 ({out!r})")
    rc, out, _ = quote_case("`beta`: q 0.0002.")
    check(rc == 1 and "case.md:12:9: q 0.0002 quoted, but no row of beta has a BH q that rounds "
          "to 0.0002 (nearest: 1.0e-04 beta 'all' eff_rank_eig)" in out,
          f"1.0e-04 does not pass as 0.0002 ({out!r})")
    rc, out, _ = quote_case("`alpha`: q 0.005–0.009.", TABLES, "-v")
    check(rc == 0 and f"{WORK}/case.md:12:10: q 0.005: unchecked: a range (q A–B): not a quote "
          "of one row" in out, "a range q A–B is unchecked, not held to its first number")

    # bounds
    for line, ok in [("`alpha`: q ≤ 0.005", True), ("`alpha`: q <= 0.004", False),
                     ("`alpha`: q < 0.005", False), ("`alpha`: q < 0.006", True),
                     ("`gamma`: q ≥ 0.731", True), ("`gamma`: q > 0.731", False),
                     ("`gamma`: q >= 0.8", False), ("`beta`: q ≤ 0.009", True)]:
        rc, out, _ = quote_case(line)
        check(rc == (0 if ok else 1), f"'{line}' {'passes' if ok else 'fails'} ({out.strip()})")
    rc, out, _ = quote_case("`alpha`: q ≤ 0.004")
    check(out.startswith(f"{WORK}/case.md:12:10: q ≤ 0.004 quoted, but no row of alpha has a BH "
                         "q ≤ 0.004 (smallest: 0.005 alpha 'task=2af' weight_change)"),
          f"a failed upper bound names the smallest q ({out!r})")
    rc, out, _ = quote_case("`gamma`: q ≥ 0.8")
    check("(largest: 0.731 gamma 'all' kernel_alignment)" in out,
          "a failed lower bound names the largest q")

    # a sweep section whose rows were all untested, and a table row naming no sweep
    untested = TABLES.replace("| 10 | 0.700 | 0.731 |", "| 3 | – | – |")
    rc, out, _ = quote_case("`gamma`: q 0.731", untested)
    check(rc == 1 and "no row of gamma has a BH q (none was tested)" in out,
          "a quote of a sweep without a tested row fails")

    # malformed tables.md and bad usage: exit 2, one line on stderr naming the file
    bad = {
        "no Family line": TABLES.split("\n", 1)[1],
        "a q that is not a number": TABLES.replace("| 0.009 | pooled", "| 0.O09 | pooled"),
        "a q above 1": TABLES.replace("| 0.009 | pooled", "| 1.5 | pooled"),
        "a duplicate sweep": TABLES.replace("### gamma", "### beta"),
        "a ragged row": TABLES.replace("| 0.009 | pooled |", "| 0.009 | pooled | x |"),
        "no BH q column": TABLES.replace("| Wilcoxon p | BH q |", "| Wilcoxon p | q |", 1),
        "a sweep without a table": TABLES.replace("empty: no rank, structure or linear-init "
                                                  "axis; nothing to test", "empty: ?"),
        "two tables in one sweep": TABLES.replace("### gamma\n", ""),
        "BH q outside the family": TABLES.replace("| same verdict |", "| BH q |"),
        "a '#### ' heading": TABLES.replace("### gamma", "#### gamma"),
    }
    for what, text in bad.items():
        path = write("bad.md", text)
        rc, out, err = run(doc, path)
        check(rc == 2 and not out and err.count("\n") == 1 and err.startswith(f"{path}:")
              and "valid" in err, f"tables.md with {what}: exit 2, one line ({err!r})")
    rc, out, err = run(doc, "missing.md")
    check(rc == 2 and err.startswith("missing.md: cannot read") and err.count("\n") == 1,
          f"an unreadable file: exit 2 naming it ({err!r})")
    rc, out, err = run("--bogus")
    check(rc == 2 and err.startswith("--bogus: unknown option; valid: -h/--help"),
          f"an unknown option: exit 2 ({err!r})")
    rc, out, err = run(doc, tables, doc)
    check(rc == 2 and "a third file" in err, "three files: exit 2")
    # --fix: a nudge that keeps the side of the level is rewritten; a quote whose verdict side
    # changed, or that moved too far, is left stale for a person
    rc, out, err = quote_case("`alpha` moved: q 0.006, q ≤ 0.004; `gamma`: q 0.5; `alpha` "
                              "(q 0.06, opposite).", TABLES, "--fix")
    case = os.path.join(WORK, "case.md")
    with open(case, encoding="utf-8") as f:
        text = f.read()
    check("`alpha` moved: q 0.005, q ≤ 0.005; `gamma`: q 0.5; `alpha` (q 0.06, opposite)." in text,
          f"--fix rewrote the two nudged quotes only: {text.splitlines()[11]!r}")
    check(rc == 1 and out.count(" -> ") == 2 and "q 0.006 -> q 0.005 (0.005 alpha 'task=2af'" in out
          and out.count("update the quote") == 2 and "q 0.5 quoted" in out
          and "q 0.06 quoted" in out, f"--fix names each fix, the rest stay stale ({out!r})")
    rc, out, err = run(case, write("case_tables.md", TABLES))
    check(rc == 1 and out.count("update the quote") == 2, "after --fix only the two left fail")
    rc, out, err = run("--help")
    check(rc == 0 and out.startswith("check_quotes.py [-v] [--fix] [REPRODUCTION.md] [tables.md]"),
          "--help prints the usage, exit 0")
    try:
        rc = subprocess.run([CHECKER, "-h"], capture_output=True, timeout=60).returncode
    except OSError as e:
        rc = e
    check(rc == 0, f"the checker is executable (#!/usr/bin/python3; {rc})")


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
    print(f"{len(FAILED)} check(s) failed" if FAILED else "all checks passed")
    sys.exit(1 if FAILED else 0)
