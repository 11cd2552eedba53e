"""Chart renditions made at build time: SVG and compiled Vega, at desktop and at phone width.

Pure functions over a Vega-Lite spec (the one altair wrote into a notebook output), used by
``_ext/static_charts.py``; vl-convert (PyPI, pinned) does the rendering and compiling, so the
browser needs neither Vega-Lite nor a compile step, and paints the chart with the HTML.

* :func:`merge_duplicate_datasets`: altair can inline the same rows twice under two names
  (e.g. a filtered layer); one copy is kept and every reference renamed.
* :func:`narrow_spec`: the phone rendition. Side-by-side views are stacked, legends go below
  the plot, long titles and legend labels wrap, and plot widths shrink (square plots, maps and
  size scales with them) until the whole chart fits :data:`PHONE_WIDTH` CSS pixels, so it is
  drawn at its natural size on a 390 px phone and no text is smaller than it was written.
* :func:`render`: SVG + Vega for one spec; :func:`renditions` makes both widths.
* :func:`static_svg`: the SVG ready to inline: ids made unique on the page, numbers rounded,
  and the chart's text alternative on the root as Vega's live view writes it.
* :func:`bound_inputs` / :func:`inputs_html`: the chart's input widgets (Vega signals bound to
  radio buttons, sliders, ...) as plain HTML controls under the static chart; the live view
  drives its signals from those same controls.
"""
from __future__ import annotations

import copy
import hashlib
import html
import json
import math
import re
import textwrap

#: Total width (CSS px) the phone rendition must fit: a 390 px phone's text column is 358 px.
PHONE_WIDTH = 340
#: Average glyph width per font size (DejaVu Sans is wide), for wrapping text before rendering.
CHAR_EM = {"normal": 0.6, "bold": 0.68}
#: Views whose height is at least this share of their width keep their aspect (networks, maps).
SQUARE = 0.6
VL_VERSION = None  # set from altair at first use (the minor version, e.g. "6.4")


def vl_version() -> str:
    global VL_VERSION
    if VL_VERSION is None:
        import altair as alt

        VL_VERSION = ".".join(alt.VEGALITE_VERSION.split(".")[:2])
    return VL_VERSION


# ----------------------------------------------------------------- datasets

def merge_duplicate_datasets(spec: dict) -> dict:
    """A copy of ``spec`` in which identical inline datasets are one dataset."""
    datasets = spec.get("datasets") or {}
    first: dict[str, str] = {}
    rename: dict[str, str] = {}
    for name, rows in datasets.items():
        key = json.dumps(rows, sort_keys=True, allow_nan=True)
        if key in first:
            rename[name] = first[key]
        else:
            first[key] = name
    if not rename:
        return spec

    def fix(node):
        if isinstance(node, dict):
            out = {}
            for k, v in node.items():
                if k == "data" and isinstance(v, dict) and v.get("name") in rename:
                    v = {**v, "name": rename[v["name"]]}
                out[k] = fix(v)
            return out
        if isinstance(node, list):
            return [fix(x) for x in node]
        return node

    out = fix({k: v for k, v in spec.items() if k != "datasets"})
    out["datasets"] = {k: v for k, v in datasets.items() if k not in rename}
    return out


# ----------------------------------------------------------------- the phone rendition

CONCATS = ("vconcat", "hconcat", "concat")


def _children(view: dict) -> list[dict]:
    out = []
    for key in ("layer", *CONCATS):
        out += [c for c in view.get(key) or [] if isinstance(c, dict)]
    if isinstance(view.get("spec"), dict):
        out.append(view["spec"])
    return out


def _views(view: dict):
    """Every view of a spec, the top level first."""
    yield view
    for c in _children(view):
        yield from _views(c)


def _wrap(text, width_px: float, size: float, weight: str = "normal"):
    """Text (or lines) wrapped to ``width_px``: a list of lines, or the text if it fits."""
    lines = text if isinstance(text, list) else [text]
    chars = max(8, int(width_px / (size * CHAR_EM[weight])))
    out = []
    for line in lines:
        out += textwrap.wrap(str(line), chars, break_on_hyphens=False) or [""]
    return out if len(out) > 1 else (out[0] if out else text)


