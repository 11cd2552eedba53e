"""The teaching guide, generated from the chapters themselves so that it cannot drift.

``{teaching-guide}`` reads every chapter listed in ``_toc.yml`` that has a
"Learning objectives" section and renders, per chapter: the reading time
(from the word count of its prose), what it builds on (the earlier chapters it
links to with ``{doc}``), its learning objectives (the chapter's own text), its
exercises by level (linked by label), the measures it defines and the data and
``analysis`` modules its code uses. It ends with suggested sequences for a
4-week and an 8-week course block, cut from the chapters' reading times.

The page list (``_toc.yml``) and the datasets each notebook loads come from
``analysis.build.site`` (``toc_files``, ``dataset_uses``), the project's one reading of
them. The parsing functions are pure (text in, data out) and unit-tested in
``tests/test_teaching_guide.py``.
"""
from __future__ import annotations

import math
import re
from pathlib import Path

import nbformat
from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

from analysis.build import site as _site

# An assumed silent-reading speed for expository text; it sets the scale of the
# reading times only, and the page states it.
WORDS_PER_MINUTE = 200
# The three levels every chapter's exercises use (CHAPTER-STANDARD: warm-up,
# analysis, open question). Models-style "prediction" exercises count as analysis
# only if the chapter says so; anything else is reported as an error.
LEVELS = ("Warm-up", "Analysis", "Open question")

_EXERCISE = re.compile(r"```\{exercise\}[^\n]*\n(?P<opts>(?::[^\n]*\n)*)\s*(?P<body>.*?)```", re.S)
_LABEL = re.compile(r":label:\s*(\S+)")
_LEVEL = re.compile(r"^\**\s*(?P<level>[A-Z][A-Za-z -]*?)\s*[.:]")
_IMPORT = re.compile(r"^\s*(?:from\s+analysis(?:\.(?P<pkg>[\w.]+))?\s+import\s+(?P<names>[\w ,()]+)"
                     r"|import\s+analysis\.(?P<mod>[\w.]+))", re.M)
_DOC = re.compile(r"\{doc\}`(?:[^`<]*<)?(?P<target>[\w/.-]+?)>?`")


class GuideError(ValueError):
    """A chapter breaks a convention the guide relies on (named file and what)."""


def _sections(markdown: str) -> dict[str, str]:
    """Level-2 sections of a chapter: heading -> body text."""
    out, current, buf = {}, None, []
    for line in markdown.splitlines():
        m = re.match(r"^## (.+?)\s*$", line)
        if m:
            if current is not None:
                out[current] = "\n".join(buf).strip()
            current, buf = m.group(1), []
        elif current is not None:
            buf.append(line)
    if current is not None:
        out[current] = "\n".join(buf).strip()
    return out


# Fenced blocks whose content a reader reads as prose; every other fence (code, hidden
# solutions, raw output) is left out of the word count.
PROSE_FENCES = {"exercise", "note", "admonition", "important", "tip", "warning", "seealso", "caution"}


def prose_words(markdown: str) -> int:
    """Words a reader reads: prose without code blocks, hidden solutions, directive options,
    roles' markup or HTML."""
    kept, stack = [], []
    for line in markdown.splitlines():
        fence = re.match(r"^\s*(`{3,}|:{3,})\s*(\{(?P<name>[\w-]+)\}|\w*)?", line)
        if fence and (fence.group("name") or not stack or line.strip() != fence.group(1)):
            if line.strip() == fence.group(1) and stack:
                stack.pop()
            else:
                stack.append(fence.group("name") or "code")
            continue
        if fence and stack:
            stack.pop()
            continue
        if all(name in PROSE_FENCES for name in stack):
            kept.append(line)
    text = "\n".join(kept)
    text = re.sub(r"^:[\w-]+:.*$", " ", text, flags=re.M)          # directive options
    text = re.sub(r"\{[\w:-]+\}`([^`<]*)(?:<[^`]*>)?`", r"\1", text)   # {role}`text <target>` -> text
    text = re.sub(r"<[^>]+>|\$[^$]*\$", " ", text)                     # HTML, inline maths
    return len(re.findall(r"[A-Za-zÀ-ÿ0-9][\w'’–-]*", text))


def exercises(markdown: str, label: str) -> list[dict]:
    """Exercises of a chapter in order: label and level (from the bold or plain lead word)."""
    out = []
    for m in _EXERCISE.finditer(markdown):
        lab = _LABEL.search(m.group("opts"))
        if not lab:
            raise GuideError(f"{label}: an exercise has no :label:")
        lev = _LEVEL.match(m.group("body").strip())
        level = lev.group("level") if lev else ""
        if level not in LEVELS:
            raise GuideError(f"{label}: exercise {lab.group(1)} does not start with a level "
                             f"({', '.join(LEVELS)}), found {m.group('body').strip()[:30]!r}")
        out.append({"label": lab.group(1), "level": level})
    return out


