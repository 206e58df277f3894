"""checks.py: the pass/fail bookkeeping the Python tests share (not a test itself).

Each check prints one line as it happens ("ok  : what" or "FAIL: what"), so that the log of
a test killed by its timeout still shows how far it got, and a failed one is remembered in
FAILED, from which the test takes its exit status (1 if any failed) at the end.
"""
FAILED = []


def check(ok, what):
    """Report one check; returns ok so that a test can stop when a precondition fails."""
    print(("ok  : " if ok else "FAIL: ") + what, flush=True)
    if not ok:
        FAILED.append(what)
    return ok
