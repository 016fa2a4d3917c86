#!/usr/bin/env python3
"""Draws a dashboard's panels from a live Prometheus as one PNG, as Grafana would show them.

Grafana itself cannot run where the docs were made, so docs/images/dashboard-*.png come from
this script: every panel target is evaluated with Prometheus's query_range API (variables set
to the values given), time series drawn as lines, heatmap panels as heatmaps of per-bucket
counts. Needs python3-matplotlib.

  grafana/render-panels.py --prometheus http://127.0.0.1:19090 --minutes 10 \
      --var model=exitstream-stories-8L --var instance=.* \
      grafana/dashboards/serving.json docs/images/dashboard-serving.png
"""
import argparse
import json
import math
import time
import urllib.parse
import urllib.request

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

UNITS = {"s": "seconds", "reqps": "requests/s", "bytes": "bytes", "percentunit": "ratio"}


def query_range(prometheus, expr, start, end, step):
    url = prometheus + "/api/v1/query_range?" + urllib.parse.urlencode(
        {"query": expr, "start": start, "end": end, "step": step})
    with urllib.request.urlopen(url, timeout=30) as response:
        answer = json.load(response)
    if answer["status"] != "success":
        raise SystemExit(f"{expr}: {answer.get('error')}")
    return answer["data"]["result"]


def legend(template, labels):
    text = template or "{{__name__}}"
    for key, value in labels.items():
        text = text.replace("{{" + key + "}}", value)
    return text


def substitute(expr, variables, step):
    expr = expr.replace("$__rate_interval", f"{4 * step}s").replace("$__range", "5m")
    for name, value in variables.items():
        expr = expr.replace("$" + name, value)
    return expr


def draw_heatmap(ax, series, start):
    # Cumulative "le" buckets per time step -> counts per bucket.
    bounds = sorted({float(s["metric"]["le"]) for s in series})
    by_le = {float(s["metric"]["le"]): s["values"] for s in series}
    times = [float(t) for t, _ in by_le[bounds[0]]]
    rows = []
    for i, le in enumerate(bounds):
        below = by_le[bounds[i - 1]] if i > 0 else None
        row = []
        for k, (_, v) in enumerate(by_le[le]):
            prev = float(below[k][1]) if below else 0.0
            row.append(max(float(v) - prev, 0.0))
        rows.append(row)
    labels = ["+Inf" if math.isinf(le) else f"{le:g}" for le in bounds]
    ax.imshow(rows, aspect="auto", origin="lower", cmap="Oranges", interpolation="nearest",
              extent=[(times[0] - start) / 60, (times[-1] - start) / 60, -0.5,
                      len(bounds) - 0.5])
    ax.set_yticks(range(len(bounds)))
    ax.set_yticklabels(labels, fontsize=7)
    ax.set_ylabel("le (layer)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prometheus", required=True)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--step", type=int, default=5)
    parser.add_argument("--end", type=float, help="unix time of the right edge (default: now)")
    parser.add_argument("--var", action="append", default=[])
    parser.add_argument("dashboard")
    parser.add_argument("png")
    args = parser.parse_args()
    variables = dict(v.split("=", 1) for v in args.var)
    board = json.load(open(args.dashboard))
    end = args.end or time.time()
    start = end - args.minutes * 60
    panels = board["panels"]
    cols = 2
    rows = math.ceil(len(panels) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(13, 3.1 * rows), squeeze=False)
    for ax, panel in zip(axes.flat, panels):
        ax.set_title(panel["title"], fontsize=10, loc="left")
        unit = panel["fieldConfig"]["defaults"].get("unit", "")
        heatmap = panel["type"] == "heatmap"
        drawn = 0
        for target in panel["targets"]:
            expr = substitute(target["expr"], variables, args.step)
            series = query_range(args.prometheus, expr, start, end, args.step)
            if heatmap and series:
                draw_heatmap(ax, series, start)
                drawn += 1
                continue
            for s in series:
                points = [(float(t), float(v)) for t, v in s["values"]]
                if all(math.isnan(v) for _, v in points):
                    continue  # 0/0, as a ratio of counters that did not move
                xs = [(t - start) / 60 for t, _ in points]
                ax.plot(xs, [v for _, v in points], linewidth=1.2,
                        label=legend(target.get("legendFormat"), s["metric"]))
                drawn += 1
        if drawn == 0:
            ax.text(0.5, 0.5, "no data", ha="center", va="center", color="grey",
                    transform=ax.transAxes)
        elif not heatmap:
            ax.legend(fontsize=7, loc="upper left")
            ax.set_ylabel(UNITS.get(unit, ""), fontsize=8)
        ax.set_xlabel("minutes", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(panels):]:
        ax.axis("off")
    fig.suptitle(board["title"] + " (rendered from Prometheus; see grafana/render-panels.py)",
                 fontsize=12)
    fig.tight_layout()
    fig.savefig(args.png, dpi=80)


if __name__ == "__main__":
    main()