def chapter_info(path: Path, docname: str, datasets=()) -> dict | None:
    """What the guide says about one chapter; None for pages without learning objectives.

    ``datasets``: the names its code loads (from ``analysis.build.site.dataset_uses``)."""
    if path.suffix == ".ipynb":
        nb = nbformat.read(path, as_version=4)
        markdown = "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        code = "\n\n".join(c.source for c in nb.cells if c.cell_type == "code")
    else:
        markdown, code = path.read_text(encoding="utf-8"), ""
    sections = _sections(markdown)
    if "Learning objectives" not in sections:
        return None
    title = re.search(r"^# (.+?)\s*$", markdown, re.M)
    objectives = [ln for ln in sections["Learning objectives"].splitlines()]
    # Keep the list itself (from its first item): the lead-in sentence varies by chapter.
    first = next((i for i, ln in enumerate(objectives) if re.match(r"^\s*(?:[-*]|\d+\.)\s", ln)), None)
    if first is None:
        raise GuideError(f"{docname}: 'Learning objectives' has no list")
    modules = set()
    for m in _IMPORT.finditer(code):
        if m.group("mod"):
            modules.add(m.group("mod"))
        else:
            pkg = f"{m.group('pkg')}." if m.group("pkg") else ""
            modules.update(pkg + n.strip() for n in m.group("names").strip("() ").split(",") if n.strip())
    measures = [h for h in re.findall(r"^### (.+?)\s*$", _measure_section(markdown), re.M)]
    return {
        "doc": docname,
        "title": title.group(1) if title else docname,
        "words": prose_words(markdown),
        # The split point of a chapter that a course block cuts in two (CHAPTER-STANDARD order).
        "words_first_half": prose_words(markdown.split("\n## Analysis on data", 1)[0]),
        "objectives": "\n".join(objectives[first:]).strip(),
        "exercises": exercises(markdown, docname),
        "datasets": sorted(set(datasets)),
        "modules": sorted(modules),
        "measures": measures,
        "links": [t for t in _DOC.findall(markdown)],
    }


def _measure_section(markdown: str) -> str:
    m = re.search(r"^## (?:The measures?|The models?)[^\n]*\n(.*?)(?=^## )", markdown, re.S | re.M)
    return m.group(1) if m else ""


def reading_minutes(words: int) -> int:
    return max(1, math.ceil(words / WORDS_PER_MINUTE))


def partition(weights: list[int], k: int) -> list[list[int]]:
    """Split a sequence into k contiguous blocks minimising the heaviest block (indices).

    The classic linear-partition dynamic programme; ties go to the earliest cut, so the
    result is deterministic. Needs 1 <= k <= len(weights).
    """
    n = len(weights)
    if not 1 <= k <= n:
        raise ValueError(f"cannot cut {n} items into {k} blocks")
    prefix = [0]
    for w in weights:
        prefix.append(prefix[-1] + w)
    inf = float("inf")
    best = [[inf] * (k + 1) for _ in range(n + 1)]
    cut = [[0] * (k + 1) for _ in range(n + 1)]
    best[0][0] = 0
    for i in range(1, n + 1):
        for j in range(1, min(i, k) + 1):
            for c in range(j - 1, i):
                cost = max(best[c][j - 1], prefix[i] - prefix[c])
                if cost < best[i][j]:
                    best[i][j], cut[i][j] = cost, c
    blocks, i = [], n
    for j in range(k, 0, -1):
        c = cut[i][j]
        blocks.append(list(range(c, i)))
        i = c
    return blocks[::-1]


def course_units(chapters: list[dict], k: int) -> list[dict]:
    """Reading units for a k-week block: whole chapters, and, while there are fewer units
    than weeks, the longest chapter split into its reading half and its analysis half."""
    units = [{"doc": c["doc"], "title": c["title"], "part": "", "minutes": reading_minutes(c["words"])}
             for c in chapters]
    while len(units) < k:
        i = max((i for i, u in enumerate(units) if not u["part"]), key=lambda i: units[i]["minutes"],
                default=None)
        if i is None:
            break
        u, c = units[i], chapters[[c["doc"] for c in chapters].index(units[i]["doc"])]
        first = c["words_first_half"]
        if not 0 < first < c["words"]:
            break  # a chapter without an analysis section is not cut
        units[i:i + 1] = [dict(u, part="claims, evidence and measures", minutes=reading_minutes(first)),
                          dict(u, part="analysis, summary and exercises",
                               minutes=reading_minutes(c["words"] - first))]
    return units


