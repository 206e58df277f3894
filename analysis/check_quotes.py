#!/usr/bin/python3
"""check_quotes.py [-v] [--fix] [REPRODUCTION.md] [tables.md]: each quoted BH q against tables.md.

Why: REPRODUCTION.md quotes Benjamini-Hochberg q values ("q 0.005", "q <= 0.01", "(q 0.04,
opposite)") from analysis/results/tables.md, which analysis/reproduction.py writes. The BH
family spans every finished results file, so each sweep that finishes moves every q a little,
and a quote nobody re-checked goes stale silently. This makes the re-check mechanical; the
test suite runs it on the committed files (tests/analysis/meson.build: analysis_quotes).
Defaults: the repository's REPRODUCTION.md and analysis/results/tables.md. Run with
/usr/bin/python3 (standard library only).

What a quote is: "q" then an optional <=, <, >=, >, = (also written ≤ ≥ ≈) and a number,
outside `code` and fenced blocks: exact quotes ("q 0.04", "q = 0.04") and bounds ("q ≤ 0.01",
"q ≥ 0.12").
Which sweeps it can refer to: the backticked names that are sections of tables.md (a name, or
its spec or results path: `fig2_em`, `sweeps/fig2_em.yaml`, `analysis/results/fig2_em.nc`)
  table row  in the same row (a line starting with |); a row whose cell reads "same" takes the
             sweeps of the row above. A row naming none is unchecked: a row is a claim of its
             own, and rows of other sweeps around it say nothing about it.
  prose      in the same paragraph (a list item is a paragraph); if it names none, every sweep
             named earlier in the same section (from one heading to the next), its heading
             included: a paragraph without names continues its section's subject, which may
             span sweeps named separately.
What passes: some tested row of those sweeps (BH q not "–") has
  q X        a BH q that rounds to X at X's decimals (0.039 -> "0.04", 0.005 -> "0.005",
             1.0e-04 -> "0.0001"). tables.md's q is itself rounded, so at an exact tie
             (0.435 at 2 decimals) both neighbours pass, "0.43" and "0.44": which side the
             unrounded q lies on is not in the file. More decimals than tables.md prints fail
             unless they are zeros ("0.0050" passes for 0.005, "0.0052" does not).
  q ≤ X      a BH q <= X (< X for "q < X"); q ≥ X: a BH q >= X (> X for "q > X"). A weak
             check: the quote may be meant for every row, the checker only knows one exists.
Unchecked (counted; listed with --verbose; never an error): a quote whose context names no
sweep of tables.md (a section naming no sweep before the quote is method text: levels and
limits, not results; name the sweep in backticks to have a quote checked); one whose sweeps
are all "in progress" on tables.md's Family line; "q < L" / "q ≥ L" at the family's own level L
(the Family line's "at q < 0.05"), which state the rule, not a row; and a range "q A–B".
tables.md is read strictly: the Family line first; each "### sweep" before the first "##"
heading holds one table with "setting", "measure" and "BH q" columns (or reproduction.py's
"nothing to test" line); later sections (Robustness: own p, no q) are outside the family and
may not have a "BH q" column. Anything else, a duplicate sweep, a ragged row or a q that is not
a number or "–" is an error: exit 2 rather than a guess.

Output: one line per stale quote, FILE:LINE:COLUMN (columns count characters from 1) and the
nearest value, exit 1; else "check_quotes: N quotes checked against M sweeps, K unchecked"
(M: the sweeps the checked quotes were held against), exit 0. -v/--verbose also lists each
quote with the row it matched or why it is unchecked. Bad usage or an unreadable or malformed
file: one line "FILE: what; what is valid", exit 2. -h/--help: this text.

--fix rewrites, in REPRODUCTION.md, each stale quote that a new sweep merely nudged: the value
that fails is replaced by the nearest (bounds: the smallest or largest) q of its sweeps, at the
quote's decimals, when both lie on the same side of the family's level (the verdict the quote
supports is unchanged) and the new value is within FIX_SHARE of the old. One line per fix,
FILE:LINE:COLUMN: old -> new (the row), then the usual check of what is left: a quote whose
verdict side changed, or that moved further, stays stale for a person to read.
"""
import os
import re
import sys
from decimal import ROUND_HALF_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULTS = [os.path.join(REPO, "REPRODUCTION.md"),
            os.path.join(REPO, "analysis", "results", "tables.md")]