def _wrap_title(view: dict, config: dict, width: float, top: bool) -> None:
    title = view.get("title")
    if not title:
        return
    tconf = config.get("title", {})
    if not isinstance(title, dict):
        title = {"text": title}
    size = title.get("fontSize", tconf.get("fontSize", 13))
    title["text"] = _wrap(title["text"], width, size, "bold")
    if title.get("subtitle"):
        title["subtitle"] = _wrap(title["subtitle"], width, title.get("subtitleFontSize", tconf.get("subtitleFontSize", 10)))
    view["title"] = title


def _wrap_expr(chars: int) -> str:
    """A Vega expression that breaks ``datum.label`` into lines of at most ``chars`` characters."""
    return (f"length(datum.label) <= {chars} ? datum.label : "
            f"split(trim(replace(datum.label, regexp('(.{{1,{chars}}})(\\\\s+|$)', 'g'), '$1\\n')), '\\n')")


LEGEND_CHANNELS = ("color", "fill", "stroke", "shape", "size", "opacity", "strokeDash", "strokeWidth")


def _chars(width_px: float, size: float = 12, weight: str = "normal") -> int:
    return max(12, int(width_px / (size * CHAR_EM[weight])))


def _legends_below(view: dict, width: float) -> None:
    """Legends of a view's encodings go below the plot: symbols one per line with wrapped labels,
    colour gradients horizontal."""
    for channel, fdef in (view.get("encoding") or {}).items():
        if channel not in LEGEND_CHANNELS or not isinstance(fdef, dict) or "field" not in fdef:
            continue
        if fdef.get("legend", {}) is None:
            continue
        legend = dict(fdef.get("legend") or {})
        # A legend starts at the plot's left edge, right of the y axis (about 70 px).
        limit = int(width) - 110
        gradient = channel in ("color", "fill", "stroke", "opacity") and fdef.get("type") in ("quantitative", "temporal")
        if legend.get("orient") not in ("top", "bottom"):
            legend["orient"] = "bottom"
        legend["direction"] = "horizontal" if gradient else "vertical"
        if gradient:
            legend.setdefault("gradientLength", int(0.45 * width))
        else:
            # lines wrapped to the limit, which only cuts a single word longer than a line
            legend["labelLimit"] = limit
            legend.setdefault("labelExpr", _wrap_expr(_chars(limit)))
        legend["titleLimit"] = limit
        fdef["legend"] = legend


def _fit_axes(view: dict, width, height, total: float) -> None:
    """Axis titles wrapped to the plot's size; long category labels wrapped to lines."""
    for channel, fdef in (view.get("encoding") or {}).items():
        if channel not in ("x", "y") or not isinstance(fdef, dict):
            continue
        axis = fdef.get("axis", {})
        if axis is None:
            continue
        axis = dict(axis or {})
        span = width if channel == "x" else height
        if channel == "x" and isinstance(fdef.get("sort"), list) and len(fdef["sort"]) >= 8:
            axis["labelAngle"] = -90  # bands of MIN_BAND px: upright labels would overlap
        for holder in (fdef, axis):
            title = holder.get("title")
            if isinstance(title, (str, list)) and isinstance(span, (int, float)):
                holder["title"] = _wrap(title, span, 12, "bold")
        if channel == "y" and fdef.get("type") in ("nominal", "ordinal") and axis.get("labels", True):
            # Two-line labels need a step of ~28 px: wrap them only where rows have a step.
            if isinstance(view.get("height", height), dict) or height is None:
                axis.setdefault("labelExpr", _wrap_expr(_chars(0.4 * total)))
            axis.setdefault("labelLimit", int(0.36 * total))
        fdef["axis"] = axis


def _plot_width(view: dict) -> float:
    """The widest row of plots in a view (px), without axes, legends and titles."""
    if "layer" in view:
        own = view.get("width")
        return own if isinstance(own, (int, float)) else max([_plot_width(c) for c in view["layer"]] or [0])
    if "vconcat" in view:
        return max([_plot_width(c) for c in view["vconcat"]] or [0])
    if "hconcat" in view:
        return sum(_plot_width(c) for c in view["hconcat"]) + 20 * (len(view["hconcat"]) - 1)
    if "concat" in view:
        cols = view.get("columns") or len(view["concat"])
        return cols * max([_plot_width(c) for c in view["concat"]] or [0]) + 20 * (cols - 1)
    w = view.get("width")
    return w if isinstance(w, (int, float)) else 0