def course_plan(chapters: list[dict], weeks: int) -> list[list[dict]]:
    units = course_units(chapters, weeks)
    k = min(weeks, len(units))
    return [[units[i] for i in block] for block in partition([u["minutes"] for u in units], k)]


# ---- rendering ----------------------------------------------------------------------------

def guide_markdown(chapters: list[dict], toc_order: list[str]) -> str:
    """The guide as MyST text (parsed by the directive, so roles and links resolve)."""
    lines = []
    position = {d: i for i, d in enumerate(toc_order)}
    for c in chapters:
        lines += [f"## {c['title']}", ""]
        earlier = [d for d in dict.fromkeys(_resolve(c["doc"], t) for t in c["links"])
                   if d in position and position[d] < position[c["doc"]]]
        number = {e["label"]: n for n, e in enumerate(c["exercises"], 1)}
        by_level = {lev: [e["label"] for e in c["exercises"] if e["level"] == lev] for lev in LEVELS}
        lines += [
            f"- **Chapter:** {{doc}}`/{c['doc']}`.",
            f"- **Reading time:** about {reading_minutes(c['words'])} minutes "
            f"({c['words']:,} words of prose).",
            "- **Earlier chapters it refers to:** " + (", ".join(f"{{doc}}`/{d}`" for d in earlier)
                                                       if earlier else "none") + ".",
            "- **Measures and models defined:** " + ("; ".join(c["measures"]) or "none (a reading chapter)") + ".",
            "- **Data it uses:** " + (", ".join(f"`{d}`" for d in c["datasets"]) or "none") + ".",
            "- **Code it uses:** " + (", ".join(f"`analysis.{m}`" for m in c["modules"]) or "none") + ".",
            "- **Exercises:** " + "; ".join(
                f"{lev.lower()}: " + ", ".join(f"{{ref}}`exercise {number[lab]} <{lab}>`" for lab in labs)
                for lev, labs in by_level.items() if labs) + ".",
            "", "Learning objectives (from the chapter):", "", c["objectives"], "",
        ]
    for weeks in (4, 8):
        lines += [f"## {'An' if weeks == 8 else 'A'} {weeks}-week course block", ""]
        plan = course_plan(chapters, weeks)
        lines += [f"| Week | Read | Minutes |", "|---|---|---|"]
        for w, block in enumerate(plan, 1):
            read = "; ".join(f"{{doc}}`/{u['doc']}`" + (f" ({u['part']})" if u["part"] else "") for u in block)
            lines.append(f"| {w} | {read} | {sum(u['minutes'] for u in block)} |")
        lines.append("")
    return "\n".join(lines)


def _resolve(doc: str, target: str) -> str:
    """A {doc} target relative to ``doc`` as a docname."""
    if target.startswith("/"):
        return target.lstrip("/")
    base = doc.rsplit("/", 1)[0] + "/" if "/" in doc else ""
    return (base + target).removesuffix(".md").removesuffix(".ipynb")


def load_chapters(root: Path) -> tuple[list[dict], list[str]]:
    """The chapters of ``_toc.yml`` (``analysis.build.site.toc_files``) under ``root`` that have learning
    objectives, in reading order, each with the datasets its code loads; and the page order."""
    order = _site.toc_files()
    loads: dict[str, list[str]] = {}
    for name, stems in _site.dataset_uses().items():
        for stem in stems:
            loads.setdefault(stem, []).append(name)
    chapters = []
    for doc in order:
        for suffix in (".ipynb", ".md"):
            p = root / (doc + suffix)
            if p.exists():
                info = chapter_info(p, doc, loads.get(Path(doc).name, []) if suffix == ".ipynb" else [])
                if info:
                    chapters.append(info)
                break
    return chapters, order


class TeachingGuide(SphinxDirective):
    def run(self):
        root = Path(self.env.app.confdir)
        chapters, order = load_chapters(root)
        for c in chapters:  # rebuild the guide whenever a chapter changes
            for suffix in (".ipynb", ".md"):
                if (root / (c["doc"] + suffix)).exists():
                    self.env.note_dependency(str(root / (c["doc"] + suffix)))
        text = guide_markdown(chapters, order)
        container = nodes.container(classes=["teaching-guide"])
        self.state.nested_parse(StringList(text.splitlines(), source="teaching-guide"), self.content_offset,
                                container, match_titles=True)
        return container.children


def setup(app):
    app.add_directive("teaching-guide", TeachingGuide)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
