"""The teaching guide (_ext/teaching_guide.py): parsing on small cases, course cuts, every chapter
meets the conventions the guide reads, and the built page carries each chapter's own objectives."""
import importlib.util
import itertools
import re

import pytest
from bs4 import BeautifulSoup

from analysis import paths

_spec = importlib.util.spec_from_file_location("teaching_guide", paths.ROOT / "_ext" / "teaching_guide.py")
tg = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tg)

CHAPTER = """# A chapter

Two words.

## Learning objectives

After this chapter you will be able to:

- count words;
- cut a course.

## The measures

### The first measure

Text with a {term}`glossary term <Term>` and $x^2$ maths.

## Analysis on data

```{exercise}
:label: a-ex-1

**Warm-up.** Do it.
```

```{solution} a-ex-1
:class: dropdown

Hidden words are not read.
```

```{exercise}
:label: a-ex-2

Open question. Think.
```

```python
code is not prose
```
"""


def test_prose_words_leaves_out_code_solutions_options_and_markup():
    # "A chapter" 2, "Two words" 2, objectives lead-in 8 + 2 + 3, headings 2+2+3+3,
    # measure text "Text with a glossary term and maths" 7, exercises "Warm-up Do it" 3 + "Open
    # question Think" 3 -> 40.
    assert tg.prose_words(CHAPTER) == 40


def test_prose_words_counts_a_hidden_solution_if_it_were_shown():
    shown = CHAPTER.replace("```{solution} a-ex-1", "```{note}")
    assert tg.prose_words(shown) == tg.prose_words(CHAPTER) + 5


def test_exercises_read_label_and_level():
    assert tg.exercises(CHAPTER, "a") == [{"label": "a-ex-1", "level": "Warm-up"},
                                          {"label": "a-ex-2", "level": "Open question"}]


def test_exercise_without_a_level_is_an_error_naming_chapter_and_label():
    with pytest.raises(tg.GuideError, match=r"a: exercise a-ex-2 does not start with a level"):
        tg.exercises(CHAPTER.replace("Open question. Think.", "Think about it."), "a")


def test_chapter_info_on_a_small_chapter(tmp_path):
    p = tmp_path / "a.md"
    p.write_text(CHAPTER, encoding="utf-8")
    info = tg.chapter_info(p, "book/a")
    assert info["title"] == "A chapter"
    assert info["objectives"] == "- count words;\n- cut a course."
    assert info["measures"] == ["The first measure"]
    assert info["words_first_half"] < info["words"]


def test_chapter_info_skips_pages_without_objectives(tmp_path):
    p = tmp_path / "b.md"
    p.write_text("# Glossary\n\nTerms.\n", encoding="utf-8")
    assert tg.chapter_info(p, "book/b") is None


def _brute_force(weights, k):
    n, best = len(weights), None
    for cuts in itertools.combinations(range(1, n), k - 1):
        bounds = (0, *cuts, n)
        cost = max(sum(weights[a:b]) for a, b in zip(bounds, bounds[1:]))
        best = cost if best is None else min(best, cost)
    return best


@pytest.mark.parametrize("weights,k", [([7, 15, 21, 14, 15], 4), ([5, 1, 1, 1, 9, 2, 2], 3),
                                       ([3, 3, 3], 3), ([10], 1), ([1, 2, 3, 4, 5, 6, 7, 8], 5)])
def test_partition_is_optimal_contiguous_and_complete(weights, k):
    blocks = tg.partition(weights, k)
    assert [i for b in blocks for i in b] == list(range(len(weights)))
    assert len(blocks) == k and all(blocks)
    assert max(sum(weights[i] for i in b) for b in blocks) == _brute_force(weights, k)


def test_partition_refuses_more_blocks_than_items():
    with pytest.raises(ValueError, match="cannot cut 2 items into 3 blocks"):
        tg.partition([1, 2], 3)


def test_course_plans_cover_every_chapter_in_order():
    chapters, _ = tg.load_chapters(paths.ROOT)
    for weeks in (4, 8):
        plan = tg.course_plan(chapters, weeks)
        assert len(plan) == min(weeks, len(tg.course_units(chapters, weeks)))
        docs = list(dict.fromkeys(u["doc"] for week in plan for u in week))
        assert docs == [c["doc"] for c in chapters], f"{weeks}-week plan skips or reorders chapters"