MIN_BAND = 14  # px per category row or column: room for a 12 px label


def _band_floor(view: dict, channel: str) -> int:
    """The smallest plot size that leaves MIN_BAND px per category of a discrete axis whose
    categories are listed (``sort``), in this view or its layers."""
    n = 0
    for v in _views(view):
        fdef = (v.get("encoding") or {}).get(channel)
        if isinstance(fdef, dict) and fdef.get("type") in ("nominal", "ordinal") and isinstance(fdef.get("sort"), list):
            n = max(n, len(fdef["sort"]))
    return n * MIN_BAND


def _fit(view: dict, f: float, total: float, width=None, height=None) -> None:
    """Plot widths times ``f`` (square plots and maps keep their aspect, size ranges shrink with
    them); then axes fitted to the new size. ``width``/``height``: the enclosing layer's."""
    w, h = view.get("width"), view.get("height")
    if isinstance(w, (int, float)):
        view["width"] = max(40, _band_floor(view, "x"), round(w * f))
        if isinstance(h, (int, float)) and h >= SQUARE * w:
            view["height"] = max(40, _band_floor(view, "y"), round(h * f))
    width = view.get("width", width)
    height = view.get("height", height)
    proj = view.get("projection")
    if isinstance(proj, dict) and isinstance(proj.get("scale"), (int, float)):
        proj["scale"] = round(proj["scale"] * f, 2)
    size = (view.get("encoding") or {}).get("size")
    if isinstance(size, dict) and isinstance(size.get("scale"), dict):
        rng = size["scale"].get("range")
        if isinstance(rng, list) and all(isinstance(x, (int, float)) for x in rng):
            size["scale"]["range"] = [round(x * f, 1) for x in rng]
    _fit_axes(view, width, height, total)
    for c in _children(view):
        _fit(c, f, total, width if "layer" in view else None, height if "layer" in view else None)


