"""Name search rules (pure): how product names are split into terms and terms into suffixes.

Semantics of the as-you-type name search: the query is split on whitespace into words; a
product matches when *every* word occurs somewhere in its name, case-insensitively, in any
order ("5kg rice" finds "Rice Basmati 5kg"). Because a query word holds no whitespace, a
substring match of it always lies inside one whitespace-separated word of the name, so:

    word q is a substring of the name  <=>  q is a prefix of some suffix of some name term

which turns an infix ``LIKE '%q%'`` (a full scan) into a B-tree range scan over suffixes.
See :mod:`billbook.services.goods.catalog` for how the index tables use this.
"""

from __future__ import annotations

#: suffixes are stored cut to this many characters; longer query words are still exact
#: because the final filter re-checks the whole word against the name.
SUFFIX_LEN = 24
#: longest term kept (a name is at most 160 characters)
TERM_LEN = 160


def normalise(text: str) -> str:
    """Lower-case form used for both names and queries."""
    return (text or "").lower()


def name_terms(name: str) -> set[str]:
    """The distinct lower-case whitespace-separated words of a product name."""
    return {w[:TERM_LEN] for w in normalise(name).split() if w}


def term_suffixes(term: str) -> set[str]:
    """Every suffix of ``term`` (cut to SUFFIX_LEN characters): 'rice' -> rice, ice, ce, e."""
    return {term[i:i + SUFFIX_LEN] for i in range(len(term))}


def query_words(text: str) -> list[str]:
    """Distinct lower-case words of a query, longest first (the longest is usually the rarest)."""
    words = {w for w in normalise(text).split() if w}
    return sorted(words, key=lambda w: (-len(w), w))


def prefix_range(word: str) -> tuple[str, str]:
    """``(lo, hi)`` so that ``lo <= s < hi`` holds exactly for strings ``s`` starting with
    ``word[:SUFFIX_LEN]`` in code-point (binary) order."""
    lo = word[:SUFFIX_LEN]
    last = ord(lo[-1])
    if last >= 0x10FFFF:
        return lo, lo + "\U0010ffff"
    nxt = last + 1 if last != 0xD7FF else 0xE000  # skip the surrogate block (not encodable)
    hi = lo[:-1] + chr(nxt)
    return lo, hi


def like_pattern(word: str) -> str:
    """``%word%`` with LIKE wildcards escaped (escape character ``\\``)."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
