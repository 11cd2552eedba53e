/* Live charts on demand (_ext/static_charts.py writes the figures, this file is copied to _static).
 *
 * Each chart is painted as a static SVG with the page. When a reader reaches for it (a mouse
 * pointer over it, a tap or focus inside it, its "Explore" button or one of its controls), the
 * Vega runtime (_static/vega-runtime.js) and the chart's compiled spec
 * (_static/charts/<id>-<wide|narrow>.js) are loaded, and the live view is drawn in the same
 * box as the SVG, which then steps aside. The controls under the chart drive the view's
 * signals, before and after it is live. Nothing here talks to another host.
 */
(function () {
  "use strict";
  var base = document.currentScript.src.replace(/[^\/]*$/, "");
  var scripts = {};

  function load(src) {
    if (!scripts[src]) {
      scripts[src] = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = base + src;
        s.async = true;
        s.onload = resolve;
        s.onerror = function () { delete scripts[src]; reject(new Error("could not load " + s.src)); };
        document.head.appendChild(s);
      });
    }
    return scripts[src];
  }

  // The rendition the reader sees now (the page's CSS chooses it by the chart's width).
  function rendition(fig) {
    var narrow = fig.querySelector(".chart-narrow");
    return narrow && getComputedStyle(narrow).display !== "none" ? "narrow" : "wide";
  }

  function inputValue(ctl) {
    var input = ctl.tagName === "FIELDSET" ? ctl.querySelector("input:checked") : ctl.querySelector("input, select");
    if (!input) return undefined;
    if (input.type === "checkbox") return input.checked;
    if (input.type === "range" || input.type === "number") return Number(input.value);
    var chosen = input.tagName === "SELECT" ? input.selectedOptions[0] : input;
    return chosen && chosen.dataset.json ? JSON.parse(chosen.dataset.json) : input.value;
  }

  var tip = null;
  function tooltip(handler, event, item, value) {
    if (!tip) {
      tip = document.createElement("div");
      tip.className = "chart-tooltip";
      tip.setAttribute("role", "tooltip");
      document.body.appendChild(tip);
    }
    if (value == null || value === "") { tip.hidden = true; return; }
    tip.textContent = "";
    if (typeof value === "object") {
      var table = document.createElement("table");
      Object.keys(value).forEach(function (key) {
        var row = table.insertRow();
        row.insertCell().textContent = key;
        var v = value[key];
        row.insertCell().textContent = v !== null && typeof v === "object" ? JSON.stringify(v) : String(v);
      });
      tip.appendChild(table);
    } else {
      tip.textContent = String(value);
    }
    tip.hidden = false;
    var x = Math.min(event.clientX + 14, window.innerWidth - tip.offsetWidth - 4);
    var y = event.clientY + 14;
    if (y + tip.offsetHeight > window.innerHeight) y = Math.max(4, event.clientY - tip.offsetHeight - 8);
    tip.style.left = Math.max(4, x) + window.scrollX + "px";
    tip.style.top = y + window.scrollY + "px";
  }

  function live(fig) {
    if (fig.liveView) return fig.liveView;
    var name = fig.dataset.chart + "-" + rendition(fig);
    fig.classList.add("chart-loading");
    fig.liveView = load("vega-runtime.js")
      .then(function () { return load("charts/" + name + ".js"); })
      .then(function () {
        var holder = fig.querySelector(".chart-live");
        var view = new window.vega.View(window.vega.parse(window.chartSpecs[name]),
                                        {renderer: "svg", container: holder, hover: true, tooltip: tooltip});
        fig.querySelectorAll(".chart-input").forEach(function (ctl) {
          var v = inputValue(ctl);
          if (v !== undefined) view.signal(ctl.dataset.signal, v);
        });
        return view.runAsync().then(function () {
          holder.hidden = false;
          fig.classList.remove("chart-loading");
          fig.classList.add("chart-is-live");
          var button = fig.querySelector(".chart-explore");
          if (button) { button.textContent = "Interactive view on"; button.disabled = true; }
          return view;
        });
      })
      .catch(function (err) {
        fig.classList.remove("chart-loading");
        fig.liveView = null;
        console.error("chart " + fig.id + ": the interactive view could not start: " + err.message);
      });
    return fig.liveView;
  }

  function chartOf(event) {
    return event.target && event.target.closest ? event.target.closest(".static-chart") : null;
  }

  function reach(event) {
    var fig = chartOf(event);
    if (!fig || (event.type === "pointerover" && event.pointerType !== "mouse")) return;
    live(fig);
  }
  document.addEventListener("pointerover", reach, {passive: true});
  document.addEventListener("pointerdown", reach, {passive: true});
  document.addEventListener("focusin", reach);
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest(".chart-explore")) reach(event);
  });

  function changed(event) {
    var fig = chartOf(event);
    var ctl = event.target.closest && event.target.closest(".chart-input");
    if (!fig || !ctl) return;
    var value = inputValue(ctl);
    var out = ctl.querySelector("output");
    if (out) out.textContent = String(value);
    live(fig).then(function (view) {
      if (view) view.signal(ctl.dataset.signal, value).runAsync();
    });
  }
  document.addEventListener("input", changed);
  document.addEventListener("change", changed);
})();