def narrow_spec(spec: dict, f: float = 1.0, width: float = PHONE_WIDTH) -> dict:
    """The phone rendition of a Vega-Lite spec, its plot widths scaled by ``f``."""
    out = copy.deepcopy(spec)
    config = out.setdefault("config", {})
    for v in _views(out):
        if "hconcat" in v:
            v["vconcat"] = v.pop("hconcat")
        if "concat" in v:
            w = max([_plot_width(c) for c in v["concat"]] or [width])
            v["columns"] = max(1, int((width + 20) // (w * f + 20)))
        _legends_below(v, width)
        _wrap_title(v, config, width, v is out)
    config.setdefault("legend", {}).setdefault("orient", "bottom")
    _fit(out, f, width)
    return out


def narrow_vega(vega: dict) -> dict:
    """Vega-level settings of the phone rendition: legends below the plot start at its left
    edge and stack (Vega-Lite has no setting for the layout of several legends)."""
    config = vega.setdefault("config", {})
    legend = config.setdefault("legend", {})
    legend["layout"] = {"bottom": {"anchor": "start", "direction": "vertical", "margin": 12},
                        "top": {"anchor": "start", "direction": "vertical", "margin": 8}}
    return vega


# ----------------------------------------------------------------- rendering

SVG_WIDTH = re.compile(r'<svg[^>]*\bwidth="([\d.]+)"[^>]*\bheight="([\d.]+)"')
FONT_SIZE = re.compile(r'font-size="([\d.]+)px"')


class Rendition(dict):
    """{'svg', 'vega', 'width', 'height', 'min_font'} of one spec."""


def render(spec: dict, narrow: bool = False) -> Rendition:
    """Compile to Vega, then draw that Vega spec: the static SVG is what the live view draws."""
    import vl_convert as vlc

    vega = vlc.vegalite_to_vega(spec, vl_version=vl_version())
    if narrow:
        vega = narrow_vega(vega)
    svg = vlc.vega_to_svg(vega)
    m = SVG_WIDTH.search(svg)
    fonts = [float(x) for x in FONT_SIZE.findall(svg)]
    return Rendition(svg=svg, vega=vega, width=float(m.group(1)), height=float(m.group(2)),
                     min_font=min(fonts) if fonts else None)


def renditions(spec: dict, width: float = PHONE_WIDTH) -> tuple[Rendition, Rendition | None]:
    """(desktop, phone) renditions; phone is None when the desktop one already fits ``width``."""
    spec = merge_duplicate_datasets(spec)
    wide = render(spec)
    if wide["width"] <= width:
        return wide, None
    plot = _plot_width(narrow_spec(spec, 1.0, width)) or 1.0
    f = 1.0
    for _ in range(4):
        narrow = render(narrow_spec(spec, f, width), narrow=True)
        if narrow["width"] <= width:
            break
        # what is not plot (axes, legends, padding) stays; the plots take the rest
        rest = narrow["width"] - plot * f
        f = max(0.2, min(f * 0.97, (width - rest) / plot))
    return wide, narrow


# ----------------------------------------------------------------- the inline SVG

_ID = re.compile(r'\bid="([^"]+)"')
_NUM = re.compile(r"\d+\.\d{2,}")
_ATTR = re.compile(r'="([^"]*)"')


def _round_attrs(svg: str) -> str:
    """Numbers in attribute values (coordinates, sizes) to 0.1 px; text content is left alone."""
    def attr(m):
        return '="' + _NUM.sub(lambda n: f"{float(n.group()):.1f}", m.group(1)) + '"'

    return _ATTR.sub(attr, svg)
# Per-mark roles, labels and classes: the static chart is one image with one text alternative
# (each mark's own label is in the live view); without them the inline SVG is half the size.
_INNER_ATTRS = re.compile(r' (?:role|aria-label|aria-roledescription|aria-hidden|class)="[^"]*"')


_CLIP_RECT = re.compile(r'<clipPath id="([^"]+)"><rect x="([-\d.]+)" y="([-\d.]+)" width="([\d.]+)" height="([\d.]+)"/>')
_CLIPPED_GROUP = re.compile(r'(<g class="mark-shape[^"]*" clip-path="url\(#([^)]+)\)"[^>]*>)(.*?)(</g>)', re.S)
_SHAPE_PATH = re.compile(r'<path transform="translate\(0,0\)" d="([^"]*)"([^>]*)/>')
_POLYGON = re.compile(r"^M[-\d.,L]*Z?$")


def prune_clipped_shapes(svg: str) -> str:
    """Leave out the parts of clipped shapes (a map's countries) that lie wholly outside their clip
    rectangle: nobody sees them, and a world basemap is mostly such parts. Only polygons drawn
    with straight lines (M, L, Z) are judged; anything else is kept."""
    clips = {m.group(1): tuple(float(m.group(i)) for i in range(2, 6)) for m in _CLIP_RECT.finditer(svg)}

    def group(m):
        rect = clips.get(m.group(2))
        if rect is None:
            return m.group(0)
        x0, y0, w, h = rect

        def path(p):
            kept = []
            for sub in re.findall(r"M[^M]*", p.group(1)):
                if not _POLYGON.match(sub):
                    kept.append(sub)
                    continue
                nums = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", sub)]
                xs, ys = nums[0::2], nums[1::2]
                if xs and (max(xs) >= x0 and min(xs) <= x0 + w and max(ys) >= y0 and min(ys) <= y0 + h):
                    kept.append(sub)
            return f'<path transform="translate(0,0)" d="{"".join(kept)}"{p.group(2)}/>' if kept else ""

        return m.group(1) + _SHAPE_PATH.sub(path, m.group(3)) + m.group(4)

    return _CLIPPED_GROUP.sub(group, svg)


def static_svg(svg: str, prefix: str, description: str) -> str:
    """The SVG to inline in a page: clipped-away shapes left out, unique ids, numbers to 0.1 px,
    and one text alternative: the root is an image labelled with the chart's description, its
    marks carry no roles or labels of their own."""
    svg = prune_clipped_shapes(svg)
    head, sep, body = svg.partition(">")
    svg = head + sep + _INNER_ATTRS.sub("", body)
    ids = set(_ID.findall(svg))
    for old in sorted(ids, key=len, reverse=True):
        svg = svg.replace(f'id="{old}"', f'id="{prefix}-{old}"').replace(f"url(#{old})", f"url(#{prefix}-{old})")
    svg = _round_attrs(svg)
    label = html.escape(description, quote=True)
    return svg.replace(' class="marks"', f' class="marks" role="img" aria-label="{label}"', 1)


def spec_hash(spec: dict) -> str:
    return hashlib.sha256(json.dumps(spec, sort_keys=True, allow_nan=True).encode()).hexdigest()[:16]


# ----------------------------------------------------------------- input widgets

def bound_inputs(vega: dict) -> list[dict]:
    """The signals bound to input widgets, top level first: {name, value, bind}."""
    out = []

    def walk(node):
        for s in node.get("signals") or []:
            if isinstance(s.get("bind"), dict) and "input" in s["bind"]:
                out.append({"name": s["name"], "value": s.get("value"), "bind": s["bind"]})
        for m in node.get("marks") or []:
            if m.get("type") == "group":
                walk(m)

    walk(vega)
    return out


def without_bindings(vega: dict) -> dict:
    """The Vega spec with its signals' widget bindings removed (the page's own controls drive them)."""
    out = copy.deepcopy(vega)

    def walk(node):
        for s in node.get("signals") or []:
            if isinstance(s.get("bind"), dict) and "input" in s["bind"]:
                del s["bind"]
        for m in node.get("marks") or []:
            if m.get("type") == "group":
                walk(m)

    walk(out)
    return out


def _num(x) -> str:
    return json.dumps(x)


def inputs_html(inputs: list[dict], prefix: str) -> str:
    """Plain HTML controls for the bound signals, showing each signal's starting value."""
    if not inputs:
        return ""
    esc = html.escape
    parts = ['<div class="chart-inputs">']
    for i, s in enumerate(inputs):
        b, name, value = s["bind"], s["name"], s["value"]
        label = esc(str(b.get("name") or name).strip())
        attrs = f'data-signal="{esc(name)}"'
        if b["input"] == "radio" or b["input"] == "select":
            options = b.get("options") or []
            labels = b.get("labels") or [str(o) for o in options]
            if b["input"] == "radio":
                parts.append(f'<fieldset class="chart-input" {attrs}><legend>{label}</legend>')
                for j, (o, lab) in enumerate(zip(options, labels)):
                    checked = " checked" if o == value else ""
                    parts.append(f'<label><input type="radio" name="{prefix}-{i}" value="{esc(str(o))}" '
                                 f"data-json='{esc(_num(o))}'{checked}> {esc(str(lab))}</label>")
                parts.append("</fieldset>")
            else:
                parts.append(f'<label class="chart-input" {attrs}><span>{label}</span> <select>')
                for o, lab in zip(options, labels):
                    sel = " selected" if o == value else ""
                    parts.append(f"<option value=\"{esc(str(o))}\" data-json='{esc(_num(o))}'{sel}>{esc(str(lab))}</option>")
                parts.append("</select></label>")
        elif b["input"] == "range":
            lo, hi = b.get("min", 0), b.get("max", 100)
            step = b.get("step") or (hi - lo) / 100
            parts.append(f'<label class="chart-input chart-input-range" {attrs}><span>{label}</span> '
                         f'<input type="range" min="{lo}" max="{hi}" step="{step}" value="{value}">'
                         f'<output>{esc(str(value))}</output></label>')
        elif b["input"] == "checkbox":
            checked = " checked" if value else ""
            parts.append(f'<label class="chart-input" {attrs}><input type="checkbox"{checked}> {label}</label>')
        else:
            parts.append(f'<label class="chart-input" {attrs}><span>{label}</span> '
                         f'<input type="{esc(b["input"])}" value="{esc(str(value))}"></label>')
    parts.append("</div>")
    return "".join(parts)
