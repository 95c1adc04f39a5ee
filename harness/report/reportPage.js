// The report page's script, inlined into the HTML after d3 and Observable Plot (renderReport.ts):
// it draws the charts from the binned data embedded in #report-data and the per-user timelines,
// zoomed with a brush on the overview instead of scrolling sideways. No network, no modules.
/* global Plot, d3 */
(function () {
  "use strict";
  const started = performance.now();
  const data = JSON.parse(document.getElementById("report-data").textContent);
  const facts = data.facts;
  const number = new Intl.NumberFormat("en-US");
  const blue = "#1f6feb";
  const red = "#d1242f";
  const grey = "#8c959f";

  function widthOf(element) {
    return Math.max(320, Math.floor(element.clientWidth || 640));
  }

  /** Puts a chart (or a sentence, when there is nothing to draw) and its note into a figure. */
  function mount(name, draw, note) {
    const figure = document.querySelector(`[data-chart="${name}"]`);
    const target = figure.querySelector(".plot");
    const chart = draw(widthOf(target));
    target.replaceChildren(typeof chart === "string" ? paragraph(chart, "empty") : chart);
    figure.querySelector(".note").textContent = note;
    return figure;
  }

  function paragraph(text, className) {
    const p = document.createElement("p");
    p.className = className;
    p.textContent = text;
    return p;
  }

  function seconds(ms) {
    return ms / 1000;
  }

  function duration(ms) {
    if (ms < 60e3) return `${number.format(seconds(ms))} s`;
    if (ms < 3600e3) return `${number.format(ms / 60e3)} min`;
    if (ms < 86400e3) return `${number.format(ms / 3600e3)} h`;
    return `${number.format(ms / 86400e3)} d`;
  }

  /** A count axis: whole numbers only, even when the counts are small. */
  function countAxis(label, counts) {
    const max = Math.max(0, ...counts);
    return { grid: true, label, ...(max < 10 && { ticks: Math.max(1, max) }), tickFormat: "~s" };
  }

  function sum(values) {
    return values.reduce((total, value) => total + value, 0);
  }

  // Sessions over time: session starts per bin, by event time.
  const overTime = facts.charts.sessionsOverTime;
  const startsDrawn = sum(overTime.bins.map((bin) => bin[1]));
  mount(
    "sessions-over-time",
    (width) =>
      overTime.bins.length === 0
        ? "No sessions."
        : Plot.plot({
            width,
            height: 240,
            marginLeft: 56,
            x: { type: "utc", label: null },
            y: countAxis(
              `sessions started per ${duration(overTime.binMs)}`,
              overTime.bins.map((bin) => bin[1]),
            ),
            marks: [
              Plot.rectY(overTime.bins, {
                x1: (bin) => new Date(bin[0]),
                x2: (bin) => new Date(bin[0] + overTime.binMs),
                y: (bin) => bin[1],
                fill: blue,
                insetLeft: overTime.bins.length > 100 ? 0 : 0.5,
                tip: true,
              }),
              Plot.ruleY([0]),
            ],
          }),
    `${number.format(startsDrawn)} sessions started, in bins of ${duration(overTime.binMs)}.`,
  ).dataset.sessions = String(startsDrawn);

  // Sessions per user.
  const perUser = facts.charts.sessionsPerUser;
  const usersDrawn = sum(perUser.map((bin) => bin[2]));
  const unitBins = perUser.length > 0 && perUser[0][1] - perUser[0][0] === 1;
  mount(
    "sessions-per-user",
    (width) =>
      perUser.length === 0
        ? "No users."
        : Plot.plot({
            width,
            height: 240,
            marginLeft: 56,
            x: { label: "sessions per user", ...(unitBins && { ticks: 10, tickFormat: "d" }) },
            y: countAxis(
              "users",
              perUser.map((bin) => bin[2]),
            ),
            marks: [
              Plot.rectY(perUser, {
                x1: (bin) => bin[0] - (unitBins ? 0.5 : 0),
                x2: (bin) => bin[1] - (unitBins ? 0.5 : 0),
                y: (bin) => bin[2],
                fill: blue,
                insetLeft: 0.5,
                tip: true,
              }),
              Plot.ruleY([0]),
            ],
          }),
    `${number.format(usersDrawn)} users.`,
  ).dataset.users = String(usersDrawn);

  // Session length.
  const lengths = facts.charts.sessionLength;
  const sessionsDrawn = sum(lengths.bins.map((bin) => bin[2])) + lengths.longer;
  mount(
    "session-length",
    (width) =>
      lengths.bins.length === 0
        ? "No sessions."
        : Plot.plot({
            width,
            height: 240,
            marginLeft: 56,
            x: { label: "session length (s), first to last event" },
            y: countAxis(
              "sessions",
              lengths.bins.map((bin) => bin[2]),
            ),
            marks: [
              Plot.rectY(lengths.bins, {
                x1: (bin) => seconds(bin[0]),
                x2: (bin) => seconds(bin[1]),
                y: (bin) => bin[2],
                fill: blue,
                insetLeft: 0.5,
                tip: true,
              }),
              Plot.ruleY([0]),
            ],
          }),
    `${number.format(sessionsDrawn)} sessions` +
      (lengths.longer > 0
        ? `; ${number.format(lengths.longer)} of ${duration(lengths.from)} or longer are not drawn.`
        : "."),
  ).dataset.sessions = String(sessionsDrawn);

  // Gaps between a user's consecutive events, around the threshold.
  const gaps = facts.charts.gaps;
  const threshold = seconds(gaps.thresholdMs);
  mount(
    "gaps",
    (width) =>
      gaps.within + gaps.beyond === 0
        ? "No user has two events."
        : Plot.plot({
            width,
            height: 240,
            marginLeft: 56,
            x: { label: "gap to the user's previous event (s)" },
            y: countAxis(
              "gaps",
              gaps.bins.map((bin) => bin[2]),
            ),
            color: {
              domain: ["same session", "new session"],
              range: [blue, red],
              legend: true,
            },
            marks: [
              Plot.rectY(gaps.bins, {
                x1: (bin) => seconds(bin[0]),
                x2: (bin) => seconds(bin[1]),
                y: (bin) => bin[2],
                fill: (bin) => (bin[0] >= gaps.thresholdMs ? "new session" : "same session"),
                insetLeft: 0.5,
                tip: true,
              }),
              Plot.ruleX([threshold], { stroke: "#222", strokeDasharray: "4 3" }),
              Plot.text([threshold], {
                x: (t) => t,
                frameAnchor: "top",
                dx: 4,
                textAnchor: "start",
                text: () => `threshold ${threshold} s`,
              }),
              Plot.ruleY([0]),
            ],
          }),
    `${number.format(gaps.within)} gaps of at most ${threshold} s (same session), ` +
      `${number.format(gaps.beyond)} longer (a new session)` +
      (gaps.longer > 0
        ? `; ${number.format(gaps.longer)} of ${duration(gaps.bins.length * 1000)} or more are not drawn`
        : "") +
      (gaps.negative > 0
        ? `; ${number.format(gaps.negative)} negative (events out of time order)`
        : "") +
      ".",
  );

  // Dead letters by reason.
  const reasons = facts.charts.deadLetters;
  const deadLetters = sum(reasons.map((reason) => reason[1]));
  mount(
    "dead-letters",
    (width) =>
      reasons.length === 0
        ? "None: no record and no row went to error_stream."
        : Plot.plot({
            width,
            height: 60 + 28 * reasons.length,
            marginLeft: 190,
            x: countAxis(
              "rows",
              reasons.map((reason) => reason[1]),
            ),
            y: { label: null },
            marks: [
              Plot.barX(reasons, {
                x: (reason) => reason[1],
                y: (reason) => reason[0],
                fill: red,
                sort: { y: "x", reverse: true },
                tip: true,
              }),
              Plot.ruleX([0]),
            ],
          }),
    `${number.format(deadLetters)} rows.`,
  ).dataset.rows = String(deadLetters);

  drawTimelines(facts.timelines);

  document.body.dataset.rendered = "true";
  window.reportRenderMs = Math.round(performance.now() - started);

  /** The chosen users' events and sessions, with an overview to brush a time range on. */
  function drawTimelines(timelines) {
    const section = document.getElementById("timelines");
    const detail = section.querySelector(".detail");
    const overview = section.querySelector(".overview");
    if (timelines.length === 0) {
      detail.replaceChildren(paragraph("No user has an event with a timestamp.", "empty"));
      return;
    }
    const users = timelines.map((timeline) => timeline.id);
    const clicks = [];
    const sessions = [];
    for (const timeline of timelines) {
      let time = 0;
      const times = timeline.times.map((delta, i) => (time = i === 0 ? delta : time + delta));
      for (const t of times) clicks.push({ user: timeline.id, t });
      timeline.starts.forEach((start, k) => {
        const next = k + 1 < timeline.starts.length ? timeline.starts[k + 1] : times.length;
        let end = times[start];
        for (let i = start + 1; i < next; i++) end = Math.max(end, times[i]);
        sessions.push({ user: timeline.id, start: times[start], end, clicks: next - start });
      });
    }
    const full = d3.extent(clicks, (click) => click.t);
    if (full[0] === full[1]) full[1] = full[0] + 1000;
    const capped = timelines.filter((timeline) => timeline.shown < timeline.events);
    section.querySelector(".note").textContent =
      `${users.length} users, ${number.format(clicks.length)} events, ${number.format(sessions.length)} sessions. ` +
      "Drag across the overview to zoom in; double-click it (or press Reset) to see everything." +
      (capped.length > 0
        ? ` The first ${number.format(capped[0].shown)} events of each user are drawn.`
        : "");
    const height = 40 + 26 * users.length;
    // Room for the longest user id on the left (about 7 px a character at the axis' font size).
    const marginLeft = Math.min(220, 20 + 7 * Math.max(...users.map((user) => user.length)));
    const maxClickMarks = 20000;

    function render(domain) {
      const [from, to] = domain;
      const visible = clicks.filter((click) => click.t >= from && click.t <= to);
      const minWidth = (to - from) / 400;
      const shownSessions = sessions
        .filter((session) => session.end >= from && session.start <= to)
        .map((session) => ({
          ...session,
          drawnEnd: Math.max(session.end, session.start + minWidth),
        }));
      const marks = [
        Plot.barX(shownSessions, {
          x1: (s) => new Date(s.start),
          x2: (s) => new Date(s.drawnEnd),
          y: "user",
          fill: blue,
          fillOpacity: 0.18,
          stroke: blue,
          strokeOpacity: 0.5,
          insetTop: 4,
          insetBottom: 4,
          title: (s) =>
            `${s.user}: session of ${s.clicks} events, ${new Date(s.start).toISOString()} to ${new Date(s.end).toISOString()}`,
        }),
        Plot.dot(shownSessions, {
          x: (s) => new Date(s.start),
          y: "user",
          symbol: "triangle",
          fill: red,
          r: 3.5,
          dy: -8,
        }),
      ];
      if (visible.length <= maxClickMarks) {
        marks.splice(
          1,
          0,
          Plot.tickX(visible, {
            x: (click) => new Date(click.t),
            y: "user",
            stroke: "#0b3d91",
            strokeWidth: 1,
            insetTop: 7,
            insetBottom: 7,
          }),
        );
      }
      detail.replaceChildren(
        Plot.plot({
          width: widthOf(detail),
          height,
          marginLeft,
          x: { type: "utc", domain: [new Date(from), new Date(to)], label: null, grid: true },
          y: { domain: users, label: null },
          marks,
        }),
      );
      section.querySelector(".range").textContent =
        `${new Date(from).toISOString()} to ${new Date(to).toISOString()}` +
        (visible.length > maxClickMarks
          ? ` (${number.format(visible.length)} events: zoom in to see each one)`
          : ` (${number.format(visible.length)} events)`);
    }

    // The overview: every session of the chosen users over the whole run; the brush picks a range.
    const margins = { marginLeft, marginRight: 20, marginTop: 6, marginBottom: 24 };
    const overviewWidth = widthOf(overview);
    const overviewHeight = 30 + 6 * users.length + margins.marginTop + margins.marginBottom;
    const chart = Plot.plot({
      width: overviewWidth,
      height: overviewHeight,
      ...margins,
      x: { type: "utc", domain: [new Date(full[0]), new Date(full[1])], label: null },
      y: { domain: users, axis: null },
      marks: [
        Plot.tickX(sessions, { x: (s) => new Date(s.start), y: "user", stroke: grey }),
        Plot.frame({ stroke: "#d0d7de" }),
      ],
    });
    overview.replaceChildren(chart);
    const x = chart.scale("x");
    const brush = d3
      .brushX()
      .extent([
        [margins.marginLeft, margins.marginTop],
        [overviewWidth - margins.marginRight, overviewHeight - margins.marginBottom],
      ])
      .on("end", (event) => {
        if (!event.selection) return render(full);
        const [a, b] = event.selection.map((px) => +x.invert(px));
        render(b - a < 1 ? [a, a + 1] : [a, b]);
      });
    const brushLayer = d3.select(chart).append("g").attr("class", "brush").call(brush);
    const reset = () => brushLayer.call(brush.move, null);
    brushLayer.on("dblclick", reset);
    section.querySelector("button.reset").addEventListener("click", reset);
    render(full);
  }
})();
