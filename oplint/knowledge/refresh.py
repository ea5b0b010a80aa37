"""Which citations move when a pin moves: ``python -m oplint.knowledge.refresh --litert NEW``.

For every citation of the translated checks (:mod:`oplint.knowledge.citations`), the cited file
is compared between the pinned commit and ``NEW`` in the local checkout
(:func:`oplint.knowledge.sources.checkout`); each citation is then

* ``same``: the line is unchanged, at the same number;
* ``moved``: the line is unchanged, at another number (the new number is printed: update it);
* ``changed``: the cited line itself was edited or removed (read the new code: the check may have
  changed);
* ``missing``: the file is gone at ``NEW`` (renamed or deleted).

Nothing is written; the exit status is 1 when any citation moved, changed or went missing, so
the command doubles as a gate when bumping the pin.  ``--write`` rewrites moved lines in place.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from collections import Counter

from .citations import PACKAGE, Citation, collect
from .sources import PINS, read


def _mapping(old: list[str], new: list[str]) -> dict[int, int]:
    """1-based old line -> new line, for the lines the diff keeps."""
    out: dict[int, int] = {}
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for a, b, size in matcher.get_matching_blocks():
        for k in range(size):
            out[a + k + 1] = b + k + 1
    return out


def classify(citations: list[Citation], commits: dict[str, str]) -> list[tuple[Citation, str, int | None]]:
    """(citation, same|moved|changed|missing, new line) for the citations of the pins in ``commits``."""
    results: list[tuple[Citation, str, int | None]] = []
    mappings: dict[tuple[str, str], dict[int, int] | None] = {}
    for c in citations:
        new_commit = commits.get(c.source.pin)
        if new_commit is None:
            continue
        key = (c.source.pin, c.source.path)
        if key not in mappings:
            old = read(c.source.pin, c.source.path)
            new = read(c.source.pin, c.source.path, new_commit)
            mappings[key] = _mapping(old, new) if old is not None and new is not None else None
        mapping = mappings[key]
        if mapping is None:
            results.append((c, "missing", None))
            continue
        line = mapping.get(c.line)
        if line is None:
            results.append((c, "changed", None))
        else:
            results.append((c, "same" if line == c.line else "moved", line))
    return results


def _rewrite(moves: list[tuple[Citation, int]]) -> None:
    """Rewrite ``NAME(old)`` as ``NAME(new)`` on the module lines where moved citations stand."""
    by_file: dict[str, list[tuple[Citation, int]]] = {}
    for c, line in moves:
        by_file.setdefault(c.module, []).append((c, line))
    for module, items in by_file.items():
        path = PACKAGE / module
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        for c, line in items:
            text = lines[c.at - 1]
            lines[c.at - 1] = re.sub(rf"(\w+)\({c.line}\)", rf"\g<1>({line})", text, count=1)
        path.write_text("".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m oplint.knowledge.refresh", description=__doc__.split("\n\n")[0])
    for pin in PINS.values():
        if pin.is_git:
            parser.add_argument(f"--{pin.key}", metavar="COMMIT", help=f"the new commit of {pin.repo}")
    parser.add_argument("--write", action="store_true", help="rewrite the moved line numbers in the modules")
    args = parser.parse_args(argv)
    commits = {k: v for k, v in ((p.key, getattr(args, p.key.replace("-", "_"), None)) for p in PINS.values()) if v}
    if not commits:
        parser.error("name at least one new commit (e.g. --litert COMMIT)")
    citations, problems = collect()
    for problem in problems:
        print(f"{problem.module}:{problem.at}: {problem.text}", file=sys.stderr)
    results = classify(citations, commits)
    counts = Counter(status for _, status, _ in results)
    for c, status, line in results:
        if status == "moved":
            print(f"moved    {c.module}:{c.at}  {c.source.path}:{c.line} -> {line}")
        elif status != "same":
            why = f"  ({c.message.strip()})" if c.message else ""
            print(f"{status:<8} {c.module}:{c.at}  {c.source.path}:{c.line}{why}")
    print(", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no citations of those pins")
    if args.write:
        _rewrite([(c, line) for c, status, line in results if status == "moved" and line is not None])
        print("moved lines rewritten; update the pin in oplint/knowledge/sources.py and review the changed ones")
    return 1 if problems or any(s != "same" for s in counts) else 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["classify", "main"]