QUOTE = re.compile(r"(?<!\w)q\s*(?P<op>≤|≥|<=|>=|<|>|=|≈)?\s*"
                   r"(?P<num>(?>\d+(?:\.\d+)?(?:[eE][-+]?\d+)?))(?![\d\w])"
                   r"(?P<range>(?=\s*[–-]\s*\d))?")  # atomic: "q 0.1x" is no "q 0"
OPS = {"≤": "<=", "≥": ">=", "=": "", "≈": "", None: ""}
SWEEP_NAME = re.compile(r"(?:sweeps/|analysis/results/)?([\w-]+)(?:\.yaml|\.nc)?")
UNTESTED = "–"
FIX_SHARE = Decimal("0.25")  # --fix: the largest relative move it makes without a person


class Bad(Exception):
    """A usage or file error: exit 2 with this one line."""


# ---- tables.md ----

def read(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise Bad(f"{path}: cannot read ({getattr(e, 'strerror', None) or e}); "
                  "give a readable UTF-8 Markdown file") from None


def cells(line):
    return [c.strip() for c in line.strip().strip("|").split("|")]


def parse_tables(path):
    """{sweep: [(q, q as printed, setting, measure)]} of tested rows, the level, sweeps running."""
    lines = read(path)
    where = lambda n: f"{path}:{n}"  # noqa: E731
    first = next((n for n, t in enumerate(lines, 1) if t.strip()), None)
    if first is None or not lines[first - 1].startswith("Family:"):
        raise Bad(f"{where(first or 1)}: no 'Family:' line first; valid: the output of "
                  "analysis/reproduction.py")
    family = lines[first - 1]
    level = re.search(r"Benjamini-Hochberg at q < (\d+(?:\.\d+)?)", family)
    if not level:
        raise Bad(f"{where(first)}: the Family line names no 'Benjamini-Hochberg at q < LEVEL'; "
                  "valid: the output of analysis/reproduction.py")
    running = re.search(r"In progress, not tested yet: (.*)$", family)
    running = {p.split(" (")[0].strip() for p in running.group(1).split(";")} if running else set()
    sweeps, name, in_family, header, table_seen = {}, None, True, None, False

    def close(n):
        if name is not None and in_family and not table_seen:
            raise Bad(f"{where(n)}: section '### {name}' has no table with a 'BH q' column; "
                      "valid: one table per sweep, or reproduction.py's 'nothing to test' line")

    for n, text in enumerate(lines[first:], first + 1):
        if text.startswith("#"):
            close(n)
            header = None
            if text.startswith("### "):
                name, table_seen = text[4:].strip(), False
                if in_family:
                    if name in sweeps or not re.fullmatch(r"[\w-]+", name):
                        raise Bad(f"{where(n)}: sweep section '{name}' "
                                  f"{'twice' if name in sweeps else 'is not one word'}; valid: "
                                  "one '### NAME' per results file")
                    sweeps[name] = []
            elif text.startswith("## "):
                name, in_family = None, False
            else:
                raise Bad(f"{where(n)}: heading '{text}'; valid: '### SWEEP' sections, then "
                          "'## ' sections outside the family")
        elif text.startswith("|"):
            row = cells(text)
            if header is None:
                if name is None and in_family:
                    raise Bad(f"{where(n)}: a table before any '### SWEEP' heading; valid: "
                              "tables inside sweep sections")
                if in_family and table_seen:
                    raise Bad(f"{where(n)}: a second table in '### {name}'; valid: one per sweep")
                header = row
                if not in_family:
                    if "BH q" in row:
                        raise Bad(f"{where(n)}: a 'BH q' column outside the family's sections; "
                                  "valid: BH q only in the sections before the first '## '")
                    continue
                missing = [c for c in ("setting", "measure", "BH q") if row.count(c) != 1]
                if missing:
                    raise Bad(f"{where(n)}: table header lacks (or repeats) {', '.join(missing)}; "
                              "valid: one 'setting', 'measure' and 'BH q' column each")
                table_seen = True
            elif len(row) != len(header):
                raise Bad(f"{where(n)}: {len(row)} cells under a header of {len(header)}; valid: "
                          "every row as wide as its header")
            elif in_family and not all(re.fullmatch(r":?-+:?", c) for c in row):
                q = row[header.index("BH q")]
                if q != UNTESTED:
                    try:
                        value = Decimal(q)
                    except InvalidOperation:
                        value = Decimal("NaN")
                    if not value.is_finite() or not 0 <= value <= 1:
                        raise Bad(f"{where(n)}: BH q '{q}' is not a q; valid: a number in "
                                  "[0, 1] like 0.005 or 1.0e-04, or – (untested)")
                    sweeps[name].append((value, q, row[header.index("setting")],
                                         row[header.index("measure")]))
        else:
            header = None  # a table ends at its first non-table line
            if name is not None and in_family and "nothing to test" in text:
                table_seen = True
    close(len(lines) + 1)
    if not sweeps:
        raise Bad(f"{path}: no '### SWEEP' section; valid: the output of analysis/reproduction.py")
    return sweeps, Decimal(level.group(1)), running - set(sweeps)


# ---- the Markdown file: units (table rows, paragraphs) and their sweeps ----

def units(lines):
    """Yield (kind, [(line number, text)], section number): 'row', 'prose' or 'heading'."""
    section, fence, para = 0, False, []
    for n, text in enumerate(lines, 1):
        stripped = text.strip()
        heading = re.match(r"#{1,6}(\s|$)", stripped)
        starts_item = re.match(r"\s*(?:[-*+]|\d+[.)])\s", text)
        if para and (not stripped or heading or stripped.startswith(("|", "```", "~~~"))
                     or starts_item):
            yield "prose", para, section
            para = []
        if stripped.startswith(("```", "~~~")):
            fence = not fence
        elif fence or not stripped:
            continue
        elif heading:
            section += 1
            yield "heading", [(n, text)], section
        elif stripped.startswith("|"):
            yield "row", [(n, text)], section
        else:
            para.append((n, text))
    if para:
        yield "prose", para, section


def mask_code(block):
    """The lines of block with every `code` span blanked (columns kept), and the spans' texts."""
    joined = "\n".join(t for _, t in block)
    spans = [m.group(1) for m in re.finditer(r"`([^`]*)`", joined)]
    masked = re.sub(r"`[^`]*`", lambda m: re.sub(r"[^\n]", " ", m.group(0)), joined)
    return masked.split("\n"), spans


def named(spans, known):
    out = []
    for s in spans:
        m = SWEEP_NAME.fullmatch(s.strip())
        if m and m.group(1) in known and m.group(1) not in out:
            out.append(m.group(1))
    return out


def quotes(lines, known):
    """Yield (line, column, quote text, op, Decimal, sweeps named for it, where they came from)."""
    row_sweeps, last_row, section_sweeps, section = [], 0, [], 0
    for kind, block, sec in units(lines):
        if sec != section:
            section, section_sweeps = sec, []
        masked, spans = mask_code(block)
        own = named(spans, known)
        if kind == "row":
            same = any(re.fullmatch(r"same( as above)?", c, re.I) for c in cells(masked[0]))
            if not own and same and last_row == block[0][0] - 1:  # the row above, same table
                own = row_sweeps
            sweeps, source = own, "the row"
            row_sweeps, last_row = own, block[0][0]
        else:
            sweeps, source = (own, "the paragraph") if own else (list(section_sweeps),
                                                                 "the section before it")
        for (n, _), text in zip(block, masked):
            for m in QUOTE.finditer(text):
                yield (n, m.start() + 1, m.group(0), OPS.get(m.group("op"), m.group("op")),
                       Decimal(m.group("num")), sweeps, source, m.group("range") is not None)
        section_sweeps += [s for s in own if s not in section_sweeps]


# ---- the check ----

def rounds_to(value, quoted):
    quantum = Decimal(1).scaleb(quoted.as_tuple().exponent)
    try:
        return quoted in (value.quantize(quantum, ROUND_HALF_UP),
                          value.quantize(quantum, ROUND_HALF_DOWN))
    except InvalidOperation:  # more digits than a Decimal holds: no q rounds to that
        return False


def holds(op, value, quoted):
    return {"": lambda: rounds_to(value, quoted), "<=": lambda: value <= quoted,
            "<": lambda: value < quoted, ">=": lambda: value >= quoted,
            ">": lambda: value > quoted}[op]()


def describe(row):
    _, printed, setting, measure, sweep = row
    return f"{printed} {sweep} '{setting}' {measure}"


def fixed(op, quoted, near, level):
    """The quote's new number when --fix may write it (a nudge that keeps the side of the
    level), else None."""
    new = near.quantize(Decimal(1).scaleb(quoted.as_tuple().exponent), ROUND_HALF_UP)
    if new == 0 or quoted == 0 or (new < level) != (quoted < level) or \
            abs(new - quoted) > FIX_SHARE * quoted or not holds(op, near, new):
        return None
    return new


def rewrite(md_path, lines, fixes):
    """Writes md_path with each (line, column, old text, new text) replaced, right to left."""
    for n, col, old, new in sorted(fixes, key=lambda f: (f[0], -f[1])):
        line = lines[n - 1]
        assert line[col - 1:col - 1 + len(old)] == old, (n, col, old)
        lines[n - 1] = line[:col - 1] + new + line[col - 1 + len(old):]
    try:
        with open(md_path, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
    except OSError as e:
        raise Bad(f"{md_path}: cannot write ({e.strerror}); give a writable file") from None


def check(md_path, tables_path, verbose=False, fix=False):
    sweeps, level, running = parse_tables(tables_path)
    lines = read(md_path)
    stale, checked, unchecked, used, fixes = [], 0, 0, set(), []
    for n, col, text, op, quoted, names, source, span in quotes(lines, set(sweeps) | running):
        where = f"{md_path}:{n}:{col}: {text}"
        tested = [s for s in names if s in sweeps]
        if span:
            why = "a range (q A–B): not a quote of one row"
        elif op in ("<", ">=") and quoted == level:
            why = f"the family's level (q < {level}): a rule, not a result"
        elif not names:
            why = f"{source} names no sweep of {os.path.basename(tables_path)}"
        elif not tested:
            why = f"{', '.join(names)} still in progress (not in the family yet)"
        else:
            why = None
        if why:
            unchecked += 1
            if verbose:
                print(f"{where}: unchecked: {why}")
            continue
        checked += 1
        used.update(tested)
        rows = [r + (s,) for s in tested for r in sweeps[s]]
        hit = next((r for r in rows if holds(op, r[0], quoted)), None)
        if hit:
            if verbose:
                print(f"{where}: ok: {describe(hit)} ({source})")
            continue
        of = ", ".join(tested)
        if not rows:
            stale.append(f"{where} quoted, but no row of {of} has a BH q (none was tested); "
                         "update the quote")
            continue
        if op == "":
            near, what = min(rows, key=lambda r: abs(r[0] - quoted)), f"that rounds to {quoted}"
            label = "nearest"
        elif op in ("<=", "<"):
            near, what, label = min(rows, key=lambda r: r[0]), f"{op} {quoted}", "smallest"
        else:
            near, what, label = max(rows, key=lambda r: r[0]), f"{op} {quoted}", "largest"
        what = what.replace("<=", "≤").replace(">=", "≥")
        new = fixed(op, quoted, near[0], level) if fix and "e" not in text.lower() else None
        if new is not None:  # the quote's text ends with its number (QUOTE)
            text_new = re.sub(r"\d+(?:\.\d+)?$", str(new), text)
            fixes.append((n, col, text, text_new))
            print(f"{where} -> {text_new} ({describe(near)})")
            continue
        stale.append(f"{where} quoted, but no row of {of} has a BH q {what} "
                     f"({label}: {describe(near)}); update the quote")
    if fixes:
        rewrite(md_path, lines, fixes)
    for line in stale:
        print(line)
    if stale:
        return 1
    print(f"check_quotes: {checked} quotes checked against {len(used)} sweeps, "
          f"{unchecked} unchecked")
    return 0


def main(argv):
    verbose = fix = False
    paths = []
    for a in argv:
        if a in ("-h", "--help"):
            print(__doc__)
            return 0
        if a in ("-v", "--verbose"):
            verbose = True
        elif a == "--fix":
            fix = True
        elif a.startswith("-"):
            raise Bad(f"{a}: unknown option; valid: -h/--help, -v/--verbose, --fix, "
                      "[REPRODUCTION.md] [tables.md]")
        else:
            paths.append(a)
    if len(paths) > 2:
        raise Bad(f"{paths[2]}: a third file; valid: [REPRODUCTION.md] [tables.md]")
    md_path, tables_path = paths + [os.path.relpath(d) for d in DEFAULTS[len(paths):]]
    return check(md_path, tables_path, verbose, fix)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Bad as e:
        print(e, file=sys.stderr)
        sys.exit(2)
