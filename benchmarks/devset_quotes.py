"""Run the quote extractor on the development set and score it the way its score.py does.

Usage: .venv/bin/python benchmarks/devset_quotes.py [DEVSET_DIR] [-v]
Only attributed quotes count, as downstream drops the rest. Cleaning here is deliberately crude
(header, tags, boilerplate lines, subheadings): it stands in for the real cleaning stage.
"""

from __future__ import annotations

import html
import json
import re
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.pipeline.quotes import ExtractedQuote, extract_quotes  # noqa: E402
from bot.pipeline.text import normalize_text, split_paragraphs  # noqa: E402

DEFAULT_DEVSET = ROOT.parent / "shared" / "devset"
QUOTE_CHARS = "\"'\u201c\u201d\u2018\u2019\u00ab\u00bb\u201e\u201a\u2039\u203a`"
BOILERPLATE = re.compile(
    r"^(share this|read more|related:|by\b|photo\b|photo caption|sign up|most read|main news"
    r"|\(the stored copy breaks off)",
    re.IGNORECASE,
)


def norm(value: str | None) -> str:
    """score.py's normalisation: NFKC, lower case, no quote marks, other runs to spaces."""
    value = unicodedata.normalize("NFKC", value or "").lower()
    value = value.translate({ord(c): None for c in QUOTE_CHARS})
    return re.sub(r"[^a-z0-9%]+", " ", value).strip()


def html_paragraphs(raw: str) -> list[str]:
    body = re.search(r"<article>(.*?)</article>", raw, re.DOTALL)
    inner = body.group(1) if body else raw
    inner = re.sub(r"<figure>.*?</figure>", "", inner, flags=re.DOTALL)
    blocks = re.findall(r"<(?:p|h1|h2)[^>]*>(.*?)</(?:p|h1|h2)>", inner, re.DOTALL)
    return [html.unescape(re.sub(r"<[^>]+>", "", b)).strip() for b in blocks]


def article_paragraphs(path: Path) -> list[str]:
    raw = path.read_text(encoding="utf-8")
    if path.suffix == ".html":
        lines = html_paragraphs(raw)
    else:
        if re.match(r"^\w+:", raw) and "\n---\n" in raw:
            raw = raw.split("\n---\n", 1)[1]
        lines = split_paragraphs(normalize_text(raw))
    return [line for line in (normalize_text(x).strip() for x in lines) if keep(line)]


def keep(line: str) -> bool:
    if not line or BOILERPLATE.match(line):
        return False
    if line.isupper():
        return False  # a subheading in capitals
    words = line.split()
    return not (len(words) <= 8 and not re.search(r"[.!?:][\"'”’»)]*$", line))


def main(devset: Path, verbose: bool) -> None:
    expected = json.loads((devset / "expected.json").read_text(encoding="utf-8"))
    # Off-topic pages are filtered out before quotes are kept, so they are left out here.
    titles = {
        a["file"]: a.get("title") or None for a in expected["articles"] if a.get("on_topic", True)
    }
    exported: list[tuple[str, ExtractedQuote]] = []
    elapsed = 0.0
    for name in sorted(titles):
        path = devset / name
        if not path.exists():
            continue
        paragraphs = article_paragraphs(path)
        began = time.perf_counter()
        quotes = extract_quotes(paragraphs, title=titles[name])
        elapsed += time.perf_counter() - began
        if verbose:
            print(f"== {name}")
            for q in quotes:
                flag = "partial" if q.partial else "full"
                print(f"   [{q.speaker}] ({flag}) {q.text[:90]!r}")
        exported += [(name, q) for q in quotes if q.speaker]
    misses: list[str] = []
    keys: dict[str, set[str]] = {}
    for sp in expected["speakers"]:
        ks = {norm(sp["name"])} | {norm(a) for a in sp.get("aliases_in_files", [])}
        if sp.get("kind", "person") == "person":
            ks.add(norm(sp["name"]).split()[-1])
        keys[sp["name"]] = {k for k in ks if k}
    found = right = 0
    for q in expected["quotes"]:
        frag = norm(q["fragment"])
        hits = [x for _, x in exported if frag in norm(x.text)]
        if not hits:
            misses.append(f"missed      [{q['file'][9:20]}] {q['speaker']}: {q['fragment']!r}")
            continue
        found += 1
        if any(any(k in norm(x.speaker) for k in keys[q["speaker"]]) for x in hits):
            right += 1
        else:
            got = sorted({x.speaker or "" for x in hits})
            misses.append(f"speaker     [{q['file'][9:20]}] expected {q['speaker']}, got {got}")
    labels: dict[str, list[tuple[str, str]]] = {}
    for q in expected["quotes"]:
        labels.setdefault(q["file"], []).append((norm(q["fragment"]), norm(q["text"])))
    precise = 0
    for name, x in exported:
        n = norm(x.text)
        if any(fr in n or (n and n in full) for fr, full in labels.get(name, [])):
            precise += 1
        else:
            misses.append(f"unexpected  [{name[9:20]}] {x.speaker}: {x.text[:70]!r}")
    violations = 0
    for term in expected.get("not_quotes", []):
        t = norm(term)
        bad = [x for _, x in exported if norm(x.text) and (norm(x.text) == t or norm(x.text) in t)]
        if bad:
            violations += 1
            misses.append(f"not a quote {term!r} exported by {bad[0].speaker!r}")
    canon_total = canon_ok = 0
    for name, ks in keys.items():
        strings = {x.speaker for _, x in exported if any(k in norm(x.speaker) for k in ks)}
        if strings:
            canon_total += 1
            canon_ok += len(strings) == 1
            if len(strings) > 1:
                misses.append(f"variants    {name}: {sorted(s or '' for s in strings)}")
    for line in misses:
        print(line)
    total = len(expected["quotes"])

    def pct(a: int, b: int) -> str:
        return f"{a}/{b} ({100 * a / b:.0f}%)" if b else f"{a}/0 (n/a)"

    print(
        f"quote recall {pct(found, total)} | speaker accuracy {pct(right, found)}"
        f" | quote precision {pct(precise, len(exported))}"
        f" | not-quote violations {violations}/{len(expected.get('not_quotes', []))}"
        f" | canonical speakers {pct(canon_ok, canon_total)}"
        f" | {1000 * elapsed / max(1, len(titles)):.2f} ms/article"
    )


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    main(Path(args[0]) if args else DEFAULT_DEVSET, "-v" in sys.argv[1:])