def test_every_chapter_has_objectives_and_graded_exercises():
    """The chapter standard the guide relies on: objectives, and a warm-up, an analysis and an
    open question among the exercises of every chapter."""
    chapters, order = tg.load_chapters(paths.ROOT)
    docs = {c["doc"] for c in chapters}
    notebooks = [d for d in order if (paths.ROOT / f"{d}.ipynb").exists() and d != "book/data-sources"]
    assert set(notebooks) <= docs, f"chapters without learning objectives: {set(notebooks) - docs}"
    for c in chapters:
        levels = {e["level"] for e in c["exercises"]}
        assert levels == set(tg.LEVELS), f"{c['doc']}: exercise levels {sorted(levels)}"


@pytest.mark.site
def test_built_guide_shows_each_chapters_own_objectives_and_plans():
    from site_helpers import require_build

    page = BeautifulSoup((require_build() / "book" / "teaching-guide.html").read_text(encoding="utf-8"),
                         "html.parser")
    # Sphinx's smart quotes turn ' into ’ and "x" into “x” on the page.
    text = re.sub(r"\s+", " ", page.select_one("main").get_text(" ")).replace("’", "'")
    text = text.replace("“", '"').replace("”", '"')
    chapters, _ = tg.load_chapters(paths.ROOT)
    for c in chapters:
        assert c["title"] in text, f"guide lacks {c['doc']}"
        first = re.sub(r"\{[\w:-]+\}`([^`<]*?)\s*(?:<[^`]*>)?`", r"\1", c["objectives"].splitlines()[0])
        first = re.sub(r"^\s*(?:[-*]|\d+\.)\s+", "", first).strip()
        assert re.sub(r"\s+", " ", first) in text, f"guide lacks the first objective of {c['doc']}"
        assert f"about {tg.reading_minutes(c['words'])} minutes" in text
    for weeks in ("A 4-week course block", "An 8-week course block"):
        assert weeks in text


def test_chapters_and_their_datasets_come_from_the_toc_and_the_code_cells(tmp_path, monkeypatch):
    """A toy book: the guide lists its chapters in _toc.yml order, with the datasets their code
    cells load (analysis.build.site.dataset_uses), not those named in prose, and none for a .md page."""
    import nbformat

    from analysis.build import site as _site

    (tmp_path / "book").mkdir()
    for name, load in (("b", 'x = data.load("emon")\ny = data.load("claims")'), ("a", 'z = data.load("males")')):
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_markdown_cell(CHAPTER.replace("# A chapter", f"# Chapter {name}")
                                                  + '\n`data.load("surveys")` in prose does not count\n'),
                    nbformat.v4.new_code_cell(load)]
        nbformat.write(nb, tmp_path / "book" / f"{name}.ipynb")
    (tmp_path / "book" / "c.md").write_text(CHAPTER.replace("# A chapter", "# Chapter c"), encoding="utf-8")
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/b\nchapters:\n  - file: book/a\n  - file: book/c\n")
    monkeypatch.setattr(_site.paths, "ROOT", tmp_path)
    monkeypatch.setattr(_site, "TOC", tmp_path / "_toc.yml")
    chapters, order = tg.load_chapters(tmp_path)
    assert order == ["book/b", "book/a", "book/c"]
    assert [(c["doc"], c["datasets"]) for c in chapters] == [
        ("book/b", ["claims", "emon"]), ("book/a", ["males"]), ("book/c", [])]


def test_real_chapters_list_the_datasets_the_data_sources_page_counts():
    from analysis.build import site as _site

    chapters, _ = tg.load_chapters(paths.ROOT)
    listed = {(c["doc"].rsplit("/", 1)[-1], d) for c in chapters for d in c["datasets"]}
    uses = {(stem, d) for d, stems in _site.dataset_uses().items() for stem in stems}
    assert listed == {(s, d) for s, d in uses if s in {c["doc"].rsplit("/", 1)[-1] for c in chapters}}
    assert "cluster_places" in next(c for c in chapters if c["doc"] == "book/clusters")["datasets"]
